"""The live question page: /ws/questions/<id>/ receives new answers, votes and acceptance changes.

The socket only listens to the question; every write goes through the page's forms (POST) and
questions.services. The one frame a client sends is `resync`: the page tells which answers it already
accounts for, and the socket answers with the answers after them, the answers edited since, and the
current scores and accepted answer, so that a page catches up with what happened between its render
and the socket's connect, or while it was disconnected (docs/PROTOCOL.md, "Question pages").

Authorisation on connect: anonymous people are closed with 4401, people who may not read the question
(a by-approval cluster they are not an active member of, or a missing question) with 4403. Someone who
loses access while connected (removed from or leaving the cluster) is closed with 4403 by the
`access.revoked` event that the messaging app sends to their `user-<id>` group; besides, every
`resync` reads the question again as that person and, when they may no longer read it, gets `error`
`forbidden` (and nothing else) and is closed with 4403.
"""

import json
import logging
import time
from collections import deque
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone, translation

from messaging.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_RECONNECT,
    CLOSE_TOO_BIG,
    PersonConsumer,
    frame_id,
    frame_time,
    scope_language,
    socket_db,
)
from questions import events, selectors

log = logging.getLogger(__name__)

# A resync frame is well under 200 characters.
MAX_FRAME = 1024
# New answers per resync reply; with more, the reply says so and the client asks again after the last.
RESYNC_BATCH = 200
# Edited answers per resync reply (the most recently edited ones).
EDITED_MAX = 200
# An edit's time is taken when its transaction starts, on the clock of the server process that made it:
# edits this much older than the client's `since` are sent again (sending one twice is harmless).
EDIT_MARGIN = timedelta(seconds=60)
# Each resync costs a few queries: a socket gets this many per 10 seconds.
RESYNC_BUDGET = 30


class QuestionConsumer(PersonConsumer):
    question_group: str | None = None
    cluster_id: int | None = None
    cluster_is_open = False

    async def connect(self):
        self.question_id = int(self.scope["url_route"]["kwargs"]["question_id"])
        self.resync_times: deque[float] = deque(maxlen=RESYNC_BUDGET)
        if not await self.open_for_person():
            return
        question = await self.load_or_refuse(
            lambda: selectors.question_get_for_user(user=self.user, question_id=self.question_id))
        if question is None:
            return
        self.cluster_id = question.cluster_id
        self.cluster_is_open = question.cluster.is_open
        self.language = scope_language(self.scope, self.user)
        # Joined before any resync is answered: whatever commits after a resync has read the database
        # reaches this socket as a broadcast, queued behind the resync's reply.
        self.question_group = events.question_group(self.question_id)
        await self.channel_layer.group_add(self.question_group, self.channel_name)
        await self.send(text_data='{"type":"hello"}')

    async def disconnect(self, code):
        if self.question_group:
            await self.channel_layer.group_discard(self.question_group, self.channel_name)
        await self.leave_person_group()

    async def _refuse(self, code: int = CLOSE_FORBIDDEN):
        if self.question_group:
            await self.channel_layer.group_discard(self.question_group, self.channel_name)
            self.question_group = None
        await self.close(code=code)


    # --- Frames from the client ------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.question_group is None:
            return  # refused or closed: nothing for this socket
        if text_data is not None and len(text_data) > MAX_FRAME:
            await self.send_error("frame_too_large")
            await self._refuse(CLOSE_TOO_BIG)
            return
        frame = None
        if text_data is not None:
            try:
                frame = json.loads(text_data)
            except (ValueError, RecursionError):
                frame = None
        if not isinstance(frame, dict) or frame.get("type") != "resync":
            # Writes go through the page's forms.
            await self.send_error("read_only")
            return
        try:
            after_id = frame_id(frame.get("after_id"), zero_ok=True)
            since = None if frame.get("since") is None else frame_time(frame["since"], earlier_by=EDIT_MARGIN)
        except ValueError:
            await self.send_error("malformed", ref="resync")
            return
        now = time.monotonic()
        if len(self.resync_times) == RESYNC_BUDGET and now - self.resync_times[0] < 10:
            await self.send_error("rate_limited", ref="resync")
            return
        self.resync_times.append(now)
        try:
            reply = await socket_db(self._resync)(after_id, since)
        except Exception:
            log.exception("question resync failed")
            await self._refuse(CLOSE_RECONNECT)
            return
        if reply is None:
            await self.send_error("forbidden", ref="resync")
            await self._refuse()
            return
        for text in reply:
            await self.send(text_data=text)

    def _resync(self, after_id: int, since) -> list[str] | None:
        """The reply to a resync as frame texts, or None when the person may no longer read the question.
        5 queries at most: the person (still active? still a superuser?), the question as this person
        (their memberships now), the new answers with their authors, the edited ones, the scores."""
        synced_at = timezone.now()
        people = get_user_model().objects.filter(pk=self.user.pk)
        flags = people.values_list("is_active", "is_superuser").first()
        if flags is None or not flags[0]:
            return None
        self.user.is_active, self.user.is_superuser = flags
        try:
            question = selectors.question_get_for_user(user=self.user, question_id=self.question_id)
        except Http404:
            return None
        with translation.override(self.language):
            answers = selectors.answers_after(question=question, after_id=after_id, limit=RESYNC_BATCH + 1)
            more = len(answers) > RESYNC_BATCH
            answers = selectors.with_attachments(question, answers[:RESYNC_BATCH])
            texts = [events.dumps(events.answer_frame(answer)) for answer in answers]
            answers_title = events.answers_title(question.answer_count)
        if since is not None:
            edited = selectors.answers_edited_since(
                question=question, up_to_id=after_id, since=since, limit=EDITED_MAX
            )
            texts += [events.dumps(events.answer_edited_frame(answer_id=pk, html=html)) for pk, html in edited]
            if question.edited_at is not None and question.edited_at >= since:
                texts.append(events.dumps(events.question_edited_frame(question)))
        scores = selectors.answer_scores(question=question)
        texts.append(
            events.dumps(
                {
                    "type": "resynced",
                    "question": question.pk,
                    "last_id": answers[-1].pk if answers else after_id,
                    "more": more,
                    "synced_at": synced_at.isoformat(),
                    "score": question.score,
                    "scores": {str(pk): score for pk, score in scores.items()},
                    "accepted": question.accepted_answer_id,
                    "status": question.status,
                    "answer_count": question.answer_count,
                    "answers_title": answers_title,
                }
            )
        )
        return texts

    # --- Events from the channel layer -----------------------------------------------------------

    async def question_frame(self, event):
        if self.question_group:
            # A frame with words in it comes in each language (events._send): the reader's.
            await self.send(text_data=event.get("texts", {}).get(self.language) or event["text"])
            count_text = event.get("count_texts", {}).get(self.language)
            if count_text is not None:
                await self.send(text_data=count_text)

    async def access_revoked(self, event):
        if event.get("cluster_id") is not None and event.get("cluster_id") == self.cluster_id:
            if self.cluster_is_open:
                return  # an open cluster's questions stay readable by anyone
            await self._refuse()
