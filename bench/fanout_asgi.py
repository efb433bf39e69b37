"""The ASGI application the fan-out bench serves: Puente's own, plus a bare consumer that only
group-broadcasts, so that both run in the same Daphne process on the same channel layer.

Bench only: with BENCH_NO_RATE_LIMIT=1 the per-person message limit is lifted, because the bench's
single sender posts far more than 20 messages in 10 seconds.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if os.environ.get("BENCH_NO_RATE_LIMIT") == "1":
    os.environ["PUENTE_RATE_MESSAGE"] = "1000000000/10"  # read by config.settings, below

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from config.asgi import application as puente
from config.routing import websocket_urlpatterns
from infra.health import HealthAndLifespan
from infra.websocket import ExactOriginValidator

BARE_GROUP = "bench-bare"


class BareBroadcastConsumer(AsyncWebsocketConsumer):
    """No authentication, no database: every frame received is sent to everyone in one group."""

    async def connect(self):
        await self.accept()
        await self.channel_layer.group_add(BARE_GROUP, self.channel_name)

    async def disconnect(self, code):
        await self.channel_layer.group_discard(BARE_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(BARE_GROUP, {"type": "bench.frame", "text": text_data})

    async def bench_frame(self, event):
        await self.send(text_data=event["text"])


application = HealthAndLifespan(ProtocolTypeRouter(
    {
        "http": puente,
        "websocket": ExactOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/bench/bare/", BareBroadcastConsumer.as_asgi()),
                                           *websocket_urlpatterns]))
        ),
    }
))
