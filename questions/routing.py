from django.urls import path

from questions import consumers

websocket_urlpatterns: list = [
    path("ws/questions/<id:question_id>/", consumers.QuestionConsumer.as_asgi()),
]
