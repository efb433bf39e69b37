"""The one place Q&A talks to the channel layer. Services call the `*_on_commit` helpers inside their
transaction; the group send happens after the commit, so a rolled-back write never reaches a socket.

Group ``question-<id>`` (consumer method ``question_frame``) gets {"text": <frame JSON>}. Frames:
- {"type": "answer", "id", "question", "html"}: a new answer, rendered without per-person controls;
- {"type": "answer_edited", "id", "html"};
- {"type": "vote", "post": "question"|"answer", "id", "score"};
- {"type": "accepted", "question", "answer": id or null, "previous": id or null, "status"}.

The consumer sends the same `answer` and `answer_edited` frames (built here) when it answers a client's
`resync`; docs/PROTOCOL.md describes the whole protocol.
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.timesince import timesince


def question_group(question_id: int) -> str:
    return f"question-{question_id}"


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _send(question_id: int, frame: dict) -> None:
    text = dumps(frame)

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(question_group(question_id), {"type": "question.frame", "text": text})

    transaction.on_commit(send)


def answer_fragment(answer) -> str:
    return render_to_string("questions/_answer.html", {"answer": answer, "question": answer.question, "live": True,
                                                       "when": timesince(answer.created_at)})


def answer_frame(answer) -> dict:
    return {"type": "answer", "id": answer.pk, "question": answer.question_id, "html": answer_fragment(answer)}


def answer_edited_frame(*, answer_id: int, html: str) -> dict:
    return {"type": "answer_edited", "id": answer_id, "html": html}


def answer_posted_on_commit(answer) -> None:
    _send(answer.question_id, answer_frame(answer))


def answer_edited_on_commit(answer) -> None:
    _send(answer.question_id, answer_edited_frame(answer_id=answer.pk, html=answer.body_html))


def vote_changed_on_commit(*, question_id: int, post: str, post_id: int, score: int) -> None:
    _send(question_id, {"type": "vote", "post": post, "id": post_id, "score": score})


def accepted_changed_on_commit(*, question, previous_id: int | None) -> None:
    _send(question.pk, {"type": "accepted", "question": question.pk, "answer": question.accepted_answer_id,
                        "previous": previous_id, "status": question.status})
