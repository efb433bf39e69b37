"""Reads of attachments, for the apps that own them."""

from collections import defaultdict

from django.db.models import Q
from django.http import Http404

from attachments import access
from attachments.models import Attachment


def attachments_for(*, owner_type: str, owner_ids) -> dict[int, list[Attachment]]:
    """The attachments of each of these owners, in the order they were attached. One query (none when
    there are no owners)."""
    owner_ids = [owner_id for owner_id in owner_ids if owner_id is not None]
    if not owner_ids:
        return {}
    by_owner: dict[int, list[Attachment]] = defaultdict(list)
    rows = Attachment.objects.filter(owner_type=owner_type, owner_id__in=owner_ids, purge_after__isnull=True)
    for row in rows.order_by("owner_id", "position", "id"):
        by_owner[row.owner_id].append(row)
    return dict(by_owner)


def attachments_for_owners(owners: dict[str, list[int]]) -> dict[tuple[str, int], list[Attachment]]:
    """The attachments of owners of several types at once ({owner type: ids}), by (type, id). One query
    (none when there are no owners)."""
    condition = Q()
    for owner_type, owner_ids in owners.items():
        owner_ids = [owner_id for owner_id in owner_ids if owner_id is not None]
        if owner_ids:
            condition |= Q(owner_type=owner_type, owner_id__in=owner_ids)
    if not condition:
        return {}
    found: dict[tuple[str, int], list[Attachment]] = defaultdict(list)
    rows = Attachment.objects.filter(condition, purge_after__isnull=True).order_by("owner_type", "owner_id", "position", "id")
    for row in rows:
        found[(row.owner_type, row.owner_id)].append(row)
    return dict(found)


def attachment_for_download(*, user, key: str) -> Attachment:
    """The attachment if this person may read its owner now; Http404 for everyone else, for files taken
    down or deleted, and for keys that do not exist alike. Two queries (the row, the owner's rule)."""
    attachment = (
        Attachment.objects.filter(key=key, owner_id__isnull=False, removed_at__isnull=True, purge_after__isnull=True)
        .first()
        if isinstance(key, str) and len(key) <= 32
        else None
    )
    if attachment is None or not access.may_read(
        user=user, owner_type=attachment.owner_type, owner_id=attachment.owner_id
    ):
        raise Http404
    return attachment
