"""Every websocket route of the project, collected from the apps' routing modules."""

from messaging.routing import websocket_urlpatterns as messaging_routes
from questions.routing import websocket_urlpatterns as questions_routes

websocket_urlpatterns = [*messaging_routes, *questions_routes]
