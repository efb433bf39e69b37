"""The one way the apps send to channel-layer groups: frames serialised once, sent after the commit of
the write that made them, in their order of scheduling per group.

In a worker thread of a running server (a consumer's or a view's database thread) the send is handed to
the event loop without waiting for it, so the thread, and the socket whose frame it serves, go on with
the next frame instead of waiting for the fan-out. Elsewhere (commands, sync tests) it is sent and
waited for. A group's sends go out one after the other: a batch of messages commits at once, and racing
sends would reach Redis, and the sockets, out of order.
"""

import asyncio
import json
import logging

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import translation

log = logging.getLogger(__name__)


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def in_each_language(build) -> dict[str, str]:
    """The frame `build()` returns, built once in each of the site's languages and serialised."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = dumps(build())
    return texts


def send_on_commit(group: str, event: dict) -> None:
    """Sends `event` to `group` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: group_send(group, event))


def group_send(group: str, event: dict) -> None:
    """Sends `event` to `group` now (call it after the commit): handed to the running server's loop, or
    sent and waited for."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is not None and loop.is_running() and not _in_loop_thread(loop):
        loop.call_soon_threadsafe(_start_send, layer, group, event)
    else:
        async_to_sync(layer.group_send)(group, event)


def _in_loop_thread(loop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


# The newest send of each group still in flight, and a reference to every send so that none is collected
# half-way.
_tails: dict[str, asyncio.Task] = {}
_in_flight: set[asyncio.Task] = set()


def _start_send(layer, group: str, event: dict) -> None:
    task = asyncio.get_running_loop().create_task(_send_after(_tails.get(group), layer, group, event))
    _tails[group] = task
    _in_flight.add(task)
    task.add_done_callback(lambda done: _sent(done, group))


async def _send_after(previous: asyncio.Task | None, layer, group: str, event: dict) -> None:
    if previous is not None and not previous.done():
        await asyncio.wait([previous])  # its failure is its own (logged by _sent)
    await layer.group_send(group, event)


def _sent(task: asyncio.Task, group: str) -> None:
    _in_flight.discard(task)
    if _tails.get(group) is task:
        del _tails[group]
    if not task.cancelled() and task.exception() is not None:
        log.error("group send failed", exc_info=task.exception())
