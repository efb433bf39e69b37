"""The room hub (messaging.hub): one channel-layer subscription per room and process, fanned out to
that process's sockets. On the configured layer (in-memory here, Redis in CI).

Sockets are stand-ins with an ASGI `base_send` that records what it is given, so that the tests see
exactly what each socket would write; the consumer tests (test_consumers.py) go through real
consumers, and test_two_servers.py through real server processes.
"""

import asyncio

import pytest
from channels.layers import get_channel_layer

from messaging import events, hub

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_channel_layer")]


class Socket:
    """What the hub needs of a consumer: `base_send` (ASGI), `close(code=)` and `messages_after` (the
    room's message frames after an id: here from `stored`, a stand-in for the database)."""

    def __init__(self, name: str, stored: dict[int, str] | None = None):
        self.name = name
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self.gate: asyncio.Event | None = None  # when set up and not set, the socket's buffer is full
        self.stored = stored if stored is not None else {}
        self.reads: list[int] = []
        self.read_gate: asyncio.Event | None = None  # when set up and not set, the database is slow

    async def messages_after(self, after_id, changes=None):
        self.reads.append(after_id)
        if self.read_gate is not None:
            await self.read_gate.wait()
        ids = sorted(pk for pk in self.stored if pk > after_id)
        return [self.stored[pk] for pk in ids], (ids[-1] if ids else after_id), False

    async def base_send(self, message):
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(message["text"])

    async def close(self, code):
        self.closed_with = code


async def broadcast(room_id: int, text: str, **ids) -> None:
    event = {"type": "room.frame", "room": room_id, "text": text, **ids}
    await get_channel_layer().group_send(events.room_group(room_id), event)


async def eventually(check, timeout: float = 2) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.01)


async def group_members(room_id: int) -> set[str]:
    layer = get_channel_layer()
    group = events.room_group(room_id)
    if hasattr(layer, "groups"):  # in-memory layer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return {name.decode() for name in await connection.zrange(layer._group_key(group), 0, -1)}


async def test_every_socket_in_the_room_gets_each_frame_in_order_and_other_rooms_get_nothing():
    room_hub = hub.get_hub()
    ana, mateo, otto = Socket("ana"), Socket("mateo"), Socket("otto")
    await room_hub.join(1, ana)
    await room_hub.join(1, mateo)
    await room_hub.join(2, otto)
    for n in range(5):
        await broadcast(1, f"frame {n}")
    await eventually(lambda: len(ana.sent) == 5 and len(mateo.sent) == 5)
    assert ana.sent == mateo.sent == [f"frame {n}" for n in range(5)]
    assert otto.sent == []


async def test_the_process_is_one_member_of_the_room_group_however_many_sockets_it_holds():
    room_hub = hub.get_hub()
    sockets = [Socket(str(n)) for n in range(20)]
    for socket in sockets:
        await room_hub.join(7, socket)
    assert await group_members(7) == {room_hub.channel_name}
    for socket in sockets:
        await room_hub.leave(7, socket)
    # The last one out unsubscribes the process.
    assert await group_members(7) == set()


async def test_a_socket_that_leaves_stops_receiving_at_once():
    room_hub = hub.get_hub()
    ana, mateo = Socket("ana"), Socket("mateo")
    await room_hub.join(1, ana)
    await room_hub.join(1, mateo)
    await broadcast(1, "before")
    await eventually(lambda: mateo.sent == ["before"])
    room_hub.leave_now(1, mateo)  # what an access revocation does first, before any await
    await broadcast(1, "after")
    await eventually(lambda: ana.sent == ["before", "after"])
    await asyncio.sleep(0.1)
    assert mateo.sent == ["before"]


async def test_a_socket_that_rejoins_after_the_room_emptied_gets_frames_again():
    room_hub = hub.get_hub()
    ana = Socket("ana")
    await room_hub.join(1, ana)
    await room_hub.leave(1, ana)
    await room_hub.join(1, ana)
    await broadcast(1, "again")
    await eventually(lambda: ana.sent == ["again"])


async def test_a_socket_that_does_not_read_holds_nobody_up_and_is_closed_when_too_far_behind(monkeypatch):
    monkeypatch.setattr(hub, "BACKLOG_MAX", 3)
    room_hub = hub.get_hub()
    slow, quick = Socket("slow"), Socket("quick")
    slow.gate = asyncio.Event()  # its send waits: the client does not read
    await room_hub.join(1, slow)
    await room_hub.join(1, quick)
    for n in range(3):
        await broadcast(1, f"frame {n}")
    await eventually(lambda: len(quick.sent) == 3)
    assert slow.sent == [] and slow.closed_with is None
    # The client reads again: what waited is written, in order.
    slow.gate.set()
    await eventually(lambda: slow.sent == ["frame 0", "frame 1", "frame 2"])
    # It stops reading for good: once more than BACKLOG_MAX frames wait, it is closed (the client
    # reconnects and resyncs), and the others go on receiving.
    slow.gate.clear()
    for n in range(3, 9):
        await broadcast(1, f"frame {n}")
    await eventually(lambda: len(quick.sent) == 9)
    await eventually(lambda: slow.closed_with == hub.CLOSE_TOO_SLOW)


async def test_when_the_layer_fails_under_the_hub_its_sockets_are_closed_to_reconnect_and_resync(monkeypatch):
    room_hub = hub.get_hub()
    ana = Socket("ana")
    await room_hub.join(1, ana)

    async def broken(channel):
        raise ConnectionError("redis went away")

    monkeypatch.setattr(room_hub.layer, "receive", broken)
    room_hub.reader.cancel()
    room_hub.reader = asyncio.get_running_loop().create_task(room_hub._read())
    await eventually(lambda: ana.closed_with == hub.CLOSE_RECONNECT)
    assert room_hub.sockets_in(1) == 0
    room_hub.reader.cancel()


async def test_when_redis_loses_its_data_without_failing_a_call_the_sockets_are_closed_to_reconnect(settings):
    """Redis restarted empty between two calls: every call succeeds, the room's group is simply gone."""
    from messaging import presence

    room_hub = hub.get_hub()
    ana, mateo = Socket("ana"), Socket("mateo")
    await room_hub.join(1, ana)
    await room_hub.join(1, mateo)
    await room_hub.watch_once()
    await room_hub.watch_once()
    assert (ana.closed_with, mateo.closed_with) == (None, None)  # the mark kept: nothing lost, nobody closed

    if settings.REDIS_URL:
        # Everything this site keeps in Redis, gone (not the whole database: other sites' keys).
        from asgiref.sync import sync_to_async

        from tests.support import delete_redis_keys

        await sync_to_async(delete_redis_keys)(settings.REDIS_URL, settings.REDIS_KEY_PREFIX)
    else:
        presence.reset_local()
    await room_hub.watch_once()
    assert (ana.closed_with, mateo.closed_with) == (hub.CLOSE_RECONNECT, hub.CLOSE_RECONNECT)
    assert room_hub.sockets_in(1) == 0
    # Reconnected, a socket joins the room's group again (the hub knows it is no longer subscribed).
    lucia = Socket("lucia")
    await room_hub.join(1, lucia)
    assert await group_members(1) == {room_hub.channel_name}
    await room_hub.watch_once()
    assert lucia.closed_with is None


async def test_after_a_resync_a_lost_broadcast_is_read_from_the_database_before_the_next_message():
    room_hub = hub.get_hub()
    stored = {1: "m1"}
    ana = Socket("ana", stored)
    await room_hub.join(1, ana)
    assert await room_hub.outlet(1, ana).resync(0) == (1, False)
    assert ana.sent == ["m1"]
    # Message 2 is stored but its broadcast is lost; message 3's broadcast names 2 as the one before.
    stored.update({2: "m2", 3: "m3"})
    await broadcast(1, "m3", id=3, prev_id=2)
    await eventually(lambda: ana.sent == ["m1", "m2", "m3"])
    assert ana.reads == [0, 1]
    # Late copies are not sent again; frames that are not new messages (edits, presence) go out as they come.
    await broadcast(1, "m2", id=2, prev_id=1)
    await broadcast(1, "m3", id=3, prev_id=2)
    await broadcast(1, "edited 2")
    await eventually(lambda: ana.sent[-1] == "edited 2")
    assert ana.sent == ["m1", "m2", "m3", "edited 2"]
    assert ana.reads == [0, 1]  # no database read for an ordinary delivery


async def test_broadcasts_that_arrive_while_a_socket_catches_up_wait_and_keep_their_order():
    room_hub = hub.get_hub()
    stored = {1: "m1"}
    ana, mateo = Socket("ana", stored), Socket("mateo", stored)
    await room_hub.join(1, ana)
    await room_hub.join(1, mateo)
    await room_hub.outlet(1, ana).resync(1)
    stored.update({2: "m2", 3: "m3"})
    ana.read_gate = asyncio.Event()  # ana's catch-up read is slow
    await broadcast(1, "m3", id=3, prev_id=2)  # 2 was lost
    await eventually(lambda: ana.reads == [1, 1])
    stored[4] = "m4"
    await broadcast(1, "m4", id=4, prev_id=3)
    await broadcast(1, "typing")
    await eventually(lambda: mateo.sent == ["m3", "m4", "typing"])  # never resynced: gets frames as they come
    assert ana.sent == []  # nothing while catching up
    ana.read_gate.set()
    # The catch-up read 2..4 (4 was stored by then); the held copies of 3 and 4 are skipped.
    await eventually(lambda: "typing" in ana.sent)
    assert ana.sent == ["m2", "m3", "m4", "typing"]


async def test_a_resync_holds_live_broadcasts_until_its_messages_are_out():
    room_hub = hub.get_hub()
    stored = {1: "m1", 2: "m2"}
    ana = Socket("ana", stored)
    await room_hub.join(1, ana)
    ana.read_gate = asyncio.Event()
    resync = asyncio.create_task(room_hub.outlet(1, ana).resync(0))
    await eventually(lambda: ana.reads == [0])
    await broadcast(1, "m2", id=2, prev_id=1)
    stored[3] = "m3"
    await broadcast(1, "m3", id=3, prev_id=2)
    await asyncio.sleep(0.05)
    assert ana.sent == []
    ana.read_gate.set()
    assert await resync == (3, False)
    assert ana.sent == ["m1", "m2", "m3"]


async def test_a_socket_that_lost_access_while_catching_up_is_closed_with_its_code():
    class Refused(Exception):
        close_code = 4403

    room_hub = hub.get_hub()
    ana = Socket("ana", {1: "m1"})
    await room_hub.join(1, ana)
    await room_hub.outlet(1, ana).resync(1)

    async def refused(after_id, changes=None):
        raise Refused

    room_hub.outlet(1, ana).fetch_after = refused  # what the hub calls; bound when the socket joined
    await broadcast(1, "m3", id=3, prev_id=2)
    await eventually(lambda: ana.closed_with == 4403)
    assert ana.sent == []


async def test_a_lost_broadcast_of_the_newest_message_is_found_by_the_sweep(monkeypatch):
    room_hub = hub.get_hub()
    stored = {1: "m1"}
    ana, mateo = Socket("ana", stored), Socket("mateo", stored)
    await room_hub.join(1, ana)
    await room_hub.join(1, mateo)
    await room_hub.outlet(1, ana).resync(0)
    assert ana.sent == ["m1"]
    # Message 2 is stored, its broadcast lost, and no message comes after it.
    stored[2] = "m2"

    async def newest(room_ids):
        return {1: max(stored)}

    monkeypatch.setattr(hub, "newest_message_ids", newest)
    await room_hub.sweep_once()
    await eventually(lambda: ana.sent == ["m1", "m2"])
    assert mateo.sent == []  # never resynced: nothing to compare with (its client resyncs on connect)
    await room_hub.sweep_once()
    await asyncio.sleep(0.05)
    assert ana.sent == ["m1", "m2"] and ana.reads == [0, 1]
