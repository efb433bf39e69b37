"""The writer of one room socket's messages: it stores the `message` frames the socket hands it, in
order, through services.message_post_many, and answers each with an ack or an error frame. Frames that
arrive while a batch is being stored are stored together next (one lock, one access check, one commit),
so that a fast sender is not held to one database round trip per message.
"""

import asyncio
import collections
import logging

from django.core.exceptions import PermissionDenied, ValidationError

from infra.retry import is_busy
from messaging import events, services
from messaging.sockets import CLOSE_FORBIDDEN, CLOSE_RECONNECT, socket_db

log = logging.getLogger(__name__)

# At most this many messages are stored per transaction (docs/PERFORMANCE.md).
POST_BATCH = 50


class MessageWriter:
    """Stores one socket's messages in the room for its person, in the order they came.

    `socket` is the room consumer: the writer reads its `allowed`, answers through its `send`, `_error`
    and `_said`, and closes it with 4403 when the person may no longer post (every message of the batch
    gets a `forbidden` error first), or with 4503 when storing failed (nothing of the batch was stored or
    acknowledged: the client resends it after reconnecting). Once the socket is no longer allowed, what
    is still waiting is not stored and not acknowledged; a batch already being stored is stored.
    """

    def __init__(self, socket, *, room, author):
        self.socket = socket
        self.room = room
        self.author = author
        self.waiting: collections.deque[tuple[str, str, int | None]] = collections.deque()
        self.task: asyncio.Task | None = None

    def put(self, body: str, client_id: str, reply_to: int | None) -> None:
        """Queues one message; its ack (or its error) is sent once it is stored."""
        self.waiting.append((body, client_id, reply_to))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._write())

    async def _write(self):
        socket, waiting = self.socket, self.waiting
        while waiting and socket.allowed:
            batch = [waiting.popleft() for _ in range(min(len(waiting), POST_BATCH))]
            try:
                results = await socket_db(self._store)(batch)
            except PermissionDenied:
                for _body, client_id, _reply_to in batch:
                    await socket._error("forbidden", ref="message", client_id=client_id)
                await socket.close(code=CLOSE_FORBIDDEN)
                return
            except Exception as exc:
                # Nothing of this batch was stored or acknowledged: the client keeps it in its outbox,
                # reconnects, resyncs and sends it again (as for any frame the server fails on).
                if is_busy(exc):
                    log.warning("storing %d messages: busy (%s)", len(batch), exc)
                else:
                    log.exception("storing %d messages failed", len(batch))
                waiting.clear()
                await socket.close(code=CLOSE_RECONNECT)
                return
            try:
                for (_body, client_id, _reply_to), result in zip(batch, results, strict=True):
                    if isinstance(result, ValidationError):
                        await socket._error(
                            result.code or "invalid", ref="message", message=socket._said(result),
                            client_id=client_id, retry_after=getattr(result, "retry_after", None),
                        )
                    else:
                        await socket.send(
                            text_data=events.dumps({"type": "ack", "client_id": client_id, "id": result.pk})
                        )
            except Exception:
                # The client went away while its messages were being stored: they are stored (and were
                # broadcast); the client that comes back resends them with the same client ids and gets
                # the same ids in its acks.
                waiting.clear()
                return

    def _store(self, batch):
        # message_post_many checks the person's access to the room again, in the database, with one
        # query; PermissionDenied (no longer allowed to post here) goes up to _write.
        try:
            return services.message_post_many(room=self.room, author=self.author, items=batch)
        except ValidationError as exc:  # the room as a whole (archived, a closed direct conversation)
            return [exc] * len(batch)
