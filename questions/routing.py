from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from questions import consumers

websocket_urlpatterns: list = [
    path("ws/questions/<id:question_id>/", consumers.QuestionConsumer.as_asgi()),
]
