"""Every websocket route of the project, collected from the apps' routing modules."""

from messaging.routing import websocket_urlpatterns as messaging_routes

websocket_urlpatterns = [*messaging_routes]
