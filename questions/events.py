"""The frames Q&A sends (through infra.realtime). Services call the `*_on_commit` helpers inside their
transaction; the group send happens after the commit, so a rolled-back write never reaches a socket.

Group ``question-<id>`` (consumer method ``question_frame``) gets {"text": <frame JSON>}. Frames:
- {"type": "answer", "id", "question", "html"}: a new answer, rendered without per-person controls, in
  each of the site's languages (``texts``: each socket sends its reader's); its event also carries
  ``count_texts``: the frame {"type": "answer_count", "count", "title"} in each of the site's
  languages, the heading over the answers; each socket sends its reader's after the answer);
- {"type": "answer_edited", "id", "html"};
- {"type": "question_edited", "question", "title", "html"}: the question's new title and body;
- {"type": "vote", "post": "question"|"answer", "id", "score"};
- {"type": "accepted", "question", "answer": id or null, "previous": id or null, "status"}.

The consumer sends the same `answer` and `answer_edited` frames (built here) when it answers a client's
`resync`; docs/PROTOCOL.md describes the whole protocol.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.timesince import timesince
from django.utils.translation import ngettext

from infra.realtime import dumps, group_send, in_each_language, send_on_commit
from messaging.events import attachment_data


def question_group(question_id: int) -> str:
    return f"question-{question_id}"


def _send(question_id: int, frame: dict | None, *, build=None, **extra) -> None:
    """Sends a frame to the question's sockets after the commit. With `build` (a function of no
    arguments returning the frame), the frame is built after the commit once per site language, in it:
    the event's ``texts``, of which each socket sends its reader's (``text`` is the site's default)."""
    group = question_group(question_id)
    if build is None:
        send_on_commit(group, {"type": "question.frame", "text": dumps(frame), **extra})
        return

    def send():
        texts = in_each_language(build)
        text = texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()))
        group_send(group, {"type": "question.frame", "texts": texts, "text": text, **extra})

    transaction.on_commit(send)


def answer_fragment(answer) -> str:
    return render_to_string("questions/_answer.html", {"answer": answer, "question": answer.question, "live": True,
                                                       "when": timesince(answer.created_at)})


def answer_frame(answer) -> dict:
    return {"type": "answer", "id": answer.pk, "question": answer.question_id, "html": answer_fragment(answer),
            "attachments": [attachment_data(item) for item in getattr(answer, "attachment_list", ())]}


def answer_edited_frame(*, answer_id: int, html: str) -> dict:
    return {"type": "answer_edited", "id": answer_id, "html": html}


def answers_title(count: int) -> str:
    """The heading over a question's answers ("3 answers"), in the active language: the same text as
    the question page's `blocktranslate count`."""
    return ngettext("%(n)s answer", "%(n)s answers", count) % {"n": count}


def answer_count_texts(count: int) -> dict[str, str]:
    """The `answer_count` frame's JSON in each of the site's languages: built once per new answer, so
    that delivering it is a dictionary lookup per socket (the socket knows its reader's language)."""
    return in_each_language(lambda: {"type": "answer_count", "count": count, "title": answers_title(count)})


def answer_posted_on_commit(answer) -> None:
    """A new answer reaches every reader in their own language (its fragment says "answered … ago"):
    rendered once per language after the commit, not in the writer's."""
    _send(answer.question_id, None, build=lambda: answer_frame(answer),
          count_texts=answer_count_texts(answer.question.answer_count))


def answer_edited_on_commit(answer) -> None:
    _send(answer.question_id, answer_edited_frame(answer_id=answer.pk, html=answer.body_html))


def question_edited_frame(question) -> dict:
    return {"type": "question_edited", "question": question.pk, "title": question.title, "html": question.body_html}


def question_edited_on_commit(question) -> None:
    _send(question.pk, question_edited_frame(question))


def vote_changed_on_commit(*, question_id: int, post: str, post_id: int, score: int) -> None:
    _send(question_id, {"type": "vote", "post": post, "id": post_id, "score": score})


def accepted_changed_on_commit(*, question, previous_id: int | None) -> None:
    _send(question.pk, {"type": "accepted", "question": question.pk, "answer": question.accepted_answer_id,
                        "previous": previous_id, "status": question.status})
