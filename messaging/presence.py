"""Who is online, per room and per person, right across server processes.

Each open socket is an entry "<user id>:<channel name>" in a sorted set per room (and one per person)
whose score is the moment it expires. A socket refreshes its entries while it lives (a heartbeat every
PRESENCE_HEARTBEAT seconds) and removes them when it closes; a process that dies without closing its
sockets stops refreshing, so its entries fall out after PRESENCE_TTL seconds.

With REDIS_URL set the sets live in Redis (every process sees the same ones). Without it, they live in
this process's memory, which is right because the in-memory channel layer is one process only too.
The async functions are for consumers (no thread hop); the sync ones for services.
"""

import asyncio
import math
import time

from django.conf import settings

PRESENCE_TTL = 60
PRESENCE_HEARTBEAT = 20


def _prefix() -> str:
    return f"{settings.REDIS_KEY_PREFIX}presence:"


def _room_key(room_id: int) -> str:
    return f"{_prefix()}room:{room_id}"


def _user_key(user_id: int) -> str:
    return f"{_prefix()}user:{user_id}"


def _ids(entries) -> set[int]:
    ids = set()
    for entry in entries:
        if isinstance(entry, bytes):
            entry = entry.decode()
        ids.add(int(entry.split(":", 1)[0]))
    return ids


# --- In-process store ----------------------------------------------------------------------------

_local: dict[str, dict[str, float]] = {}


def _local_add(key: str, entry: str, expires: float) -> None:
    _local.setdefault(key, {})[entry] = expires


def _local_members(key: str, now: float) -> list[str]:
    entries = _local.get(key, {})
    for entry, expires in list(entries.items()):
        if expires <= now:
            entries.pop(entry, None)
    return list(entries)


# --- Redis store ---------------------------------------------------------------------------------

_async_client = None
_async_client_loop = None
_sync_client = None


def _async_redis():
    """One client per event loop: redis.asyncio connections belong to the loop that opened them."""
    import redis.asyncio

    global _async_client, _async_client_loop
    loop = asyncio.get_running_loop()
    # Compared by identity while holding the loop: an id() could be reused by a later loop.
    if _async_client is None or _async_client_loop is not loop:
        _async_client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        _async_client_loop = loop
    return _async_client


def _redis():
    global _sync_client
    if _sync_client is None:
        import redis

        _sync_client = redis.Redis.from_url(settings.REDIS_URL)
    return _sync_client


# --- Interface -----------------------------------------------------------------------------------


async def join(*, room_id: int | None, user_id: int, channel_name: str) -> None:
    """Marks a socket present (also used as its heartbeat)."""
    entry = f"{user_id}:{channel_name}"
    expires = time.time() + PRESENCE_TTL
    keys = [_user_key(user_id)] + ([_room_key(room_id)] if room_id else [])
    if settings.REDIS_URL:
        pipe = _async_redis().pipeline(transaction=False)
        for key in keys:
            pipe.zadd(key, {entry: expires})
            pipe.expire(key, math.ceil(PRESENCE_TTL * 2))
        await pipe.execute()
    else:
        for key in keys:
            _local_add(key, entry, expires)


async def leave(*, room_id: int | None, user_id: int, channel_name: str) -> None:
    entry = f"{user_id}:{channel_name}"
    keys = [_user_key(user_id)] + ([_room_key(room_id)] if room_id else [])
    if settings.REDIS_URL:
        pipe = _async_redis().pipeline(transaction=False)
        for key in keys:
            pipe.zrem(key, entry)
        await pipe.execute()
    else:
        for key in keys:
            _local.get(key, {}).pop(entry, None)


async def is_present(*, room_id: int | None, user_id: int, channel_name: str) -> bool:
    """Whether this socket's entry is still there. A live socket refreshes it every PRESENCE_HEARTBEAT
    seconds and it lasts PRESENCE_TTL, so a missing entry means that Redis lost its data (it restarted
    empty), and with it the socket's channel-layer group memberships."""
    entry = f"{user_id}:{channel_name}"
    key = _room_key(room_id) if room_id else _user_key(user_id)
    if settings.REDIS_URL:
        return await _async_redis().zscore(key, entry) is not None
    return entry in _local.get(key, {})


async def room_online(*, room_id: int) -> set[int]:
    now = time.time()
    key = _room_key(room_id)
    if settings.REDIS_URL:
        client = _async_redis()
        await client.zremrangebyscore(key, "-inf", now)
        return _ids(await client.zrange(key, 0, -1))
    return _ids(_local_members(key, now))


def room_online_sync(*, room_id: int) -> set[int]:
    now = time.time()
    key = _room_key(room_id)
    if settings.REDIS_URL:
        return _ids(_redis().zrangebyscore(key, now, "+inf"))
    return _ids(_local_members(key, now))


def user_is_online(*, user_id: int) -> bool:
    now = time.time()
    key = _user_key(user_id)
    if settings.REDIS_URL:
        return bool(_redis().zcount(key, now, "+inf"))
    return bool(_local_members(key, now))


async def keep_mark(name: str, ttl: float) -> bool:
    """Keeps a mark called `name` for another `ttl` seconds; whether it was still there. A mark that was
    set and kept in time and is gone tells its keeper that Redis lost its data (it restarted empty or
    was flushed) although every call still succeeds."""
    key = f"{_prefix()}mark:{name}"
    if settings.REDIS_URL:
        client = _async_redis()
        if await client.set(key, 1, ex=math.ceil(ttl), xx=True):
            return True
        await client.set(key, 1, ex=math.ceil(ttl))
        return False
    now = time.time()
    was_there = bool(_local_members(key, now))
    _local[key] = {"1": now + ttl}
    return was_there


def reset_local() -> None:
    """For tests: forget the in-process sets."""
    _local.clear()


# --- Telling the room ---------------------------------------------------------------------------------

# Arrivals and departures within this many seconds share one presence broadcast per room and process:
# without it, N people joining a room at once would cost N broadcasts to up to N sockets each.
PRESENCE_DEBOUNCE = 0.25
_announcing: dict[int, asyncio.Task] = {}
# What this process last saw online per room, and when: lets heartbeats notice people whose sockets were
# on a server process that died (their entries expire without anyone leaving).
_last_seen: dict[int, tuple[float, frozenset[int]]] = {}


def announce_soon(*, room_id: int) -> None:
    """Broadcasts who is online in the room after PRESENCE_DEBOUNCE: once for every change meanwhile."""
    loop = asyncio.get_running_loop()
    pending = _announcing.get(room_id)
    if pending is not None and not pending.done() and pending.get_loop() is loop:
        return  # a broadcast is already on its way and will include this change
    _announcing[room_id] = loop.create_task(_announce_later(room_id))


async def look_again(*, room_id: int) -> None:
    """At a socket's heartbeat: one socket per room and process reads who is online (at most once every
    PRESENCE_HEARTBEAT), and a change nobody announced is announced."""
    checked_at, seen = _last_seen.get(room_id, (0.0, frozenset()))
    if time.monotonic() - checked_at < PRESENCE_HEARTBEAT:
        return
    online = frozenset(await room_online(room_id=room_id))
    _last_seen[room_id] = (time.monotonic(), online)
    if online != seen:
        announce_soon(room_id=room_id)


async def _announce_later(room_id: int) -> None:
    from messaging import events

    await asyncio.sleep(PRESENCE_DEBOUNCE)
    # Forget the task before reading the set: a change from now on schedules a new broadcast.
    _announcing.pop(room_id, None)
    online = await room_online(room_id=room_id)
    _last_seen[room_id] = (time.monotonic(), frozenset(online))
    await events.presence_send(room_id=room_id, online=online)
