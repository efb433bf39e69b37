"""ASGI entry point: Django for HTTP, Channels for websockets under /ws/; around them the start-up check
and /healthz and /readyz (infra/health.py)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from infra.handlers import get_asgi_application

# Django must be set up before the routing modules import models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.daphne import allow_rfc_close_codes  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from infra.health import HealthAndLifespan  # noqa: E402
from infra.logs import WebsocketLog  # noqa: E402
from infra.websocket import ExactOriginValidator, refuse_everything_else  # noqa: E402

allow_rfc_close_codes()

application = HealthAndLifespan(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": ExactOriginValidator(
                AuthMiddlewareStack(WebsocketLog(URLRouter([*websocket_urlpatterns, *refuse_everything_else()])))
            ),
        }
    )
)
