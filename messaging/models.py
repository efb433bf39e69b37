from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster
from infra.words import words

# Names and texts the site writes itself are kept as a kind and its parameters and put into words when
# shown, in the reader's language: the person who caused them may read another one.
ROOM_NAMES = {"mentorship": _("Mentorship: %(mentor)s and %(mentee)s")}
GENERAL_ROOM_NAME = _("General")  # every cluster's first room, whatever language it was made in
NOTIFICATION_TEXTS = {"mention": _("%(name)s mentioned you in %(room)s")}


def _words(template, params: dict, fallback: str) -> str:
    if template is None or not params:
        return fallback
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return fallback


def room_display_name(*, kind: str, name: str, params: dict) -> str:
    """A room's name in the active language: the site's own names from their parameters, people's
    names for their rooms as they wrote them."""
    if params.get("general"):
        return str(GENERAL_ROOM_NAME)
    return _words(ROOM_NAMES.get(kind), params, name)


class Room(models.Model):
    """A place to talk. Who may read it depends on its kind:

    - cluster: active members of the cluster (each cluster has one "general" room; facilitators add topic rooms);
    - mentorship: the mentor and the mentee, listed in RoomMember;
    - direct: its two people, listed in RoomMember.
    """

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster room")
        MENTORSHIP = "mentorship", _("Mentorship room")
        DIRECT = "direct", _("Direct conversation")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, null=True, blank=True, related_name="rooms", verbose_name=_("cluster")
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    is_general = models.BooleanField(_("general room"), default=False)
    # Two people share at most one direct room: "min-max" of their ids.
    direct_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    # For rooms the site names (ROOM_NAMES[kind]): the parameters of that name; `name` is then a fallback.
    name_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-is_general", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="cluster", cluster__isnull=False) | ~Q(kind="cluster"),
                name="cluster_room_has_cluster",
            ),
            models.UniqueConstraint(
                fields=["cluster"], condition=Q(is_general=True), name="one_general_room_per_cluster"
            ),
            models.UniqueConstraint(
                fields=["cluster", "slug"], condition=Q(kind="cluster"), name="room_slug_unique_in_cluster"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name_parameters(self) -> dict:
        """What room_display_name needs besides the kind and the stored name."""
        return {"general": True} if self.is_general else self.name_params

    @property
    def display_name(self) -> str:
        return room_display_name(kind=self.kind, name=self.name, params=self.name_parameters)

    @property
    def group_name(self) -> str:
        return f"room-{self.pk}"

    @property
    def is_cluster_room(self) -> bool:
        return self.kind == self.Kind.CLUSTER


class RoomMember(models.Model):
    """The people of a mentorship or direct room (cluster rooms follow cluster membership instead)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="one_member_row_per_room")]

    def __str__(self):
        return f"{self.user_id} in {self.room_id}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages", verbose_name=_("author")
    )
    body = models.TextField(_("text"))
    # Rendered from Markdown and sanitised once, when written; templates show this, never `body`.
    body_html = models.TextField(editable=False)
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies")
    client_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]
        constraints = [
            # A retried send with the same client id is the same message (idempotent posting).
            models.UniqueConstraint(
                fields=["author", "client_id"], condition=~Q(client_id=""), name="message_client_id_unique"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} in {self.room_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageEdit(models.Model):
    """The text a message had before each edit; facilitators can read the history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"edit of {self.message_id}"


class ReadPosition(models.Model):
    """The last message id a person has read in a room; unread counts are messages above it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_positions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_positions")
    last_read_id = models.BigIntegerField(default=0)
    muted = models.BooleanField(default=False)
    following = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="one_read_position_per_room")]

    def __str__(self):
        return f"{self.user_id} read {self.room_id} to {self.last_read_id}"


class Notification(models.Model):
    """Something a person should see: a mention, an award, a mentorship request. Shown on the
    notifications page and counted in the navigation badge until read."""

    class Email(models.TextChoices):
        # Whether it was emailed: not at all, at once, or held for the person's next digest (then gathered).
        NONE = "", _("not emailed")
        SENT = "sent", _("emailed")
        HELD = "held", _("held for the digest")
        GATHERED = "gathered", _("emailed in a digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    # For kinds in NOTIFICATION_TEXTS: what the text says, put into words when shown (display_text).
    params = models.JSONField(default=dict, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("from"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(_("email"), max_length=8, choices=Email.choices, default=Email.NONE, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient"], condition=models.Q(email="held"), name="notification_email_held"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def display_text(self) -> str:
        """The text in the active language (the reader's), from the kind and its parameters; `text` for
        kinds written in words (and for notifications from before parameters were kept)."""
        params = dict(self.params or {})
        if "room_kind" in params:
            params["room"] = room_display_name(
                kind=params.pop("room_kind"), name=params.get("room", ""), params=params.pop("room_params", {})
            )
        if params.get("msg"):  # infra.words: a sentence kept as its msgid and parameters
            return words(params, self.text)
        return _words(NOTIFICATION_TEXTS.get(self.kind), params, self.text)


class MessageReport(models.Model):
    """A member flags a message for the facilitators of its cluster."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("message report")
        verbose_name_plural = _("message reports")
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_person")]

    def __str__(self):
        return f"report of {self.message_id} by {self.reporter_id}"


class RoomSuspension(models.Model):
    """A facilitator shut a person out of every room of their cluster (the cluster membership stays)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="room_suspensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_suspensions")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("room suspension")
        verbose_name_plural = _("room suspensions")
        constraints = [models.UniqueConstraint(fields=["cluster", "user"], name="one_suspension_per_cluster")]

    def __str__(self):
        return f"{self.user_id} suspended in {self.cluster_id}"


class Reaction(models.Model):
    """One person's emoji on a message: one of a small fixed set, at most once per person and emoji."""

    EMOJI = ("👍", "❤️", "😂", "🎉", "🙏", "👀")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16, choices=[(emoji, emoji) for emoji in EMOJI])
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="one_reaction_per_person_and_emoji"),
            models.CheckConstraint(condition=Q(emoji__in=("👍", "❤️", "😂", "🎉", "🙏", "👀")), name="reaction_emoji_known"),
        ]

    def __str__(self):
        return f"{self.emoji} on {self.message_id} by {self.user_id}"
