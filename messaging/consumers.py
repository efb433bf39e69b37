"""Websocket consumers: a room's live page (/ws/rooms/<id>/) and the notification badge
(/ws/notifications/). The frames are documented in docs/PROTOCOL.md.

Authorisation: the person is checked when the socket connects (anonymous: close 4401; not allowed in
the room: close 4403), and on every frame: each frame that writes goes through a service that checks
the person's rights in the database again; and the moment someone loses access (removed from or left
the cluster, suspended from its rooms) an `access.revoked` event on their `user-<id>` group closes
their sockets with 4403. Delivering a broadcast costs no database query and no thread hop: the
frame's JSON was built once in messaging.events, and the process's room hub (messaging.hub) hands it
to each of its sockets in the room as it is.
"""

import asyncio
import collections
import datetime
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from infra.ratelimit import RateLimited, refusal_text
from infra.retry import is_busy
from messaging import events, presence, selectors, services
from messaging.hub import get_hub
from messaging.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_RECONNECT,
    CLOSE_TOO_BIG,
    CLOSE_UNAUTHENTICATED,
    PersonConsumer,
    frame_id,
    frame_loads,
    frame_time,
    scope_language,
    scope_time_zone,
    socket_db,
)
from messaging.writer import MessageWriter

log = logging.getLogger(__name__)

# Largest frame a client may send (characters). A 4,000-character message fits with room to spare;
# a larger frame gets a `frame_too_large` error and the socket is closed with 1009 ("message too
# big", RFC 6455). Daphne's own transport limit (websocket_max_message_size, 1 MiB by default) stops
# anything larger still before it reaches us.
MAX_FRAME = 16 * 1024
RESYNC_BATCH = 200
RESYNC_MAX_BATCHES = 5
TYPING_EVERY = 2.0
# A resync replays changes from a bit earlier than asked (server clocks differ a little).
CHANGES_MARGIN = datetime.timedelta(seconds=5)
# read and resync frames cost a database round trip each; a socket gets this many per 10 seconds.
READ_BUDGET = 30

class _Refused(Exception):
    """The person may not do this here any more: answer with an error frame and close with 4403."""

    close_code = 4403


class RoomConsumer(PersonConsumer):
    room_id: int
    zone: str | None = None
    cluster_id: int | None = None
    allowed = False
    heartbeat: asyncio.Task | None = None
    writer: MessageWriter

    # --- Lifecycle -------------------------------------------------------------------------------

    async def connect(self):
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.last_typing = 0.0
        self.read_times: collections.deque[float] = collections.deque(maxlen=READ_BUDGET)
        if not await self.open_for_person():
            return
        room = await self.load_or_refuse(lambda: selectors.room_for_user(user=self.user, room_id=self.room_id))
        if room is None:
            return
        self.writer = MessageWriter(self, room=room, author=self.user)
        self.cluster_id = room.cluster_id
        # Message rows come in the reader's language (the hub picks it from each broadcast).
        self.language = scope_language(self.scope, self.user)
        self.zone = scope_time_zone(self.scope, self.user)  # and their times in their zone
        # The room's broadcasts come through this process's hub (one subscription per room and
        # process); the person's own group stays on this socket's channel.
        self.allowed = True
        await get_hub().join(self.room_id, self)
        await presence.join(room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name)
        self.heartbeat = asyncio.create_task(self._heartbeat())
        presence.announce_soon(room_id=self.room_id)

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        await self.leave_person_group()
        if self.allowed:
            self.allowed = False
            await get_hub().leave(self.room_id, self)
            await presence.leave(room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name)
            presence.announce_soon(room_id=self.room_id)

    async def _heartbeat(self):
        while True:
            try:
                await asyncio.sleep(presence.PRESENCE_HEARTBEAT)
                if not await presence.is_present(
                    room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name
                ):
                    # Redis restarted empty: this socket is in no group any more and would miss every
                    # broadcast without knowing. Closed, the client reconnects and resyncs.
                    if self.allowed:
                        await self.close(code=CLOSE_RECONNECT)
                    return
                await presence.join(room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name)
                await presence.look_again(room_id=self.room_id)
            except asyncio.CancelledError:
                return
            except Exception:
                # Redis away for a moment: keep the socket, try again at the next beat.
                log.warning("presence heartbeat failed", exc_info=True)

    # --- Frames from the client ------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if text_data is None:
            await self._error("binary_not_supported")
            return
        if len(text_data) > MAX_FRAME:
            await self._error("frame_too_large")
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            frame = frame_loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            await self._error("malformed")
            return
        if not isinstance(frame, dict):
            await self._error("malformed")
            return
        kind = frame.get("type")
        handler = self.HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._error("unknown_type", ref=kind if isinstance(kind, str) else None)
            return
        try:
            await handler(self, frame)
        except _Refused:
            await self._error("forbidden", ref=kind, client_id=frame.get("client_id"))
            await self.close(code=CLOSE_FORBIDDEN)
        except ValidationError as exc:
            await self._error(exc.code or "invalid", ref=kind, message=self._said(exc),
                              client_id=frame.get("client_id"), retry_after=getattr(exc, "retry_after", None))
        except (KeyError, TypeError, ValueError):
            await self._error("malformed", ref=kind, client_id=frame.get("client_id"))
        except Exception as exc:
            # The database or the channel layer failed under us. Nothing was acknowledged: the client
            # keeps the frame in its outbox, reconnects, resyncs and sends it again. Contention (a
            # transaction that lost a race, infra/retry.py) is no error, only a reason to come back.
            if is_busy(exc):
                log.warning("room frame %r: busy (%s)", kind, exc)
            else:
                log.exception("room frame %r failed", kind)
            await self.close(code=CLOSE_RECONNECT)

    def _said(self, exc: ValidationError) -> str:
        """The refusal for the person. A rate limit's sentence is written again in their language: the
        service wrote it in whatever language the socket's thread had."""
        if isinstance(exc, RateLimited) and exc.action:
            with translation.override(getattr(self.user, "language", "") or None):
                return refusal_text(exc.action, exc.retry_after)
        return " ".join(exc.messages)

    async def _error(self, code: str, *, ref=None, message: str = "", client_id=None, retry_after=None):
        error = {}
        if retry_after is not None:  # a RateLimited: seconds until one more is allowed
            error["retry_after"] = retry_after
        if ref:
            error["ref"] = str(ref)[:40]
        if message:
            error["message"] = message
        if client_id and isinstance(client_id, str):
            error["client_id"] = client_id[:64]
        await self.send_error(code, **error)

    async def on_message(self, frame):
        body, client_id, reply_to = frame.get("body"), frame.get("client_id") or "", frame.get("reply_to")
        if not isinstance(body, str) or not isinstance(client_id, str):
            raise ValueError
        if reply_to is not None:
            reply_to = frame_id(reply_to)
        # Stored by the socket's writer, in order and in batches; the ack (or the error) comes from it.
        self.writer.put(body, client_id[:64], reply_to)

    def _room_or_refuse(self):
        try:
            return selectors.room_for_user(user=self.user, room_id=self.room_id)
        except Http404:
            raise _Refused from None

    def _message_in_room(self, message_id):
        try:
            message = selectors.message_for_user(user=self.user, message_id=message_id)
        except Http404:
            raise ValidationError("", code="not_found") from None
        if message.room_id != self.room_id:
            raise ValidationError("", code="not_found")
        return message

    async def on_edit(self, frame):
        message_id, body = frame_id(frame["id"]), frame.get("body")
        if not isinstance(body, str):
            raise ValueError
        await socket_db(self._edit)(message_id, body)

    def _edit(self, message_id, body):
        self._room_or_refuse()
        message = self._message_in_room(message_id)
        try:
            services.message_edit(message=message, editor=self.user, body=body)
        except PermissionDenied:
            raise ValidationError("", code="not_allowed") from None

    async def on_delete(self, frame):
        message_id = frame_id(frame["id"])
        await socket_db(self._delete)(message_id)

    def _delete(self, message_id):
        self._room_or_refuse()
        message = self._message_in_room(message_id)
        try:
            services.message_delete(message=message, acting_user=self.user)
        except PermissionDenied:
            raise ValidationError("", code="not_allowed") from None

    async def on_react(self, frame):
        message_id, emoji = frame_id(frame["id"]), frame.get("emoji")
        if not isinstance(emoji, str):
            raise ValueError
        await socket_db(self._react)(message_id, emoji)

    def _react(self, message_id, emoji):
        self._room_or_refuse()
        message = self._message_in_room(message_id)
        services.message_rate_check(user=self.user)
        services.reaction_toggle(message=message, user=self.user, emoji=emoji)

    async def on_typing(self, frame):
        # Ephemeral, so no database: the socket's access is kept current by access.revoked events.
        now = time.monotonic()
        if now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        await events.typing_send(room_id=self.room_id, user_id=self.user.pk, name=self.user.display_name)

    def _spend_read_budget(self) -> None:
        now = time.monotonic()
        if len(self.read_times) == READ_BUDGET and now - self.read_times[0] < 10:
            raise ValidationError("", code="rate_limited")
        self.read_times.append(now)

    async def on_read(self, frame):
        message_id = frame_id(frame["id"])
        self._spend_read_budget()
        position = await socket_db(self._read)(message_id)
        await self.send(text_data=events.dumps({"type": "read", "room": self.room_id, "last_read_id": position}))

    def _read(self, message_id):
        room = self._room_or_refuse()
        return services.room_mark_read(room=room, user=self.user, message_id=message_id)

    async def on_resync(self, frame):
        after_id = frame_id(frame["after_id"], zero_ok=True)
        changes = None
        if frame.get("changes_since") is not None:
            # The client also holds messages from `from_id` to `after_id`, as they were at `changes_since`
            # (the page's render, or the `at` of its last `resynced`): their edits and deletions since.
            since = frame_time(frame["changes_since"], earlier_by=CHANGES_MARGIN)
            changes = (frame_id(frame.get("from_id", after_id), zero_ok=True), since)
        self._spend_read_budget()
        outlet = get_hub().outlet(self.room_id, self)
        if outlet is None:  # left the room a moment ago
            raise _Refused
        # Taken before the read: a change committed during it is sent now or at the next resync (twice
        # at worst; frames are idempotent), never lost.
        at = timezone.now()
        last_id, more = await outlet.resync(after_id, changes)
        await self.send(
            text_data=events.dumps({"type": "resynced", "last_id": last_id, "more": more, "at": at.isoformat()})
        )

    async def messages_after(self, after_id, changes=None):
        """The room's message frames after an id (and, with `changes`, the edits and deletions of
        earlier ones), for the hub's resyncs and catch-ups."""
        return await socket_db(self._resync)(after_id, changes)

    def _resync(self, after_id, changes=None):
        room = self._room_or_refuse()
        texts, last_id = [], after_id
        if changes is not None:
            from_id, since = changes
            changed = selectors.room_changes(room=room, from_id=from_id, to_id=after_id, since=since)
            _with_reactions(changed)
            for message in changed:
                frame = events.deleted_frame(message) if message.is_deleted else events.edited_frame(message)
                texts.append(events.with_row(frame, message, room=room, language=self.language, zone=self.zone))
            texts.extend(
                events.dumps(events.attachment_removed_frame(room_id=room.pk, message_id=item.owner_id, attachment=item))
                for item in selectors.room_files_removed(room=room, from_id=from_id, to_id=after_id, since=since)
            )
        for _batch in range(RESYNC_MAX_BATCHES):
            batch = selectors.room_messages(room=room, after_id=last_id, limit=RESYNC_BATCH)
            _with_reactions(batch)
            texts.extend(
                events.with_row(
                    events.message_frame(message), message, room=room, language=self.language, zone=self.zone
                )
                for message in batch
            )
            if batch:
                last_id = batch[-1].pk
            if len(batch) < RESYNC_BATCH:
                return texts, last_id, False
        return texts, last_id, True

    HANDLERS = {
        "message": on_message,
        "edit": on_edit,
        "delete": on_delete,
        "typing": on_typing,
        "react": on_react,
        "read": on_read,
        "resync": on_resync,
    }

    # --- Events from the channel layer -----------------------------------------------------------

    async def user_frame(self, event):
        if self.allowed:
            await self.send(text_data=event["text"])

    async def user_counts(self, event):
        if self.allowed:
            await _send_counts(self)

    async def access_revoked(self, event):
        if event.get("everywhere") or event.get("room_id") == self.room_id or (
            event.get("cluster_id") is not None and event.get("cluster_id") == self.cluster_id
        ):
            # Stop receiving at once (before any await), then close.
            if not self.allowed:
                return
            self.allowed = False
            hub = get_hub()
            hub.leave_now(self.room_id, self)
            await hub.leave(self.room_id, self)
            await presence.leave(room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name)
            presence.announce_soon(room_id=self.room_id)
            await self.close(code=CLOSE_UNAUTHENTICATED if event.get("everywhere") else CLOSE_FORBIDDEN)


def _with_reactions(messages) -> None:
    """Each message's reactions, for its row (one query for all of them)."""
    reactions = selectors.reactions_of([message.pk for message in messages])
    for message in messages:
        message.reaction_list = reactions.get(message.pk, ())


async def _send_counts(consumer) -> dict:
    """Sends the person's navigation counts (kept in the cache: no query most of the time)."""
    counts = await socket_db(selectors.nav_counts_cached)(user=consumer.user)
    consumer.sent_counts = counts
    await consumer.send(text_data=events.dumps({"type": "counts", **counts}))
    return counts


class NotificationConsumer(PersonConsumer):
    """Keeps the navigation's notification badge live on every page and marks the person online."""

    heartbeat: asyncio.Task | None = None

    async def connect(self):
        if not await self.open_for_person():
            return
        await presence.join(room_id=None, user_id=self.user.pk, channel_name=self.channel_name)
        self.heartbeat = asyncio.create_task(self._heartbeat())

    async def _heartbeat(self):
        while True:
            try:
                await asyncio.sleep(presence.PRESENCE_HEARTBEAT)
                if not await presence.is_present(room_id=None, user_id=self.user.pk, channel_name=self.channel_name):
                    # Redis restarted empty (see RoomConsumer._heartbeat): reconnecting rejoins the group.
                    await self.close(code=CLOSE_RECONNECT)
                    return
                await presence.join(room_id=None, user_id=self.user.pk, channel_name=self.channel_name)
                # Messages in cluster rooms tell nobody's badge (see services._private_room_activity):
                # at each beat the counts are read again (from the cache) and sent when they changed.
                counts = await socket_db(selectors.nav_counts_cached)(user=self.user)
                if counts != getattr(self, "sent_counts", None):
                    self.sent_counts = counts
                    await self.send(text_data=events.dumps({"type": "counts", **counts}))
            except asyncio.CancelledError:
                return
            except Exception:
                log.warning("notification heartbeat failed", exc_info=True)

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.user_group:
            await self.leave_person_group()
            await presence.leave(room_id=None, user_id=self.user.pk, channel_name=self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.send_error("read_only")

    async def user_frame(self, event):
        await self.send(text_data=event["text"])

    async def user_counts(self, event):
        await _send_counts(self)

    async def access_revoked(self, event):
        # Only a deactivated account loses its notifications socket; losing a room leaves it open.
        if event.get("everywhere"):
            await self.close(code=CLOSE_UNAUTHENTICATED)
