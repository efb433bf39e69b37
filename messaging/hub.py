"""Room fan-out inside one server process: one channel-layer subscription per room and process, and
a local loop over that process's sockets in the room.

Without it every socket is its own member of ``room-<id>``: a broadcast into a room of 100 people
becomes 100 channel-layer messages, each woken in its consumer's own task and dispatched through
Channels' machinery before the one `send` that matters (docs/PERFORMANCE.md, "Rooms fan-out"). With the hub, the process's
channel is the room group's only member from this process; the hub receives the event once and hands
the ready-made frame to each local socket's ASGI `send`.

- `RoomConsumer` joins on connect (after its access check) and leaves on disconnect or when its access
  is revoked: leaving takes effect at once, before any await, so a socket that left receives nothing
  more.
- A socket whose client does not read fast enough (the server's write buffer is full, so `send`
  would wait) is not allowed to hold the room up: its frames wait in its own backlog, and when that
  exceeds BACKLOG_MAX the socket is closed with 1013 (try again later); the client reconnects and
  resyncs from the last id it holds, so nothing is lost.
- Each socket keeps the no-loss guarantee of the protocol: after its client's resync, messages go
  out in id order, none twice, and one whose broadcast was lost is read from the database before the
  next one goes out (see `_Outlet`).
- If the channel layer fails under the hub (Redis away), every socket the hub serves is closed with
  4503 (reconnect and resync): their clients reconnect and resync instead of silently missing
  messages. Redis can also restart empty between two calls, and then no call fails: the group
  memberships are simply gone. The hub keeps a mark in Redis and looks for it every WATCH_EVERY
  seconds; when the mark is gone, so are the memberships, and the hub's sockets are closed the same way.
- One hub per event loop (a server process has one; each test has its own).
"""

import asyncio
import collections
import contextlib
import logging

from channels.layers import get_channel_layer

from messaging import events, presence, rendering, selectors
from messaging.sockets import CLOSE_RECONNECT, CLOSE_TOO_SLOW, socket_db

log = logging.getLogger(__name__)

BACKLOG_MAX = 500
# channels_redis drops a group membership after a day (group_expiry); the hub renews its own.
RENEW_EVERY = 3600
# A broadcast lost for a room's newest message has no next message to reveal the gap: every this many
# seconds the hub compares the newest id of each room it serves (one query for all of them) with what
# its sockets were sent, and those behind catch up.
SWEEP_EVERY = 20.0
# How often the hub checks that Redis still holds what it was given (its mark; see the docstring).
WATCH_EVERY = 5.0


class _Outlet:
    """One socket as the hub sees it: its ASGI send, a backlog while the socket's buffer is full, and
    how far the room's messages have been sent on it.

    Broadcasts can come out of order or not at all (sends race in Redis; a server process or Redis
    dies between a commit and its send), and a client resyncs after the highest id it holds, so a
    message must never go out after a larger one without the ones in between. Once the socket has
    resynced (`sent_up_to` is set), a new message's event is checked against it: one sent already is
    skipped; one whose `prev_id` is ahead of it makes the socket catch up from the database first (in
    id order, that message included) while later events wait in `held`. Two integer comparisons per
    delivery: no query unless a broadcast really went missing.
    """

    __slots__ = ("backlog", "close", "drain_task", "fetch_after", "held", "language", "send", "sent_up_to", "zone")

    def __init__(self, send, close, fetch_after, language: str | None = None, zone: str | None = None):
        self.send = send
        self.close = close
        self.language = language  # the reader's: which of an event's `texts` this socket is sent
        self.zone = zone  # the reader's time zone when it is not the site's (None): its rows' times
        # async (after_id, changes=None) -> (texts, last_id, more): the room's message frames after an id
        self.fetch_after = fetch_after
        self.backlog: collections.deque | None = None
        self.drain_task: asyncio.Task | None = None
        self.sent_up_to: int | None = None
        self.held: list | None = None

    def offer(self, message: dict, message_id: int | None = None, prev_id: int | None = None) -> None:
        if self.held is not None:
            self.held.append((message, message_id, prev_id))
            return
        if message_id is not None and self.sent_up_to is not None:
            if message_id <= self.sent_up_to:
                return  # sent already (by a resync or a catch-up)
            if (prev_id or 0) > self.sent_up_to:
                self.held = [(message, message_id, prev_id)]
                asyncio.get_running_loop().create_task(self._catch_up(self.sent_up_to))
                return
            self.sent_up_to = message_id
        self.deliver(message)

    async def resync(self, after_id: int, changes=None) -> tuple[int, bool]:
        """Answers a client's resync: live events wait while the room's messages after `after_id` (and
        with `changes`, the edits and deletions the client missed) are read and sent, then go out
        unless the resync sent them already."""
        self.held = self.held if self.held is not None else []
        try:
            texts, last_id, more = await self.fetch_after(after_id, changes)
            for text in texts:
                message = {"type": "websocket.send", "text": text}
                if self.backlog is None:
                    await self.send(message)
                else:
                    self.backlog.append(message)  # behind what is waiting; not counted against the limit
            # With more to come the client asks again; until then live messages go out as they come.
            self.sent_up_to = None if more else last_id
        finally:
            self._release()
        return last_id, more

    async def _catch_up(self, after_id: int) -> None:
        try:
            texts, last_id, more = await self.fetch_after(after_id)
        except Exception as exc:
            # Lost access (RoomConsumer raises with its close code), or the database failed: closed,
            # the client reconnects and resyncs if it may.
            self.held = None
            with contextlib.suppress(Exception):
                await self.close(getattr(exc, "close_code", CLOSE_RECONNECT))
            return
        for text in texts:
            self.deliver({"type": "websocket.send", "text": text})
        if more:
            self.sent_up_to = None
        elif self.sent_up_to is not None:  # a client's resync may have answered beyond it meanwhile
            self.sent_up_to = max(self.sent_up_to, last_id)
        self._release()

    def catch_up_to(self, newest_id: int) -> None:
        """The room's newest message is `newest_id`: a socket that was not sent it catches up (its
        broadcast was lost, or is on its way and will be skipped as sent)."""
        if self.held is None and self.sent_up_to is not None and newest_id > self.sent_up_to:
            self.held = []
            asyncio.get_running_loop().create_task(self._catch_up(self.sent_up_to))

    def _release(self) -> None:
        held, self.held = self.held or [], None
        for index, item in enumerate(held):
            self.offer(*item)
            if self.held is not None:  # another gap: the rest wait behind its catch-up
                self.held.extend(held[index + 1 :])
                return

    def deliver(self, message: dict) -> None:
        if self.backlog is not None:
            if len(self.backlog) >= BACKLOG_MAX:
                self.backlog = collections.deque()
                asyncio.get_running_loop().create_task(self.close(CLOSE_TOO_SLOW))
            else:
                self.backlog.append(message)
            return
        # Run the send now, as far as it goes without waiting: on a socket whose buffer has room that
        # is all of it, and no task is made. Only a send that has to wait becomes a task.
        coro = self.send(message)
        try:
            waiting_for = coro.send(None)
        except StopIteration:
            return
        except Exception:
            coro.close()
            return  # a socket closing: its consumer's disconnect takes it out of the hub
        self.backlog = collections.deque()
        self.drain_task = asyncio.get_running_loop().create_task(self._drain(coro, waiting_for))

    async def _drain(self, coro, waiting_for) -> None:
        try:
            await _finish(coro, waiting_for)
            while self.backlog:
                await self.send(self.backlog.popleft())
        except Exception:
            pass  # the socket went away; its consumer's disconnect takes it out of the hub
        finally:
            self.backlog = None
            self.drain_task = None


async def _finish(coro, waiting_for) -> None:
    """Carries on a coroutine that was started by hand and stopped at its first wait: waits for what
    it waits for, then resumes it (the coroutine reads the outcome of that future itself)."""
    while True:
        if waiting_for is None:
            await asyncio.sleep(0)  # a bare yield: give the loop one turn
        else:
            # What a Task does with a future its coroutine yields: take it over, then wait for it.
            waiting_for._asyncio_future_blocking = False
            try:
                await waiting_for
            except asyncio.CancelledError:
                coro.close()
                raise
            except Exception:
                pass  # the coroutine reads the same outcome from the future when resumed
        try:
            waiting_for = coro.send(None)
        except StopIteration:
            return


class RoomHub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.layer = get_channel_layer()
        self.channel_name: str | None = None
        self.rooms: dict[int, dict[object, _Outlet]] = {}
        self.subscribed: set[int] = set()
        self.locks: dict[int, asyncio.Lock] = {}
        self.reader: asyncio.Task | None = None
        self.renewer: asyncio.Task | None = None
        self.sweeper: asyncio.Task | None = None
        self.watcher: asyncio.Task | None = None
        self.marked = False

    # --- Sockets come and go ---------------------------------------------------------------------

    async def join(self, room_id: int, consumer) -> None:
        """From now on `consumer` gets the room's broadcasts: when this returns, the process is
        subscribed to the room's group (so a resync answered after it misses nothing)."""
        self.rooms.setdefault(room_id, {})[consumer] = _Outlet(
            consumer.base_send, consumer_closer(consumer), consumer.messages_after, getattr(consumer, "language", None),
            getattr(consumer, "zone", None),
        )
        if room_id in self.subscribed:
            return
        await self._start()
        async with self.locks.setdefault(room_id, asyncio.Lock()):
            if room_id not in self.subscribed and self.rooms.get(room_id):
                await self.layer.group_add(events.room_group(room_id), self.channel_name)
                self.subscribed.add(room_id)

    def leave_now(self, room_id: int, consumer) -> bool:
        """Stops deliveries to `consumer` at once (no await). True when the room has no socket left."""
        outlets = self.rooms.get(room_id)
        if outlets is None:
            return False
        outlet = outlets.pop(consumer, None)
        if outlet is not None and outlet.drain_task is not None:
            outlet.drain_task.cancel()
        return not outlets

    async def leave(self, room_id: int, consumer) -> None:
        if not self.leave_now(room_id, consumer):
            return
        async with self.locks.setdefault(room_id, asyncio.Lock()):
            if not self.rooms.get(room_id) and room_id in self.subscribed:
                self.subscribed.discard(room_id)
                self.rooms.pop(room_id, None)
                await self.layer.group_discard(events.room_group(room_id), self.channel_name)

    def outlet(self, room_id: int, consumer) -> _Outlet | None:
        return self.rooms.get(room_id, {}).get(consumer)

    def sockets_in(self, room_id: int) -> int:
        return len(self.rooms.get(room_id, ()))

    # --- Broadcasts come in ----------------------------------------------------------------------

    async def _start(self) -> None:
        if self.channel_name is None:
            self.channel_name = await self.layer.new_channel()
        if self.reader is None or self.reader.done():
            self.reader = self.loop.create_task(self._read())
            self.renewer = self.loop.create_task(self._renew())
            self.sweeper = self.loop.create_task(
                self._repeat(SWEEP_EVERY, self.sweep_once, "looking for lost broadcasts", wait_first=True)
            )
            self.watcher = self.loop.create_task(
                self._repeat(WATCH_EVERY, self.watch_once, "looking for its mark in Redis", wait_first=False)
            )

    async def _read(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room hub: channel layer receive failed; closing this process's room sockets")
                await self._drop_everyone()
                await asyncio.sleep(1)
                continue
            if event.get("type") != "room.frame":
                continue
            outlets = self.rooms.get(event.get("room"))
            if outlets:
                message = {"type": "websocket.send", "text": event["text"]}
                message_id, prev_id = event.get("id"), event.get("prev_id")
                texts = event.get("texts")
                if texts:
                    # A message's row in each language: each socket gets its reader's.
                    in_language = {language: {"type": "websocket.send", "text": text} for language, text in texts.items()}
                    in_zone: dict = {}  # (language, zone) -> its message, for readers outside the site's zone
                    for outlet in tuple(outlets.values()):
                        if outlet.zone is not None and event.get("times"):
                            key = (outlet.language, outlet.zone)
                            if key not in in_zone:
                                in_zone[key] = _in_zone(event, outlet.language, outlet.zone, in_language, message)
                            outlet.offer(in_zone[key], message_id, prev_id)
                        else:
                            outlet.offer(in_language.get(outlet.language, message), message_id, prev_id)
                else:
                    for outlet in tuple(outlets.values()):
                        outlet.offer(message, message_id, prev_id)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            for room_id in tuple(self.subscribed):
                try:
                    await self.layer.group_add(events.room_group(room_id), self.channel_name)
                except Exception:
                    log.warning("room hub: renewing room-%s failed", room_id, exc_info=True)

    async def _repeat(self, every: float, step, what: str, *, wait_first: bool) -> None:
        """`step` every `every` seconds for as long as the hub runs; a failure is logged and the next
        turn tries again."""
        if wait_first:
            await asyncio.sleep(every)
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("room hub: %s failed", what, exc_info=True)
            await asyncio.sleep(every)

    async def sweep_once(self) -> None:
        behind = {
            room_id: outlets
            for room_id, outlets in self.rooms.items()
            if any(outlet.sent_up_to is not None for outlet in outlets.values())
        }
        if not behind:
            return
        newest = await newest_message_ids(list(behind))
        for room_id, outlets in behind.items():
            for outlet in tuple(outlets.values()):
                outlet.catch_up_to(newest.get(room_id, 0))

    async def watch_once(self) -> None:
        was_there = await presence.keep_mark(f"hub:{self.channel_name}", ttl=WATCH_EVERY * 6)
        if self.marked and not was_there:
            log.warning("room hub: Redis lost its data (restarted empty?); closing this process's room sockets")
            await self._drop_everyone()
        self.marked = True

    async def _drop_everyone(self) -> None:
        """Subscriptions may be gone with the layer: every socket reconnects (and resyncs)."""
        closers = [outlet.close for outlets in self.rooms.values() for outlet in outlets.values()]
        self.rooms.clear()
        self.subscribed.clear()
        for close in closers:
            with contextlib.suppress(Exception):
                await close(CLOSE_RECONNECT)


async def newest_message_ids(room_ids: list[int]) -> dict[int, int]:
    return await socket_db(selectors.newest_message_ids)(room_ids)


def consumer_closer(consumer):
    async def close(code: int) -> None:
        await consumer.close(code=code)

    return close


_hubs: dict[asyncio.AbstractEventLoop, RoomHub] = {}


def get_hub() -> RoomHub:
    """This event loop's hub (one per server process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]  # tests run one loop each
        hub = _hubs[loop] = RoomHub(loop)
    return hub


def _in_zone(event: dict, language: str | None, zone: str, in_language: dict, fallback: dict) -> dict:
    """The broadcast for a reader in `language` and another time zone than the site's (rendering.in_zone)."""
    message = in_language.get(language, fallback)
    time = event["times"].get(language)
    if time is None:
        return message
    try:
        text = rendering.in_zone(message["text"], time=time, when=event["when"], language=language, zone=zone)
    except Exception:
        log.exception("room hub: rendering a time in %s failed", zone)
        return message
    return {"type": "websocket.send", "text": text}
