"""Django's ASGI handler, running a request's middleware and view in one trip to its worker thread.

Our middleware is synchronous (as is most of Django's and allauth's), and so are our views. Django's
ASGI handler runs the middleware chain in async mode: it went to the request's worker thread for the
synchronous middleware, came back to the event loop for Django's asynchronous core, then went to the
thread again for the view: three trips for every request, each a hand-over between the loop and the
thread. Here the middleware chain is loaded in sync mode and run whole in one trip, exactly as under
WSGI; everything else (each request's own thread, the request_started and request_finished signals,
streaming the response, noticing a client that went away) is Django's ASGI handler. An async view
would still work: Django runs it with async_to_sync inside the thread (Puente has none).
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class OneTripASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application() -> OneTripASGIHandler:
    """As django.core.asgi.get_asgi_application, with the one-trip handler."""
    import django

    django.setup(set_prefix=False)
    return OneTripASGIHandler()
