from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster


class Attachment(models.Model):
    """A file someone attached to something another app owns (a room message, a question, an answer),
    named by `owner_type` ("messaging.message", ...) and `owner_id`: this app sits below the apps that
    own attachments and imports none of them. Who may read it is the owner's rule, asked through
    attachments.access on every download.

    The bytes live in the "attachments" storage under random names (`file`, `thumb_small`,
    `thumb_large`), shared by several rows when several owners show the same file (a library entry and
    the answer it grew from); `name` is the cleaned name people see, never a path. `owner_id` is empty only
    between storing the files and attaching them in the owner's transaction: rows left so belong to a
    write that failed, and `remove_orphaned_attachments` deletes them with their files."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        DOCUMENT = "document", _("document")

    key = models.CharField(max_length=32, unique=True, editable=False)  # random: the URLs' unguessable part
    owner_type = models.CharField(max_length=40, db_index=False)
    owner_id = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="attachments",
        verbose_name=_("uploaded by"),
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments", verbose_name=_("cluster")
    )
    name = models.CharField(_("name"), max_length=150)
    content_type = models.CharField(_("type"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file = models.CharField(max_length=200, editable=False)
    thumb_small = models.CharField(max_length=200, blank=True, editable=False)
    thumb_large = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # A moderator took the file down: the row stays (the message says a file was removed), the bytes go.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Its owner was deleted: the files go at this time (after the edit window), by remove_orphaned_attachments.
    purge_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["owner_type", "owner_id", "position", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="attachment_owner"),
            models.Index(fields=["uploader", "created_at"], name="attachment_uploader_day"),
            models.Index(fields=["purge_after"], condition=models.Q(purge_after__isnull=False), name="attachment_purge"),
            # Is a stored file still shown by some row (several owners may share one: attachments_share)?
            models.Index(fields=["file"], name="attachment_file"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["image", "document"]), name="attachment_kind_known"),
        ]

    def __str__(self):
        return f"{self.name} ({self.owner_type} {self.owner_id})"

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].upper() if "." in self.name else ""

    @property
    def thumb_box(self) -> tuple[int, int]:
        """Width and height the small thumbnail is shown at (at most 160 CSS pixels a side), so the page
        keeps its place while it loads."""
        if not self.width or not self.height:
            return 160, 160
        scale = 160 / max(self.width, self.height)
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def storage_names(self) -> list[str]:
        return [name for name in (self.file, self.thumb_small, self.thumb_large) if name]
