"""Django's ASGI handler, running a request's middleware and view in one trip to its worker thread,
with at most PAGE_CONCURRENCY requests of a process at work at once.

Our middleware is synchronous (as is most of Django's and allauth's), and so are our views. Django's
ASGI handler runs the middleware chain in async mode: it went to the request's worker thread for the
synchronous middleware, came back to the event loop for Django's asynchronous core, then went to the
thread again for the view: three trips for every request, each a hand-over between the loop and the
thread. Here the middleware chain is loaded in sync mode and run whole in one trip, exactly as under
WSGI; everything else (each request's own thread, the request_started and request_finished signals,
streaming the response, noticing a client that went away) is Django's ASGI handler. An async view
would still work: Django runs it with async_to_sync inside the thread (Puente has none).

Why the cap: Django gives every request a thread of its own, and a thread holds a database connection
from its first query to the end of its response. A process that receives requests faster than its one
core (the GIL) can serve them would start them all at once: they take turns on the core, every one of
them slower, each holding a connection, until the pool runs dry and the websockets' own database work
(storing messages) waits ten seconds for a connection and fails. Capped, the requests beyond the cap
wait their turn on the event loop, holding nothing, and are served in arrival order; the ones at work
finish sooner; the sockets always find a connection. PAGE_CONCURRENCY must stay below the pool size
(DB_POOL_MAX), which settings check.
"""

import asyncio

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


class OneTripASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    def slots(self) -> asyncio.Semaphore:
        """This event loop's semaphore (a server has one loop; tests may run several in turn)."""
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            for old in [old for old in self._slots if old.is_closed()]:
                del self._slots[old]
            slots = self._slots[loop] = asyncio.Semaphore(settings.PAGE_CONCURRENCY)
        return slots

    async def get_response_async(self, request):
        async with self.slots():
            return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application() -> OneTripASGIHandler:
    """As django.core.asgi.get_asgi_application, with the one-trip handler."""
    import django

    django.setup(set_prefix=False)
    return OneTripASGIHandler()
