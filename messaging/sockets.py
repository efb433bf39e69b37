"""What every Puente websocket consumer shares (rooms, notifications, question pages): the consumer they
start from (the person, their group, the access check, error frames, the dispatch), the close codes, the
sockets' own database thread, and reading ids and times from what a client sends.
docs/PROTOCOL.md is the contract.
"""

import datetime
import json
from concurrent.futures import ThreadPoolExecutor

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.dateparse import parse_datetime

from infra.realtime import dumps

CLOSE_TOO_BIG = 1009  # RFC 6455 "message too big"
CLOSE_TOO_SLOW = 1013  # RFC 6455 "try again later": the socket fell too far behind
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# The server lost what routes broadcasts to this socket (Redis restarted empty), or failed while handling
# a frame: reconnect and resync. An application code rather than the RFC's 1012 ("service restart"): it
# was chosen when Daphne could send only 1000 and 3000-4999 (config/daphne.py lifts that now), and
# clients already reconnect on it.
CLOSE_RECONNECT = 4503

# The consumers' database work (storing a message, a read, a resync) runs in a thread of its own.
# Channels' default runs it in the one thread where Django also renders every page of this process,
# so a message waited behind whatever pages were queued: under load its delivery took seconds while
# the CPU was half idle (docs/PERFORMANCE.md, "Capacity"). One thread: more would only fight the event
# loop for the GIL. It has its own connection (from the pool on PostgreSQL), returned after each call.
SOCKET_DB_THREADS = 1
_socket_db_executor = ThreadPoolExecutor(max_workers=SOCKET_DB_THREADS, thread_name_prefix="puente-socket-db")


def socket_db(func):
    """database_sync_to_async, in the sockets' own thread (see SOCKET_DB_THREADS)."""
    return database_sync_to_async(func, thread_sensitive=False, executor=_socket_db_executor)


def frame_id(value, *, zero_ok: bool = False) -> int:
    """A database id from a frame: a positive integer that fits a bigint (not a bool, not 10**30).
    ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not (0 if zero_ok else 1) <= value < 2**63:
        raise ValueError
    return value


def frame_time(value, *, earlier_by: datetime.timedelta = datetime.timedelta(0)) -> datetime.datetime:
    """A time from a frame, as the server handed it out (ISO 8601 with its offset), moved `earlier_by`
    (server clocks differ a little between processes). ValueError for anything else."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    moment = parse_datetime(value)  # ValueError for a well-formed but impossible time
    if moment is None or moment.tzinfo is None:
        raise ValueError
    try:
        return moment - earlier_by
    except OverflowError:
        raise ValueError from None


def frame_loads(text: str):
    """A frame's JSON. ValueError (as for JSON that does not parse) when it holds text that no database
    can store: a lone surrogate (`"\\ud800"`) is valid JSON but has no UTF-8, so storing it would fail
    after the frame was accepted. NUL is the services' to strip."""
    frame = json.loads(text)
    if "\\u" in text:  # only an escape can make a lone surrogate
        json.dumps(frame, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError is a ValueError
    return frame


def scope_language(scope, user) -> str:
    """The language the person's pages are in: their chosen one, else the language cookie, else the
    browser's (PersonLanguageMiddleware and LocaleMiddleware decide the same way for pages)."""
    candidates = [getattr(user, "language", "")]
    candidates.append(scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, ""))
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [part.split(";")[0].strip() for part in accept.split(",")[:8]]
    for code in candidates:
        if not code:
            continue
        try:
            return translation.get_supported_language_variant(code.lower())
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def scope_time_zone(scope, user) -> str | None:
    """The zone the person's times are shown in (as clusters.middleware.PersonTimeZoneMiddleware
    decides for pages), or None for the site's own TIME_ZONE."""
    from clusters.times import TIME_ZONE_COOKIE, valid_time_zone

    zone = valid_time_zone(getattr(user, "time_zone", "")) or valid_time_zone(
        scope.get("cookies", {}).get(TIME_ZONE_COOKIE, "")
    )
    return None if zone in (None, settings.TIME_ZONE) else zone


def user_group(user_id: int) -> str:
    """The group of one person's sockets: notifications, counts and revocations reach them through it."""
    return f"user-{user_id}"


class PersonConsumer(AsyncWebsocketConsumer):
    """The socket of one signed-in person, which every Puente consumer is.

    `open_for_person` accepts (so that the browser sees the close code rather than a failed handshake),
    closes with 4401 for nobody, and joins the person's group before any access check, so that a removal
    committed after the check still reaches the socket. `load_or_refuse` loads what the socket serves
    through its app's access rule (a selector raising Http404) and closes with 4403 when refused.

    The dispatch goes straight to the handler: Channels (4.2+) would first run close_old_connections()
    in a worker thread, a thread hop for every frame delivered to every socket, and these consumers
    touch the database only through socket_db, which closes stale connections in its own thread. An
    event of the person's group that this kind of socket has no handler for is meant for another kind
    (a room's row for the room socket) and is left alone."""

    user_group: str | None = None

    async def open_for_person(self) -> bool:
        self.user = self.scope.get("user")
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.user_group = user_group(self.user.pk)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        return True

    async def load_or_refuse(self, load):
        """What `load()` returns (in the sockets' database thread), or None after closing with 4403 when
        it raises Http404."""
        def loaded():
            try:
                return load()
            except Http404:
                return None

        target = await socket_db(loaded)()
        if target is None:
            await self.close(code=CLOSE_FORBIDDEN)
        return target

    async def leave_person_group(self) -> None:
        if self.user_group:
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def send_error(self, code: str, **fields) -> None:
        await self.send(text_data=dumps({"type": "error", "code": code, **fields}))

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            if message["type"].startswith("websocket."):
                raise ValueError(f"No handler for message type {message['type']}")
            return
        await handler(message)
