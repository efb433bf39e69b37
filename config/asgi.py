"""ASGI entry point: Django for HTTP, Channels for websockets under /ws/."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config.handlers import get_asgi_application

# Django must be set up before the routing modules import models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.daphne import allow_rfc_close_codes  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

allow_rfc_close_codes()

# A thread coming back from the database or Redis waits for the GIL until the thread holding it has
# run for the switch interval (5 ms by default). Storing a message takes about seven such round trips in
# the sockets' one database thread, so while pages render a message waited up to 35 ms for nothing
# but the GIL, and under load the sockets' thread fell behind (docs/PERFORMANCE.md, "Capacity").
sys.setswitchinterval(settings.GIL_SWITCH_INTERVAL)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
