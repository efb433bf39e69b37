"""Every websocket route of the project, collected from the apps' routing modules."""

from config import params  # noqa: F401  (registers the <id:> converter the routes use)
from messaging.routing import websocket_urlpatterns as messaging_routes
from questions.routing import websocket_urlpatterns as questions_routes

websocket_urlpatterns = [*messaging_routes, *questions_routes]
