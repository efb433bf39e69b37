from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from messaging import consumers

websocket_urlpatterns: list = [
    path("ws/rooms/<id:room_id>/", consumers.RoomConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
]
