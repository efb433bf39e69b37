"""Reads shared by pages, consumers and services, scoped to the person asking.

Who may read a room:
- a cluster room: active members of its (active) cluster who are not suspended from its rooms, and
  superusers (for moderation);
- a mentorship or direct room: the people listed in RoomMember, nobody else.
Outsiders get Http404, exactly like a missing room.
"""

from django.db import connection
from django.db.models import BooleanField, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404

from attachments.models import Attachment
from attachments.selectors import attachments_for
from clusters import access
from clusters.models import Cluster, ClusterMembership, User
from infra.cache import Kept, read_many
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
)

Status = ClusterMembership.Status
Role = ClusterMembership.Role
ATTACHMENT_OWNER = "messaging.message"  # Attachment.owner_type of a room message's files


def _suspended_cluster_ids(user: User):
    return RoomSuspension.objects.filter(user=user).values("cluster_id")


def readable_rooms_q(user: User) -> Q:
    member_of_room = Exists(RoomMember.objects.filter(room=OuterRef("pk"), user=user))
    # Who may post in the cluster (clusters.access) and, unless a superuser, is not suspended from its rooms.
    cluster_rooms = Q(kind=Room.Kind.CLUSTER) & access.postable_q(user, "cluster__")
    if not user.is_superuser:
        cluster_rooms &= ~Q(cluster_id__in=_suspended_cluster_ids(user))
    return cluster_rooms | (~Q(kind=Room.Kind.CLUSTER) & member_of_room)


def rooms_readable_by(*, user: User) -> QuerySet[Room]:
    if not user.is_authenticated or not user.is_active:
        return Room.objects.none()
    return Room.objects.filter(readable_rooms_q(user))


def readable_room_sql(user: User, room: str) -> tuple[str, list]:
    """The rule of readable_rooms_q as an SQL condition on the room row called `room` (a table name or
    alias), with its parameters. Building the queryset's Exists() clauses took longer than running
    the query, on paths that run for every page (the badge, the room page); the tests check that both
    say the same for every kind of room and person."""
    cluster_room, cluster_params = access.posting_sql(user, f"{room}.cluster_id")
    if not user.is_superuser:
        cluster_room += (
            f" AND NOT EXISTS (SELECT 1 FROM {RoomSuspension._meta.db_table} rs"
            f" WHERE rs.cluster_id = {room}.cluster_id AND rs.user_id = %s)"
        )
        cluster_params = [*cluster_params, user.pk]
    sql = (
        f"(({room}.kind = %s AND {cluster_room}) OR ({room}.kind <> %s AND EXISTS "
        f"(SELECT 1 FROM {RoomMember._meta.db_table} rm WHERE rm.room_id = {room}.id AND rm.user_id = %s)))"
    )
    return sql, [Room.Kind.CLUSTER, *cluster_params, Room.Kind.CLUSTER, user.pk]


def room_for_user(*, user: User, room_id: int) -> Room:
    """The room if this person may read it; Http404 for outsiders and missing rooms alike. One query."""
    try:
        return _readable_rooms(user).select_related("cluster").get(pk=room_id)
    except (Room.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def general_room_of(*, cluster: Cluster) -> Room:
    """The cluster's general room (made with the cluster); Http404 if it has none. One query."""
    room = Room.objects.filter(cluster=cluster, is_general=True).first()
    if room is None:
        raise Http404
    return room


def is_facilitator_of_room(*, user: User, room: Room) -> bool:
    """Facilitators moderate the rooms of their cluster (clusters.access.may_facilitate)."""
    return room.is_cluster_room and access.may_facilitate(user=user, cluster=room.cluster)


def room_messages(*, room: Room, before_id: int | None = None, after_id: int | None = None, limit: int = 50):
    """Up to `limit` messages in id order: the newest ones (before `before_id` when paging back), or the
    oldest ones after `after_id` (resync). One query."""
    # With the message each one replies to, for its quote (a join, not a query).
    messages = Message.objects.filter(room=room).select_related("author", "reply_to__author")
    if after_id is not None:
        return with_attachments(list(messages.filter(id__gt=after_id).order_by("id")[:limit]))
    if before_id is not None:
        messages = messages.filter(id__lt=before_id)
    return with_attachments(list(reversed(messages.order_by("-id")[:limit])))


def with_attachments(messages: list[Message]) -> list[Message]:
    """Sets `attachment_list` on each message (not on deleted ones: their files are going). One query
    when any message is shown."""
    by_owner = attachments_for(
        owner_type=ATTACHMENT_OWNER, owner_ids=[message.pk for message in messages if not message.is_deleted]
    )
    for message in messages:
        message.attachment_list = by_owner.get(message.pk, [])
    return messages


def room_files(*, room: Room):
    """Every file shared in the room's messages (not deleted, not taken down), newest first, as a
    queryset to paginate: one query per page (and one to count)."""
    shown = Message.objects.filter(room=room, deleted_at__isnull=True).values("pk")
    return (
        Attachment.objects.filter(
            owner_type=ATTACHMENT_OWNER, owner_id__in=shown, removed_at__isnull=True, purge_after__isnull=True
        )
        .select_related("uploader")
        .order_by("-id")
    )


def message_readable(user: User, message_id: int) -> bool:
    """The rule of attachments for room messages: a message not deleted, in a room this person can read
    now (the readable-room rule, readable_room_sql). One query."""
    if not user.is_authenticated or not user.is_active:
        return False
    readable, params = readable_room_sql(user, "r")
    sql = (
        f"SELECT 1 FROM {Message._meta.db_table} m JOIN {Room._meta.db_table} r ON r.id = m.room_id "
        f"WHERE m.id = %s AND m.deleted_at IS NULL AND {readable}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [message_id, *params])
        return cursor.fetchone() is not None


def message_moderated_by(user: User, message_id: int) -> bool:
    message = Message.objects.filter(pk=message_id).select_related("room__cluster").first()
    return message is not None and is_facilitator_of_room(user=user, room=message.room)


def newest_message_ids(room_ids: list[int]) -> dict[int, int]:
    """The newest message id of each of these rooms (that has messages). One query, one index probe per
    room (message_room_id)."""
    newest = Message.objects.filter(room=OuterRef("pk")).order_by("-id").values("id")[:1]
    rows = Room.objects.filter(pk__in=room_ids).annotate(newest=Subquery(newest)).values_list("pk", "newest")
    return {room_id: newest_id for room_id, newest_id in rows if newest_id is not None}


def reactions_of(message_ids: list[int]) -> dict[int, tuple]:
    """The reactions of these messages, for their rows: for each message that has any, a tuple of
    (emoji, count, the names of who reacted, their ids separated by spaces) in the set's order. One
    query."""
    if not message_ids:
        return {}
    grouped: dict[int, dict[str, list]] = {}
    rows = Reaction.objects.filter(message_id__in=message_ids).select_related("user").only(
        "message_id", "emoji", "user__id", "user__name", "user__email"
    )
    for reaction in rows:
        grouped.setdefault(reaction.message_id, {}).setdefault(reaction.emoji, []).append(reaction.user)
    order = {emoji: index for index, emoji in enumerate(Reaction.EMOJI)}
    return {
        message_id: tuple(
            (emoji, len(people), ", ".join(person.display_name for person in people),
             " ".join(str(person.pk) for person in people))
            for emoji, people in sorted(by_emoji.items(), key=lambda item: order.get(item[0], 99))
        )
        for message_id, by_emoji in grouped.items()
    }


def room_changes(*, room: Room, from_id: int, to_id: int, since, limit: int = 500) -> list[Message]:
    """Messages with ids in [from_id, to_id] edited or deleted after `since` (what a client that holds
    them missed while it was away), in id order. One query, over the room's id range."""
    return list(
        Message.objects.filter(room=room, id__gte=from_id, id__lte=to_id)
        .filter(Q(edited_at__gt=since) | Q(deleted_at__gt=since))
        .select_related("author", "reply_to__author")
        .order_by("id")[:limit]
    )


def room_files_removed(*, room: Room, from_id: int, to_id: int, since, limit: int = 500) -> list:
    """The files taken down after `since` from the room's messages with ids in [from_id, to_id] (what a
    client that holds them missed while it was away), in message order. One query."""
    from attachments.models import Attachment

    return list(
        Attachment.objects.filter(
            owner_type=ATTACHMENT_OWNER, removed_at__gt=since,
            owner_id__in=Message.objects.filter(room=room, id__gte=from_id, id__lte=to_id).values("id"),
        ).only("id", "key", "owner_id").order_by("owner_id", "position", "id")[:limit]
    )


def room_people(*, room: Room, limit: int = 200) -> list[User]:
    """Who can read the room, for the member list (the first `limit`). One query."""
    if room.is_cluster_room:
        people = User.objects.filter(
            memberships__cluster_id=room.cluster_id, memberships__status=Status.ACTIVE, is_active=True
        ).exclude(room_suspensions__cluster_id=room.cluster_id)
    else:
        people = User.objects.filter(room_memberships__room=room)
    return list(people.order_by("name", "email").only("id", "name", "email")[:limit])


def read_position(*, room: Room, user: User) -> ReadPosition | None:
    return ReadPosition.objects.filter(room=room, user=user).first()


def _unread_sql(user: User, room: str) -> tuple[str, list]:
    """Unread messages of the room row called `room` for this person, as SQL: newer than their read
    position, not theirs, not deleted."""
    sql = (
        f"(SELECT COUNT(*) FROM {Message._meta.db_table} um WHERE um.room_id = {room}.id AND um.deleted_at IS NULL "
        "AND (um.author_id IS NULL OR um.author_id <> %s) AND um.id > COALESCE((SELECT up.last_read_id "
        f"FROM {ReadPosition._meta.db_table} up WHERE up.room_id = {room}.id AND up.user_id = %s), 0))"
    )
    return sql, [user.pk, user.pk]


def _unread_subquery(user: User) -> RawSQL:
    """The unread count of each room of a Room queryset (see _unread_sql)."""
    return RawSQL(*_unread_sql(user, _room_table()), output_field=IntegerField())


def _room_table() -> str:
    return connection.ops.quote_name(Room._meta.db_table)


def _position_value(user: User, column: str, default: bool) -> RawSQL:
    """This person's read position's `column` for each room of a Room queryset, or `default`."""
    sql = "COALESCE((SELECT vp.{column} FROM {position} vp WHERE vp.room_id = {room}.id AND vp.user_id = %s), %s)"
    return RawSQL(
        sql.format(column=column, position=ReadPosition._meta.db_table, room=_room_table()), [user.pk, default],
        output_field=BooleanField(),
    )


def _readable_rooms(user: User) -> QuerySet[Room]:
    """rooms_readable_by with its condition in SQL (readable_room_sql): for the pages that run it often."""
    if not user.is_authenticated or not user.is_active:
        return Room.objects.none()
    return Room.objects.filter(RawSQL(*readable_room_sql(user, _room_table()), output_field=BooleanField()))


def rooms_overview(*, user: User) -> list[Room]:
    """Every room this person can read with `unread`, `muted` and `following`: one query.
    Its conditions are SQL: the Messages list is among the pages opened most, and building them as
    Exists() clauses took longer than running the query."""
    rooms = (
        _readable_rooms(user)
        .select_related("cluster")
        .annotate(
            unread=_unread_subquery(user),
            muted=_position_value(user, "muted", False),
            following=_position_value(user, "following", True),
        )
        .order_by("kind", "cluster__name", "-is_general", "name")
    )
    return list(rooms)


def last_messages(*, rooms: list[Room]) -> dict[int, Message]:
    """The newest message of each of these rooms (that has one), with its author: one query, an index
    probe per room (message_room_id)."""
    if not rooms:
        return {}
    newest = Message.objects.filter(room=OuterRef("pk")).order_by("-id").values("id")[:1]
    newest_ids = Room.objects.filter(pk__in=[room.pk for room in rooms]).annotate(newest=Subquery(newest)).values("newest")
    messages = Message.objects.filter(pk__in=newest_ids).select_related("author")
    return {message.room_id: message for message in messages}


def direct_room_partners(*, rooms: list[Room], user: User) -> dict[int, User]:
    """The other person of each direct room in `rooms`: one query."""
    direct_ids = [room.pk for room in rooms if room.kind != Room.Kind.CLUSTER]
    if not direct_ids:
        return {}
    partners = {}
    for member in RoomMember.objects.filter(room_id__in=direct_ids).exclude(user=user).select_related("user"):
        partners.setdefault(member.room_id, member.user)
    return partners


def nav_counts(*, user: User) -> dict[str, int]:
    """Unread messages (rooms not muted) and unread notifications for the navigation: one query.

    Plain SQL: it runs for nearly every page a person opens, and building the equivalent queryset (the
    rule of readable_rooms_q, the unread count of rooms_overview) cost several times the query itself
    (docs/PERFORMANCE.md, "Capacity"). tests/messaging/test_services.py checks that it agrees with
    rooms_overview, room by room, over every kind of room and state."""
    if not user.is_authenticated or not user.is_active:
        return {"messages": 0, "notifications": 0}
    readable, readable_params = readable_room_sql(user, "r")
    unread, unread_params = _unread_sql(user, "r")
    sql = (
        f"SELECT (SELECT COALESCE(SUM({unread}), 0) FROM {Room._meta.db_table} r WHERE {readable} "
        f"AND NOT EXISTS (SELECT 1 FROM {ReadPosition._meta.db_table} p WHERE p.room_id = r.id "
        f"AND p.user_id = %s AND p.muted = %s)), "
        f"(SELECT COUNT(*) FROM {Notification._meta.db_table} n WHERE n.recipient_id = %s AND n.read_at IS NULL)"
    )
    params = [*unread_params, *readable_params, user.pk, True, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        unread_rooms, unread_notes = cursor.fetchone()
    return {"messages": int(unread_rooms or 0), "notifications": int(unread_notes or 0)}


# The navigation's counts are on every page, and counting unread messages over all of a person's rooms
# is the largest part of a small page's time. They are kept per person (infra.cache) briefly, and
# forgotten when the person's own state changes (read position, mute, notifications:
# messaging.services). Messages other people post show up in the badge within the timeout; the open
# room page gets them live anyway.
NAV_COUNTS = Kept("nav-counts", timeout=15)


def nav_counts_entry(*, user: User) -> tuple:
    """The counts as an entry for infra.cache.read_many (read with other kept values at once)."""
    return NAV_COUNTS.entry(user.pk, read=lambda: nav_counts(user=user))


def nav_counts_cached(*, user: User) -> dict[str, int]:
    return read_many([nav_counts_entry(user=user)])[0]


def nav_counts_forget(*, user_id: int) -> None:
    NAV_COUNTS.forget((user_id,))


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def message_for_user(*, user: User, message_id: int) -> Message:
    """A message in a room this person can read; Http404 otherwise."""
    try:
        return (
            Message.objects.filter(room__in=rooms_readable_by(user=user))
            .select_related("room", "room__cluster", "author")
            .get(pk=message_id)
        )
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def message_history(*, message: Message) -> list[MessageEdit]:
    return list(message.edits.all())


def reports_for_facilitator(*, user: User) -> QuerySet[MessageReport]:
    """Open reports in the rooms of every cluster this person facilitates (all for a superuser)."""
    reports = MessageReport.objects.filter(resolved_at__isnull=True, message__room__kind=Room.Kind.CLUSTER)
    reports = reports.filter(access.facilitated_q(user, "message__room__cluster__"))
    return reports.select_related("message", "message__author", "message__room", "message__room__cluster", "reporter")


def suspensions_for_facilitator(*, user: User) -> QuerySet[RoomSuspension]:
    suspensions = RoomSuspension.objects.filter(access.facilitated_q(user, "cluster__"))
    return suspensions.select_related("user", "cluster").order_by("-created_at")


def report_for_facilitator(*, user: User, report_id: int) -> MessageReport:
    try:
        return reports_for_facilitator(user=user).get(pk=report_id)
    except MessageReport.DoesNotExist:
        raise Http404 from None


def cluster_rooms_for_user(*, user: User, cluster) -> list[Room]:
    """The rooms of a cluster, for its page: only for people who can read them. One query."""
    if not user.is_authenticated:
        return []
    return list(
        _readable_rooms(user)
        .filter(cluster=cluster, kind=Room.Kind.CLUSTER)
        .annotate(unread=_unread_subquery(user))
        .order_by("-is_general", "name")
    )
