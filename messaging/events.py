"""The room and person frames messaging sends (through infra.realtime, after the commit).

Writes call the `*_on_commit` helpers from inside their transaction: the send happens after the
commit, so a rolled-back write never reaches a client. Each frame is serialised to JSON once, here,
and the consumers forward the text to their sockets as it is: one `json.dumps` per message, not per
member.

Group event types (the consumer method that handles them):
- ``room.frame``: {"room": <room id>, "text": <frame JSON>} for everyone in ``room-<id>``; each server
  process's room hub (messaging.hub) is the group's member and hands the text to its local sockets.
  The frames of a new, edited or deleted message carry the message's row (messaging/_message.html,
  rendered for everyone in the room): their event has ``texts``, the frame in each of the site's
  languages, and the hub sends each socket its reader's (``text`` is the site's default language); the
  rows' times are in the site's zone, and ``when`` and ``times`` (the <time> element per language) let
  the hub write that element again for a reader in another zone (rendering.in_zone). A
  new message's event also carries its ``id`` and ``prev_id`` (the room's message before it), so that
  the hub can tell, per socket, when a broadcast before it is late or was lost;
- ``user.frame`` (user_frame): {"text": <frame JSON>} for one person's sockets in ``user-<id>``;
- ``user.counts`` (user_counts): the person's navigation counts changed; each socket reads them (from
  the cache) and sends {"type": "counts", "messages", "notifications"};
- ``access.revoked`` (access_revoked): {"cluster_id": id or None, "room_id": id or None, "everywhere":
  bool}: sockets of that person in those rooms close with 4403 at once; with "everywhere" (the account
  was deactivated) all their sockets close with 4401.
"""

import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from infra.realtime import dumps, group_send, send_on_commit
from messaging import rendering
from messaging.sockets import user_group

log = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"room-{room_id}"


def message_frame(message) -> dict:
    """The `message` frame for a Message (author loaded), without its row (see with_row)."""
    deleted = message.deleted_at is not None
    return {
        "type": "message",
        "id": message.pk,
        "room": message.room_id,
        "author": {"id": message.author_id, "name": message.author.display_name},
        "html": "" if deleted else message.body_html,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": deleted,
        "reply_to": message.reply_to_id,
        "client_id": message.client_id,
        "attachments": [] if deleted else [attachment_data(item) for item in getattr(message, "attachment_list", ())],
    }


def attachment_data(attachment) -> dict:
    """An attachment in a frame: what a client needs to show it. The URLs are the checked download
    paths (attachments.views), useless to anyone who may not read the room."""
    removed = attachment.removed_at is not None
    data = {"id": attachment.key, "name": attachment.name, "removed": removed}
    if removed:
        return data
    data.update(
        kind=attachment.kind, type=attachment.content_type, size=attachment.size,
        url=reverse("attachments:download", args=[attachment.key]),
    )
    if attachment.kind == "image":
        data.update(
            width=attachment.width, height=attachment.height,
            thumb=reverse("attachments:thumbnail", args=[attachment.key, "small"]),
            thumb_large=reverse("attachments:thumbnail", args=[attachment.key, "large"]),
        )
    return data


def _room_frame_on_commit(room_id: int, frame: dict, **extra) -> None:
    event = {"type": "room.frame", "room": room_id, "text": dumps(frame), **extra}
    send_on_commit(room_group(room_id), event)


def with_row(frame: dict, message, *, room, language: str, zone: str | None = None) -> str:
    """The frame's JSON with the message's row in `language` and time `zone` (for one socket: a resync, a
    catch-up)."""
    return dumps({**frame, "row": rendering.row_for_everyone(message, room=room, language=language, zone=zone)})


def _texts_with_row(frame: dict, message, room) -> dict[str, str]:
    """The frame with the message's row, in each of the site's languages: rendered once per change and
    language, so that delivering it is a dictionary lookup per socket."""
    return {
        language: with_row(frame, message, room=room, language=language) for language, _name in settings.LANGUAGES
    }


def _message_change_on_commit(message, frame: dict, **extra) -> None:
    """Schedules a frame that carries the message's row. The rows are rendered after the commit, out of
    the room's lock; the message is the one the writing service holds (author and room loaded)."""
    room = message.room

    def send():
        rendering.load_reply_target(message)
        rendering.load_reactions(message)
        rendering.load_attachments(message)
        texts = _texts_with_row(frame, message, room)
        event = {
            "type": "room.frame", "room": room.pk, "text": texts.get(settings.LANGUAGE_CODE) or dumps(frame),
            "texts": texts, **extra,
            # The rows' times are in the site's zone: the hub renders that one element again for
            # readers in another (rendering.in_zone).
            "when": message.created_at.isoformat(),
            "times": {language: str(rendering.time_html(message, language=language)) for language in texts},
        }
        group_send(room_group(room.pk), event)

    transaction.on_commit(send)


def message_created_on_commit(message, *, prev_id: int | None) -> None:
    message.reaction_list = ()  # nobody has reacted to it yet
    _message_change_on_commit(message, message_frame(message), id=message.pk, prev_id=prev_id)


def edited_frame(message) -> dict:
    return {
        "type": "edited",
        "id": message.pk,
        "room": message.room_id,
        "html": message.body_html,
        "edited_at": message.edited_at.isoformat(),
    }


def deleted_frame(message) -> dict:
    return {"type": "deleted", "id": message.pk, "room": message.room_id}


def attachment_removed_frame(*, room_id: int, message_id: int, attachment) -> dict:
    return {"type": "attachment_removed", "id": message_id, "room": room_id, "attachment": attachment.key}


def attachment_removed_on_commit(*, room_id: int, message_id: int, attachment) -> None:
    _room_frame_on_commit(room_id, attachment_removed_frame(room_id=room_id, message_id=message_id, attachment=attachment))


def message_edited_on_commit(message) -> None:
    _message_change_on_commit(message, edited_frame(message))


def message_deleted_on_commit(message) -> None:
    _message_change_on_commit(message, deleted_frame(message))


def reactions_frame(message) -> dict:
    return {"type": "reactions", "id": message.pk, "room": message.room_id}


def message_reactions_on_commit(message) -> None:
    _message_change_on_commit(message, reactions_frame(message))


def notification_created_on_commit(notification, *, unread: int) -> None:
    frame = {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url,
        "unread": unread,
    }
    text = dumps(frame)
    group = user_group(notification.recipient_id)
    send_on_commit(group, {"type": "user.frame", "text": text})


def counts_changed_on_commit(user_id: int) -> None:
    """The person's navigation counts (unread messages, notifications) changed: after the commit each of
    their sockets reads them again and sends them (`counts`), so the badges of every open page follow."""
    group = user_group(user_id)
    send_on_commit(group, {"type": "user.counts"})


def access_revoked_on_commit(
    *, user_id: int, cluster_id: int | None = None, room_id: int | None = None, everywhere: bool = False
) -> None:
    event = {"type": "access.revoked", "cluster_id": cluster_id, "room_id": room_id, "everywhere": everywhere}
    group = user_group(user_id)
    send_on_commit(group, event)


# --- Ephemeral frames (nothing is written, so there is no transaction to wait for) ----------------


async def typing_send(*, room_id: int, user_id: int, name: str) -> None:
    text = dumps({"type": "typing", "room": room_id, "user": {"id": user_id, "name": name}})
    await get_channel_layer().group_send(room_group(room_id), {"type": "room.frame", "room": room_id, "text": text})


async def presence_send(*, room_id: int, online: set[int]) -> None:
    text = dumps({"type": "presence", "room": room_id, "online": sorted(online)})
    await get_channel_layer().group_send(room_group(room_id), {"type": "room.frame", "room": room_id, "text": text})
