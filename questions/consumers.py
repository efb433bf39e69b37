"""The live question page: /ws/questions/<id>/ receives new answers, votes and acceptance changes.

The socket only listens; every write goes through the page's forms (POST) and questions.services.
Authorisation on connect: anonymous people are closed with 4401, people who may not read the question
(a by-approval cluster they are not an active member of, or a missing question) with 4403. Someone who
loses access while connected (removed from or leaving the cluster) is closed with 4403 by the
`access.revoked` event that the messaging app sends to their `user-<id>` group.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from questions import events, selectors

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class QuestionConsumer(AsyncWebsocketConsumer):
    question_group: str | None = None
    user_group: str | None = None
    cluster_id: int | None = None
    cluster_is_open = False

    async def connect(self):
        self.user = self.scope.get("user")
        self.question_id = int(self.scope["url_route"]["kwargs"]["question_id"])
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # Listen for revocations before checking, so a removal committed after the check still arrives.
        self.user_group = f"user-{self.user.pk}"
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        question = await database_sync_to_async(self._load)()
        if question is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.cluster_id = question.cluster_id
        self.cluster_is_open = question.cluster.is_open
        self.question_group = events.question_group(self.question_id)
        await self.channel_layer.group_add(self.question_group, self.channel_name)
        await self.send(text_data='{"type":"hello"}')

    def _load(self):
        try:
            return selectors.question_get_for_user(user=self.user, question_id=self.question_id)
        except Http404:
            return None

    async def disconnect(self, code):
        if self.question_group:
            await self.channel_layer.group_discard(self.question_group, self.channel_name)
        if self.user_group:
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing to receive: writes go through the page's forms.
        await self.send(text_data='{"type":"error","code":"read_only"}')

    async def question_frame(self, event):
        if self.question_group:
            await self.send(text_data=event["text"])

    async def access_revoked(self, event):
        if event.get("cluster_id") is not None and event.get("cluster_id") == self.cluster_id:
            if self.cluster_is_open:
                return  # an open cluster's questions stay readable by anyone
            await self.channel_layer.group_discard(self.question_group, self.channel_name)
            self.question_group = None
            await self.close(code=CLOSE_FORBIDDEN)

    async def dispatch(self, message):
        # The person's `user-<id>` group also carries notification frames meant for other consumers.
        handler_name = message["type"].replace(".", "_")
        if handler_name in {"question_frame", "access_revoked"} or message["type"].startswith("websocket."):
            await super().dispatch(message)
