"""Every write of the messaging domain: rooms, messages, read positions, notifications, moderation.

The room page's forms and the websocket consumer call the same functions. Each is one transaction,
checks the person's rights inside (PermissionDenied) and the rules (ValidationError with a code the
consumer turns into an error frame), and schedules its live update with events.* on commit.
"""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from attachments import services as attachment_services
from clusters import access
from clusters.models import Cluster, ClusterMembership, User
from clusters.text import render_markdown, sanitize_html
from infra.ratelimit import email_allowed_now, rate_limit
from infra.retry import retry_on_conflict
from infra.words import stored
from messaging import events, presence, selectors
from messaging.models import (
    Message,
    MessageEdit,
    MessageReport,
    Notification,
    Reaction,
    ReadPosition,
    Room,
    RoomMember,
    RoomSuspension,
    room_display_name,
)

MAX_BODY = 4000

Status = ClusterMembership.Status
Role = ClusterMembership.Role


def edit_window_seconds() -> int:
    return settings.PUENTE_MESSAGE_EDIT_WINDOW


# --- Rights ------------------------------------------------------------------------------------


def _room_state(user: User, room: Room, *, lock: bool = False) -> bool | None:
    """None when this person may not read the room, else whether it is archived. One query, run for
    every message posted (the consumer's hot path), with the readable-room rule as SQL
    (selectors.readable_room_sql, the same condition the badge and the room page use).

    With `lock`, the room's row stays locked until the transaction ends (see message_post)."""
    if not user.is_authenticated or not user.is_active:
        return None
    readable, params = selectors.readable_room_sql(user, "r")
    sql = f"SELECT r.is_archived FROM {Room._meta.db_table} r WHERE r.id = %s AND {readable}"
    if lock and connection.features.has_select_for_no_key_update:
        # NO KEY UPDATE: other posters wait, rows that merely point at the room (read positions) do not.
        sql += " FOR NO KEY UPDATE OF r"
    with connection.cursor() as cursor:
        cursor.execute(sql, [room.pk, *params])
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def can_read_room(*, user: User, room: Room) -> bool:
    return _room_state(user, room) is not None


def _require_reader(user: User, room: Room) -> None:
    if not can_read_room(user=user, room=room):
        raise PermissionDenied(_("You are not a member of this room."))


def _require_facilitator(user: User, room: Room) -> None:
    if not selectors.is_facilitator_of_room(user=user, room=room):
        raise PermissionDenied(_("Only a facilitator of this cluster can do that."))


def _require_cluster_facilitator(user: User, cluster: Cluster) -> None:
    if not access.may_facilitate(user=user, cluster=cluster):
        raise PermissionDenied(_("Only a facilitator of this cluster can do that."))


def can_change(*, message: Message, user: User) -> bool:
    """The author may edit or delete their message within the edit window (for showing the buttons)."""
    return (
        not message.is_deleted
        and message.author_id == user.pk
        and (timezone.now() - message.created_at).total_seconds() <= edit_window_seconds()
    )


# --- Rooms ---------------------------------------------------------------------------------------


def room_general_for_cluster(*, cluster: Cluster) -> Room:
    """The cluster's "general" room, made with the cluster (clusters.services.cluster_add, through the
    cluster_created signal); made now if it has none yet (a cluster created without the service)."""
    room = Room.objects.filter(cluster=cluster, is_general=True).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(
                kind=Room.Kind.CLUSTER, cluster=cluster, name=_("General"), slug="general", is_general=True
            )
    except IntegrityError:
        # Two first visitors at once: the unique constraint lets one create it.
        return Room.objects.get(cluster=cluster, is_general=True)


@transaction.atomic
def room_create_topic(*, cluster: Cluster, creator: User, name: str, topic: str = "") -> Room:
    """A facilitator adds a topic room to their cluster."""
    _require_cluster_facilitator(creator, cluster)
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError(_("Give the room a name."), code="name")
    slug = slugify(name)[:80] or "room"
    taken = ValidationError(_("This cluster already has a room with that name."), code="room_taken")
    if slug == "general" or Room.objects.filter(cluster=cluster, slug=slug).exists():
        raise taken
    try:
        with transaction.atomic():
            return Room.objects.create(
                kind=Room.Kind.CLUSTER, cluster=cluster, name=name, slug=slug, topic=(topic or "").strip()[:200],
                created_by=creator,
            )
    except IntegrityError:
        # Two facilitators (or a double click) creating the same room at once: the unique key decides.
        raise taken from None


@transaction.atomic
def room_create_mentorship(*, mentor: User, mentee: User, name: str = "") -> Room:
    """A private room holding exactly the mentor and the mentee (called by mentoring). Its name is put
    into words when shown, in the reader's language (Room.display_name); `name` is kept as a fallback."""
    if mentor.pk == mentee.pk:
        raise ValidationError(_("A mentor cannot mentor themselves."), code="self")
    params = {"mentor": mentor.display_name, "mentee": mentee.display_name}
    fallback = name or room_display_name(kind=Room.Kind.MENTORSHIP, name="", params=params)
    room = Room.objects.create(
        kind=Room.Kind.MENTORSHIP, name=str(fallback)[:80], name_params=params, created_by=mentor
    )
    RoomMember.objects.bulk_create([RoomMember(room=room, user=mentor), RoomMember(room=room, user=mentee)])
    return room


@transaction.atomic
def room_archive(*, room: Room) -> None:
    """Makes a room read-only (a mentorship ended). Its history stays readable by its members."""
    Room.objects.filter(pk=room.pk).update(is_archived=True)
    room.is_archived = True


def direct_room_open(*, room: Room, user: User) -> bool:
    """A direct conversation goes on while its two people share an active cluster and the other one's
    account is active; after that both can still read it (it is theirs), but nobody can write in it,
    so leaving or being removed from a cluster also ends the private messages it made possible."""
    other = User.objects.filter(room_memberships__room=room, is_active=True).exclude(pk=user.pk).first()
    return other is not None and access.share_a_cluster(user=user, other=other)


def room_direct(*, user: User, other: User) -> Room:
    """The direct conversation of two people who share a cluster (created on first use)."""
    if user.pk == other.pk:
        raise ValidationError(_("You cannot open a conversation with yourself."), code="self")
    key = f"{min(user.pk, other.pk)}-{max(user.pk, other.pk)}"
    existing = Room.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    if not other.is_active or not access.share_a_cluster(user=user, other=other):
        raise PermissionDenied(_("You can write directly only to people who share a cluster with you."))
    try:
        with transaction.atomic():
            room = Room.objects.create(
                kind=Room.Kind.DIRECT, name=f"{user.display_name} · {other.display_name}"[:80], direct_key=key,
                created_by=user,
            )
            RoomMember.objects.bulk_create([RoomMember(room=room, user=user), RoomMember(room=room, user=other)])
            return room
    except IntegrityError:
        return Room.objects.get(direct_key=key)


@transaction.atomic
def room_set_preferences(
    *, room: Room, user: User, following: bool | None = None, muted: bool | None = None
) -> ReadPosition:
    """Follow or unfollow, mute or unmute a room. Muted rooms are left out of the navigation's count
    and mentions in them send no email (the notification itself still comes)."""
    _require_reader(user, room)
    position, _created = ReadPosition.objects.select_for_update(no_key=True).get_or_create(room=room, user=user)
    if following is not None:
        position.following = following
    if muted is not None:
        position.muted = muted
    position.save(update_fields=["following", "muted"])
    _nav_counts_changed(user.pk)
    return position


@transaction.atomic
def room_mark_read(*, room: Room, user: User, message_id: int) -> int:
    """Moves the person's read position forward (never back) to `message_id`; returns the position."""
    position, _created = ReadPosition.objects.select_for_update(no_key=True).get_or_create(room=room, user=user)
    newest = Message.objects.filter(room=room, id__lte=message_id).order_by("-id").values_list("id", flat=True).first()
    if newest and newest > position.last_read_id:
        position.last_read_id = newest
        position.save(update_fields=["last_read_id"])
        _nav_counts_changed(user.pk)
    return position.last_read_id


def _nav_counts_changed(user_id: int) -> None:
    """The person's navigation counts changed: the kept ones are forgotten, and their open pages are
    told to show the new ones."""
    selectors.nav_counts_forget(user_id=user_id)
    events.counts_changed_on_commit(user_id)


def _private_room_activity(room: Room, author: User) -> None:
    """A new message in a mentorship or direct room: the other person's Messages badge follows at once.
    (In a cluster room, which can have thousands of readers, badges catch up within the counts' timeout plus
    a socket heartbeat instead of costing a send per reader per message.)"""
    if room.kind == Room.Kind.CLUSTER:
        return
    for user_id in RoomMember.objects.filter(room=room).exclude(user=author).values_list("user_id", flat=True):
        _nav_counts_changed(user_id)


# --- Messages ------------------------------------------------------------------------------------

# A mention is "@" and a person's name as the room shows it ("@Mateo Restrepo"), or their first name
# alone when only one person in the room has it ("@mateo"); letters are compared without case or
# accents. It is resolved, when the message is written, against the people who can read the room, so
# the notification goes to that person's id; email addresses play no part (docs/PROTOCOL.md).
MENTION_AT = re.compile(r"(?<![\w@/.])@(?=\w)")
MAX_MENTIONED = 10


def _fold(text: str) -> str:
    """Lower case without accents, of the same length as `text` for the letters people type."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _mention_candidates(room: Room, author: User) -> list[User]:
    """Everyone the message could mention: the room's readers with a name, the author left out. One
    query, only for messages with an "@" in them."""
    people = User.objects.filter(is_active=True).exclude(pk=author.pk).exclude(name="")
    if room.is_cluster_room:
        people = people.filter(memberships__cluster_id=room.cluster_id, memberships__status=Status.ACTIVE).exclude(
            room_suspensions__cluster_id=room.cluster_id
        )
    else:
        people = people.filter(room_memberships__room=room)
    return list(people.distinct().only("id", "name")[:5000])


class _Mentions:
    """Finds the mentions in a text: for each "@", the longest full name of a candidate that follows
    it, else a first name that only one candidate has."""

    def __init__(self, candidates: list[User]):
        self.full = sorted(((_fold(person.name), person) for person in candidates), key=lambda item: -len(item[0]))
        first_names: dict[str, list[User]] = {}
        for person in candidates:
            first_names.setdefault(_fold(person.name.split()[0]), []).append(person)
        self.first = {name: people[0] for name, people in first_names.items() if len(people) == 1}

    def at(self, text: str, start: int) -> tuple[User, int] | None:
        """(person, length of the name) for a mention whose name starts at `start`, or None."""
        for folded, person in self.full:
            end = start + len(folded)
            if _fold(text[start:end]) == folded and not (end < len(text) and (text[end].isalnum() or text[end] == "_")):
                return person, len(folded)
        match = re.match(r"\w+", text[start:])
        if match and _fold(match.group(0)) in self.first:
            return self.first[_fold(match.group(0))], len(match.group(0))
        return None

    def find(self, text: str):
        """(position of the "@", length with it, person) for each mention in `text`."""
        for match in MENTION_AT.finditer(text):
            found = self.at(text, match.end())
            if found is not None:
                yield match.start(), found[1] + 1, found[0]


def _mentioned_people(room: Room, body: str, author: User) -> tuple[list[User], "_Mentions | None"]:
    if not MENTION_AT.search(body or ""):
        return [], None
    mentions = _Mentions(_mention_candidates(room, author))
    people: list[User] = []
    for _start, _length, person in mentions.find(body):
        if person not in people:
            people.append(person)
    return people[:MAX_MENTIONED], mentions


def _render(body: str, mentioned: list[User], mentions: "_Mentions | None" = None) -> str:
    html = render_markdown(body)
    if not mentioned or mentions is None:
        return html
    ids = {person.pk for person in mentioned}

    def wrap(text: str) -> str:
        out, last = [], 0
        for start, length, person in mentions.find(text):
            if person.pk in ids:
                out += [text[last:start], f'<span class="mention">{text[start:start + length]}</span>']
                last = start + length
        return "".join(out) + text[last:]

    # Only in text between tags, never inside an attribute; not inside links or code either.
    parts = re.split(r"(<[^>]*>)", html)
    inside = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            tag = re.match(r"</?(\w+)", part)
            if tag and tag.group(1).lower() in ("a", "code", "pre"):
                inside += -1 if part.startswith("</") else 1
        elif inside <= 0:
            parts[index] = wrap(part)
    return sanitize_html("".join(parts))


def _clean_body(body: str, *, allow_empty: bool = False) -> str:
    # NUL characters mean nothing in a message, and PostgreSQL cannot store them in text.
    body = (body or "").replace("\x00", "").strip()
    if not body and not allow_empty:
        raise ValidationError(_("Write something first."), code="empty")
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("A message can have at most %(max)d characters.") % {"max": MAX_BODY}, code="too_long"
        )
    return body


def message_rate_check(*, user: User) -> None:
    """At most settings.PUENTE_RATE_LIMITS["message"] messages (and edits) per person, counted in the
    cache so it holds across processes with Redis (infra.ratelimit)."""
    rate_limit(action="message", user=user)


ATTACHMENT_OWNER = selectors.ATTACHMENT_OWNER


def message_post(
    *, room: Room, author: User, body: str, client_id: str = "", reply_to: "Message | int | None" = None, files=()
) -> Message:
    """Posts one message: the room page's form (views.room) calls it, and so does everything else that
    posts one message; the socket posts through message_post_many, which this calls. So both paths make
    the same checks and refuse with the same errors (ValidationError with a code: "empty", "too_long",
    "reply_elsewhere", "rate_limited", "archived", ...; PermissionDenied without access).

    `reply_to` is a message of this room or its id; one of another room, or that does not exist, is
    refused ("reply_elsewhere"), never silently dropped. Up to settings.PUENTE_ATTACHMENT_MAX_FILES
    files: all of them or nothing (attachments.services: the files are checked and re-encoded before
    the room is locked, written, and deleted again if the message is not stored). Retrying with the
    same client_id returns the first message (nothing doubled, the retry's files are not kept). A
    message with files may have no text."""
    item = (body, client_id, reply_to.pk if isinstance(reply_to, Message) else reply_to)
    files = [upload for upload in files or () if upload is not None]
    if not files:
        result = message_post_many(room=room, author=author, items=[item])[0]
    else:
        if not can_read_room(user=author, room=room):
            raise PermissionDenied(_("You are not a member of this room."))
        prepared = attachment_services.upload_prepare(files=files)
        with attachment_services.upload_staged(prepared) as staged, transaction.atomic():
            result = message_post_many(room=room, author=author, items=[item], staged=staged)[0]
            if isinstance(result, ValidationError):
                raise result  # inside: a message stored before its files were refused goes too
    if isinstance(result, ValidationError):
        raise result
    return result


@transaction.atomic
def message_post_many(*, room: Room, author: User, items: list[tuple[str, str, int | None]], staged=None):
    """Several messages by one person in one room, in order, in one transaction: a socket stores the
    frames that queued up while its previous ones were being stored together, so that the room's lock,
    the access check and the commit are paid once for all of them. Items are (body, client_id,
    reply_to id); the result has, for each, its Message or the ValidationError that refused it (the
    others are stored all the same). No access, or a room nobody may write in: PermissionDenied or
    ValidationError for all (raised). `staged` files go with the one item (message_post)."""
    if staged is not None and len(items) != 1:
        raise ValueError("files go with exactly one message")
    prev_id = _lock_room_for_posting(room, author)
    results: list[Message | ValidationError] = []
    for body, client_id, reply_to_id in items:
        try:
            message, new = _post_locked(room, author, body, client_id, reply_to_id, prev_id, staged=staged)
        except ValidationError as exc:
            results.append(exc)
            continue
        if new:
            prev_id = message.pk
        results.append(message)
    if any(isinstance(result, Message) for result in results):
        _private_room_activity(room, author)
    return results


def _lock_room_for_posting(room: Room, author: User) -> int | None:
    """Checks that this person may write in the room and locks its row until the commit; returns the
    id of the room's newest message.

    The lock makes a room's messages commit in id order: ids come from a sequence when the row is
    inserted, and without it a message could become visible after one with a larger id. A client that
    saw the larger id and then reconnected would resync after it and never get the smaller one.
    (SQLite runs one writing transaction at a time anyway.)"""
    archived = _room_state(author, room, lock=True)
    if archived is None:
        raise PermissionDenied(_("You are not a member of this room."))
    if archived:
        raise ValidationError(_("This room is archived: it can be read but not written to."), code="archived")
    if room.kind == Room.Kind.DIRECT and not direct_room_open(room=room, user=author):
        raise ValidationError(
            _("You no longer share a cluster with this person: the conversation can be read but not continued."),
            code="not_shared",
        )
    # Under the room's lock: the message before the next one for good, which lets sockets notice a gap.
    return Message.objects.filter(room=room).order_by("-pk").values_list("pk", flat=True).first()


def _post_locked(room, author, body, client_id, reply_to_id, prev_id, staged=None) -> tuple[Message, bool]:
    """Stores one message in a room locked by _lock_room_for_posting: every check of a message, in one
    place, for the form and the socket alike. (message, whether it is new)."""
    client_id = (client_id or "").replace("\x00", "")[:64]
    body = _clean_body(body, allow_empty=bool(staged and staged.rows))
    reply_to = None
    if reply_to_id is not None:
        reply_to = room.messages.filter(pk=reply_to_id).select_related("author").first()
        if reply_to is None:
            raise ValidationError(_("You can only reply to a message in the same room."), code="reply_elsewhere")
    message_rate_check(user=author)
    mentioned, mentions = _mentioned_people(room, body, author)
    if mentioned and not (client_id and Message.objects.filter(author=author, client_id=client_id).exists()):
        # Each person notified counts; a retry of a stored message notifies nobody again, so costs nothing.
        rate_limit(action="mention", user=author, cost=len(mentioned))
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room=room, author=author, body=body, body_html=_render(body, mentioned, mentions), client_id=client_id,
                reply_to=reply_to,
            )
    except IntegrityError:
        # The same client id again (a retry after a lost ack, or a second socket): that first message is
        # the answer, and nothing is stored or broadcast twice. An id first used in another room is refused:
        # acknowledging it would point the client at a message of a room it did not post in.
        first = Message.objects.select_related("author").get(author=author, client_id=client_id)
        if first.room_id != room.pk:
            raise ValidationError(_("This message id was already used in another room."), code="client_id_reused") from None
        return first, False
    message.author = author
    message.attachment_list = []
    if staged is not None:
        message.attachment_list = staged.attach(
            owner_type=ATTACHMENT_OWNER, owner_id=message.pk, uploader=author, cluster=room.cluster
        )
    # The author's read position is left alone: unread counts never count one's own messages.
    events.message_created_on_commit(message, prev_id=prev_id)
    if mentioned:
        _notify_mentioned(room, author, message, mentioned)
    return message, True


def _notify_mentioned(room: Room, author: User, message: Message, mentioned: list[User]) -> None:
    url = reverse("messaging:room", args=[room.pk]) + f"#m{message.pk}"
    muted_ids = set(
        ReadPosition.objects.filter(room=room, user__in=mentioned, muted=True).values_list("user_id", flat=True)
    )
    params = {"name": author.display_name, "room": room.name, "room_kind": room.kind, "room_params": room.name_parameters}
    for person in mentioned:
        # Shown in the reader's language (Notification.display_text); the text kept for the mail and the
        # live frame is written in theirs too, not in the author's.
        with translation.override(person.language or None):
            text = Notification(kind="mention", params=params).display_text
        notification_create(
            recipient=person, kind="mention", actor=author, url=url, text=text, params=params,
            email_if_offline=person.pk not in muted_ids,
        )


def _require_author_in_window(message: Message, user: User) -> None:
    if message.author_id != user.pk:
        raise PermissionDenied(_("Only the author can change this message."))
    if (timezone.now() - message.created_at).total_seconds() > edit_window_seconds():
        raise ValidationError(_("The time to change this message is over."), code="edit_window")


@transaction.atomic
def message_edit(*, message: Message, editor: User, body: str) -> Message:
    """The author changes the text within the edit window; the old text is kept for facilitators."""
    message = Message.objects.select_for_update(no_key=True, of=("self",)).select_related("room", "author").get(
        pk=message.pk
    )
    if message.is_deleted:
        raise ValidationError(_("This message was deleted."), code="deleted")
    _require_reader(editor, message.room)
    _require_author_in_window(message, editor)
    if message.room.is_archived:
        raise ValidationError(_("This room is archived: it can be read but not written to."), code="archived")
    body = _clean_body(body)
    if body == message.body:
        return message
    message_rate_check(user=editor)
    MessageEdit.objects.create(message=message, body=message.body, edited_at=message.edited_at or message.created_at)
    mentioned, mentions = _mentioned_people(message.room, body, message.author)
    message.body = body
    message.body_html = _render(body, mentioned, mentions)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "body_html", "edited_at"])
    events.message_edited_on_commit(message)
    return message


@transaction.atomic
def message_delete(*, message: Message, acting_user: User) -> Message:
    """The author (within the edit window) or a facilitator of the cluster deletes a message. It stays
    as a tombstone so that ids, replies and read positions keep their meaning."""
    message = Message.objects.select_for_update(no_key=True, of=("self",)).select_related("room__cluster").get(pk=message.pk)
    if message.is_deleted:
        return message
    _require_reader(acting_user, message.room)
    if not selectors.is_facilitator_of_room(user=acting_user, room=message.room):
        _require_author_in_window(message, acting_user)
    message.deleted_at = timezone.now()
    message.deleted_by = acting_user
    message.save(update_fields=["deleted_at", "deleted_by"])
    # Its files can no longer be downloaded, and are deleted once the edit window is over
    # (remove_orphaned_attachments).
    attachment_services.attachments_release(
        owner_type=ATTACHMENT_OWNER, owner_id=message.pk, after=timedelta(seconds=edit_window_seconds())
    )
    events.message_deleted_on_commit(message)
    return message


@transaction.atomic
def reaction_toggle(*, message: Message, user: User, emoji: str) -> bool:
    """Adds this person's emoji to a message, or takes it back if it was there; True when added. Anyone
    who can read the room, on a message that is not deleted, in a room that is not archived."""
    message = Message.objects.select_for_update(of=("self",)).select_related("room", "author").get(pk=message.pk)
    _require_reader(user, message.room)
    if message.is_deleted:
        raise ValidationError(_("This message was deleted."), code="deleted")
    if message.room.is_archived:
        raise ValidationError(_("This room is archived: it can be read but not written to."), code="archived")
    if emoji not in Reaction.EMOJI:
        raise ValidationError(_("That reaction is not one of the room's."), code="unknown_reaction")
    removed, _count = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
    if not removed:
        Reaction.objects.create(message=message, user=user, emoji=emoji)
    events.message_reactions_on_commit(message)
    return not removed


# --- Moderation ----------------------------------------------------------------------------------


@transaction.atomic
def message_report(*, message: Message, reporter: User, reason: str = "") -> MessageReport:
    """Any member flags a message of a cluster room for its facilitators (once per person)."""
    _require_reader(reporter, message.room)
    if not message.room.is_cluster_room:
        raise ValidationError(_("Only messages in cluster rooms can be reported."), code="not_cluster")
    if message.author_id == reporter.pk:
        raise ValidationError(_("You cannot report your own message."), code="own")
    rate_limit(action="report", user=reporter)
    report, created = MessageReport.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": (reason or "").strip()[:500]}
    )
    if not created:
        raise ValidationError(_("You already reported this message."), code="already_reported")
    return report


@transaction.atomic
def report_resolve(*, report: MessageReport, acting_user: User, delete_message: bool = False) -> MessageReport:
    report = MessageReport.objects.select_related("message__room").get(pk=report.pk)
    _require_facilitator(acting_user, report.message.room)
    # The message first, then its reports (all of them are answered below): two facilitators deciding two
    # reports of one message at once take turns instead of each holding one report the other needs.
    Message.objects.select_for_update(no_key=True).filter(pk=report.message_id).values_list("pk").first()
    if delete_message:
        message_delete(message=report.message, acting_user=acting_user)
    now = timezone.now()
    # Every open report of the same message is answered by one decision.
    MessageReport.objects.filter(message=report.message, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=acting_user
    )
    report.resolved_at = now
    report.resolved_by = acting_user
    return report


@transaction.atomic
def member_suspend(*, cluster: Cluster, user: User, acting_user: User, reason: str = "") -> RoomSuspension:
    """A facilitator shuts a person out of their cluster's rooms; open sockets close at once."""
    _require_cluster_facilitator(acting_user, cluster)
    if user.pk == acting_user.pk:
        raise ValidationError(_("You cannot suspend yourself."), code="self")
    suspension, created = RoomSuspension.objects.get_or_create(
        cluster=cluster, user=user, defaults={"reason": (reason or "").strip()[:500], "created_by": acting_user}
    )
    if not created:
        raise ValidationError(_("This person is already suspended."), code="already_suspended")
    events.access_revoked_on_commit(user_id=user.pk, cluster_id=cluster.pk)
    return suspension


@transaction.atomic
def member_unsuspend(*, cluster: Cluster, user: User, acting_user: User) -> None:
    _require_cluster_facilitator(acting_user, cluster)
    RoomSuspension.objects.filter(cluster=cluster, user=user).delete()


def cluster_access_ended(*, user_id: int, cluster_id: int) -> None:
    """Someone stopped being an active member of a cluster: close their sockets in its rooms."""
    events.access_revoked_on_commit(user_id=user_id, cluster_id=cluster_id)


def account_deactivated(*, user_id: int) -> None:
    """An account was deactivated: close every socket it has open, rooms and notifications alike."""
    events.access_revoked_on_commit(user_id=user_id, everywhere=True)


# --- Notifications -------------------------------------------------------------------------------


@transaction.atomic
def notification_create(
    *,
    recipient: User,
    kind: str,
    url: str,
    text: str = "",
    actor: User | None = None,
    email_if_offline: bool = False,
    params: dict | None = None,
) -> Notification:
    """Notifies a person: the badge updates live through their `user-<id>` group; when they have no
    socket open anywhere and `email_if_offline` is set, an email goes out after the commit.

    `params` keep what the text says (infra.words.stored, or the kind's own parameters): pages put it
    into words in their reader's language. `text` is then derived, in the recipient's language, for the
    mail and the live frame (and is what older rows show)."""
    if params and not text:
        with translation.override(recipient.language or None):
            text = Notification(kind=kind, params=params).display_text
    url = url or ""
    if not (url.startswith("/") and not url.startswith("//")) and not url.startswith(("https://", "http://")):
        url = ""  # only our own paths or web links end up in an href
    wants_email = email_if_offline and recipient.email and not presence.user_is_online(user_id=recipient.pk)
    # Past the first few emails to one person in a while, the rest wait for their digest.
    email = Notification.Email.NONE
    if wants_email:
        email = Notification.Email.SENT if email_allowed_now(user_id=recipient.pk) else Notification.Email.HELD
    notification = Notification.objects.create(
        recipient=recipient, kind=kind[:40], text=str(text)[:300], url=url[:300], actor=actor, email=email,
        params=params or {},
    )
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()
    events.notification_created_on_commit(notification, unread=unread)
    _nav_counts_changed(recipient.pk)
    if email == Notification.Email.SENT:
        subject, link = str(text), _absolute(url)
        body = f"{text}\n\n{link}\n"
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Puente] {subject}"[:200], message=body, from_email=None,
                recipient_list=[recipient.email], fail_silently=True,
            )
        )
    return notification


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def notification_digests_send() -> int:
    """Sends each person whose notification emails were held (infra.ratelimit.email_allowed_now) one
    email that gathers those still unread; returns how many were sent. Each person is one transaction:
    running it twice sends nothing new. The operator runs it every few minutes
    (`send_notification_digests`)."""
    recipient_ids = (
        Notification.objects.filter(email=Notification.Email.HELD).values_list("recipient_id", flat=True).distinct()
    )
    sent = 0
    for recipient in User.objects.filter(pk__in=list(recipient_ids)):
        with transaction.atomic():
            held = list(
                Notification.objects.select_for_update()
                .filter(recipient=recipient, email=Notification.Email.HELD)
                .order_by("pk")
            )
            Notification.objects.filter(pk__in=[note.pk for note in held]).update(email=Notification.Email.GATHERED)
            unread = [note for note in held if note.read_at is None]
            if unread and recipient.email and recipient.is_active:
                _send_digest(recipient, unread)
                sent += 1
    return sent


def _send_digest(recipient: User, notes: list[Notification]) -> None:
    with translation.override(recipient.language or None):
        subject = ngettext(
            "%(count)d unread notification on Puente", "%(count)d unread notifications on Puente", len(notes)
        ) % {"count": len(notes)}
        lines = [
            f"- {note.display_text}\n  {_absolute(note.url)}" if note.url else f"- {note.display_text}"
            for note in notes
        ]
        footer = _("All your notifications: %(url)s") % {"url": _absolute(reverse("messaging:notifications"))}
    body = "\n".join([subject + ":", "", *lines, "", footer, ""])
    transaction.on_commit(
        lambda: send_mail(subject=f"[Puente] {subject}"[:200], message=body, from_email=None,
                          recipient_list=[recipient.email], fail_silently=True)
    )


@retry_on_conflict  # two tabs marking overlapping sets of rows read may meet in either order
@transaction.atomic
def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Marks this person's notifications read (all, or the given ones); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    changed = unread.update(read_at=timezone.now())
    if changed:
        _nav_counts_changed(user.pk)
    return changed


def notification_award(*, recipient: User, award, change: str | None, url: str = "") -> Notification:
    """An incentive award was created, approved, rejected or reversed (incentives.signals.award_changed)."""
    credits = getattr(award, "credits", None) or getattr(award, "amount", None)
    texts = {
        "approved": gettext_noop("Your award of %(credits)s credits was approved."),
        "rejected": gettext_noop("Your award of %(credits)s credits was not approved."),
        "reversed": gettext_noop("Your award of %(credits)s credits was reversed."),
        "flagged": gettext_noop("Your award of %(credits)s credits is waiting for a review by the agency."),
    }
    template = texts.get(str(change or ""), gettext_noop("Your award of %(credits)s credits changed."))
    return notification_create(
        recipient=recipient, kind="award", params=stored(template, credits=credits or "?"), url=url
    )
