"""Every write of attachments: checking and storing uploads, attaching them to their owner inside the
owner's transaction, taking them down, and deleting the files nobody may read any more.

How an owner (messaging.services.message_post, questions.services.answer_post, ...) posts with files:

    upload = upload_prepare(files=files)           # checks and re-encodes; nothing stored yet
    with upload_staged(upload) as staged:           # files written under random names
        with transaction.atomic():
            thing = ... create the owner ...
            staged.attach(owner_type="app.model", owner_id=thing.pk, uploader=..., cluster=...)

The owner is stored with its files or not at all: when the block raises (the transaction rolled back),
the files written are deleted again; files whose rows an outer transaction rolled back later are found
by `remove_orphaned_attachments`, which also deletes the files of deleted owners once their time comes.

Several owners may show the same stored file (`attachments_share`: a library entry keeps the files of
the answer it grew from): the bytes are deleted only when no row that shows them is left.
"""

import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attachments import access, signals
from attachments.models import Attachment
from attachments.processing import Prepared, max_bytes, prepare, too_large

log = logging.getLogger(__name__)
PREFIX = "attachments"


def storage():
    return storages["attachments"]


def max_files() -> int:
    return int(settings.PUENTE_ATTACHMENT_MAX_FILES)


def upload_prepare(*, files: Sequence) -> list[Prepared]:
    """Checks each uploaded file (Django UploadedFile or anything with .name, .size and .read()) and
    returns the safe copies to store. ValidationError with a code when any is refused: then nothing is."""
    files = [upload for upload in files if upload is not None]
    if len(files) > max_files():
        raise ValidationError(
            ngettext("You can attach at most %(max)d file to one message.",
                     "You can attach at most %(max)d files to one message.", max_files()) % {"max": max_files()},
            code="too_many_files",
        )
    prepared = []
    for upload in files:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes():
            raise too_large(upload.name)  # refused before reading it
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes() + 1)
        prepared.append(prepare(name=getattr(upload, "name", "") or "", data=data))
    return prepared


def _random_names(prepared: Prepared) -> tuple[str, dict[str, str]]:
    key = secrets.token_hex(16)
    base = f"{PREFIX}/{key[:2]}/{key}"
    return key, {"file": f"{base}.{prepared.extension}", **{f"thumb_{size}": f"{base}-{size}.webp" for size in prepared.thumbs}}


class Staged:
    """Files written to storage, waiting for their owner's row (see the module's docstring)."""

    def __init__(self, prepared: list[Prepared]):
        self.rows: list[Attachment] = []
        self.attached = False
        store = storage()
        try:
            for position, item in enumerate(prepared):
                key, names = _random_names(item)
                row = Attachment(
                    key=key, position=position, name=item.name, content_type=item.content_type, kind=item.kind,
                    size=item.size, width=item.width, height=item.height,
                )
                self.rows.append(row)
                row.file = store.save(names["file"], ContentFile(item.data))
                for size, data in item.thumbs.items():
                    setattr(row, f"thumb_{size}", store.save(names[f"thumb_{size}"], ContentFile(data)))
        except BaseException:
            self.discard()
            raise

    def attach(self, *, owner_type: str, owner_id: int, uploader, cluster=None) -> list[Attachment]:
        """Inside the owner's transaction: checks the quotas and stores the rows."""
        if not self.rows:
            return []
        quota_check(uploader=uploader, cluster=cluster, adding=sum(row.size for row in self.rows))
        for row in self.rows:
            row.owner_type, row.owner_id, row.uploader, row.cluster = owner_type, owner_id, uploader, cluster
        Attachment.objects.bulk_create(self.rows)
        self.attached = True
        return self.rows

    def discard(self) -> None:
        _delete_files([name for row in self.rows for name in row.storage_names()])
        self.rows = []


@contextmanager
def upload_staged(prepared: list[Prepared]) -> Iterator[Staged]:
    """Writes the files; when the block raises, or ends without attaching them, they are deleted."""
    staged = Staged(prepared)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    if not staged.attached:
        staged.discard()


def with_files(files: Sequence, write):
    """Runs `write(staged)` in one transaction with the checked files written (`staged` is None when
    there are none): what `write` stores and the files go together or not at all."""
    files = [upload for upload in files or () if upload is not None]
    if not files:
        with transaction.atomic():
            return write(None)
    prepared = upload_prepare(files=files)
    with upload_staged(prepared) as staged, transaction.atomic():
        return write(staged)


def quota_check(*, uploader, cluster, adding: int) -> None:
    """Per person per day (settings.PUENTE_ATTACHMENT_DAILY_BYTES) and per cluster in all
    (PUENTE_ATTACHMENT_CLUSTER_BYTES). Files taken down or deleted no longer count for the cluster."""
    day_ago = timezone.now() - timedelta(days=1)
    used_today = Attachment.objects.filter(uploader=uploader, created_at__gte=day_ago).aggregate(total=Sum("size"))
    if (used_today["total"] or 0) + adding > settings.PUENTE_ATTACHMENT_DAILY_BYTES:
        raise ValidationError(
            _("You have shared %(max)d MB of files today, the most one person can in a day. Try again tomorrow.")
            % {"max": settings.PUENTE_ATTACHMENT_DAILY_BYTES // (1024 * 1024)},
            code="quota_person",
        )
    if cluster is not None:
        used = Attachment.objects.filter(cluster=cluster, removed_at__isnull=True, purge_after__isnull=True).aggregate(
            total=Sum("size")
        )
        if (used["total"] or 0) + adding > settings.PUENTE_ATTACHMENT_CLUSTER_BYTES:
            raise ValidationError(
                _("This cluster has no room left for files. A facilitator can remove old ones."),
                code="quota_cluster",
            )


def attachments_release(*, owner_type: str, owner_id: int, after: timedelta | None = None) -> int:
    """The owner was deleted: its files can no longer be downloaded and are deleted after `after`
    (the edit window, so an undo could still bring them back) by remove_orphaned_attachments."""
    when = timezone.now() + (after or timedelta(0))
    return Attachment.objects.filter(owner_type=owner_type, owner_id=owner_id, purge_after__isnull=True).update(
        purge_after=when
    )


@transaction.atomic
def attachment_remove(*, attachment: Attachment, acting_user) -> Attachment:
    """A moderator of the owner (or its uploader, while they may read it) takes a file down: the bytes
    are deleted after the commit, the row stays so the owner can say a file was removed. Taken down where
    it was shared first (the row with an uploader), it goes from the owners that show a copy of it too
    (attachments_share: a library entry built from the answer); taken down from a copy, only that copy goes."""
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.is_removed:
        return attachment
    readable = access.may_read(user=acting_user, owner_type=attachment.owner_type, owner_id=attachment.owner_id)
    moderates = access.may_moderate(user=acting_user, owner_type=attachment.owner_type, owner_id=attachment.owner_id)
    if not moderates and not (readable and attachment.uploader_id == acting_user.pk):
        raise PermissionDenied(_("Only a facilitator or the person who shared it can remove this file."))
    attachment.removed_at = timezone.now()
    attachment.removed_by = acting_user
    attachment.save(update_fields=["removed_at", "removed_by"])
    copies = []
    if attachment.uploader_id is not None:
        copies = list(Attachment.objects.select_for_update().filter(
            file=attachment.file, uploader__isnull=True, removed_at__isnull=True).exclude(pk=attachment.pk))
        for copy in copies:
            copy.removed_at, copy.removed_by = attachment.removed_at, acting_user
        Attachment.objects.bulk_update(copies, ["removed_at", "removed_by"])
    transaction.on_commit(lambda: _delete_unused_files([attachment, *copies]))
    for row in (attachment, *copies):
        signals.attachment_removed.send(sender=Attachment, attachment=row)
    return attachment


@transaction.atomic
def attachments_share(*, from_owner_type: str, from_owner_id: int, to_owner_type: str, to_owner_id: int) -> list[Attachment]:
    """Shows the files of one owner under another as well (a library entry built from an answer keeps
    the answer's files): new rows, with keys of their own, naming the same stored files. Nothing is
    copied in storage, so the new rows count in no quota (no uploader, no cluster) and name nobody;
    the files taken down or being deleted are not shared. Taking a file down from the first owner takes
    it from the copies too (attachment_remove); taking it from a copy, or deleting either owner, leaves
    it to the other.

    The rows shared are locked, so that a take-down running at the same time either comes first (its
    file is not shared) or sees the new rows when it decides whether the bytes may go."""
    sources = list(
        Attachment.objects.select_for_update()
        .filter(owner_type=from_owner_type, owner_id=from_owner_id, removed_at__isnull=True, purge_after__isnull=True)
        .order_by("position", "id")
    )
    shared = [
        Attachment(
            key=secrets.token_hex(16), owner_type=to_owner_type, owner_id=to_owner_id, position=position,
            name=row.name, content_type=row.content_type, kind=row.kind, size=row.size, width=row.width,
            height=row.height, file=row.file, thumb_small=row.thumb_small, thumb_large=row.thumb_large,
        )
        for position, row in enumerate(sources)
    ]
    return Attachment.objects.bulk_create(shared)


def _delete_unused_files(rows: list[Attachment]) -> None:
    """Deletes the stored files of these rows (taken down or deleted) that no other row still shows.
    Rows that share a file share all three names (attachments_share), so the main file decides."""
    files = {row.file for row in rows}
    used = set(
        Attachment.objects.filter(file__in=files, removed_at__isnull=True).values_list("file", flat=True)
    )
    _delete_files([name for row in rows if row.file not in used for name in row.storage_names()])


def _delete_files(names: list[str]) -> None:
    store = storage()
    for name in names:
        try:
            store.delete(name)
        except Exception:  # a file already gone, or storage down: the orphan sweep tries again
            log.warning("could not delete attachment file %s", name, exc_info=True)


def _stored_names(store, folder: str) -> Iterator[str]:
    try:
        folders, files = store.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(store, f"{folder}/{sub}")


def attachments_clean(*, grace: timedelta = timedelta(hours=1), now=None) -> dict[str, int]:
    """Deletes what nobody may read any more: files of deleted owners past their time, rows never
    attached (a failed post) and files with no row at all (an outer rollback), the last two once they
    are `grace` old (an upload in progress has rows or files for a moment only)."""
    now = now or timezone.now()
    counts = {"purged": 0, "unattached": 0, "stray_files": 0}
    due = Attachment.objects.filter(purge_after__lte=now)
    for kind, rows in (("purged", due), ("unattached", Attachment.objects.filter(owner_id__isnull=True, created_at__lt=now - grace))):
        for row in list(rows[:10_000]):
            row.delete()
            _delete_unused_files([row])
            counts[kind] += 1
    store = storage()
    known: set[str] = set()
    for names in Attachment.objects.values_list("file", "thumb_small", "thumb_large").iterator():
        known.update(name for name in names if name)
    for name in _stored_names(store, PREFIX):
        if name in known:
            continue
        try:
            modified = store.get_modified_time(name)
        except (NotImplementedError, OSError):
            modified = None
        if modified is not None and modified > now - grace:
            continue
        _delete_files([name])
        counts["stray_files"] += 1
    return counts
