"""The live question page's socket through WebsocketCommunicator, on the configured channel layer.

Transactional database access: the consumer reads in its own database thread, and events are sent
only on a real commit.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError

from clusters import services as cluster_services
from questions import services
from questions.models import Vote
from questions.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_channel_layer")]

application = URLRouter(websocket_urlpatterns)


async def open_socket(user, question_id: int):
    communicator = WebsocketCommunicator(application, f"/ws/questions/{question_id}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_frame(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=5))


async def test_anonymous_sockets_close_with_4401(question):
    socket = await open_socket(None, question.pk)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_outsiders_and_missing_questions_close_with_4403(question, otto, ana):
    socket = await open_socket(otto, question.pk)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    socket = await open_socket(ana, 999_999)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_answers_votes_and_acceptance_arrive_live(question, ana, mateo):
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    answer = await database_sync_to_async(services.answer_post)(
        question=question, author=mateo, body="Haz el **Prior Notice**"
    )
    frame = await next_frame(socket)
    assert frame["type"] == "answer" and frame["id"] == answer.pk
    assert "<strong>Prior Notice</strong>" in frame["html"] and f'id="a{answer.pk}"' in frame["html"]
    assert await next_frame(socket) == {"type": "answer_count", "count": 1, "title": "1 answer"}
    await database_sync_to_async(services.vote_cast)(user=ana, answer=answer, value=Vote.UP)
    assert await next_frame(socket) == {"type": "vote", "post": "answer", "id": answer.pk, "score": 1}
    await database_sync_to_async(services.answer_accept)(question=question, answer=answer, acting_user=ana)
    frame = await next_frame(socket)
    assert frame == {
        "type": "accepted",
        "question": question.pk,
        "answer": answer.pk,
        "previous": None,
        "status": "answered",
    }
    await socket.disconnect()


async def test_each_reader_gets_the_new_answer_count_in_their_language(question, answer, ana, mateo, lucia):
    ana.language = "es"
    await database_sync_to_async(ana.save)(update_fields=["language"])
    mateo.language = "en"
    await database_sync_to_async(mateo.save)(update_fields=["language"])
    sockets = [await open_socket(ana, question.pk), await open_socket(mateo, question.pk)]
    for socket in sockets:
        assert (await next_frame(socket))["type"] == "hello"
    await database_sync_to_async(services.answer_post)(question=question, author=lucia, body="Y el FSVP.")
    for socket, title in zip(sockets, ["2 respuestas", "2 answers"], strict=True):
        assert (await next_frame(socket))["type"] == "answer"
        assert await next_frame(socket) == {"type": "answer_count", "count": 2, "title": title}
    # And a resync says the same, in the reader's language.
    await sockets[0].send_json_to({"type": "resync", "after_id": 10**9})
    _frames, resynced = await frames_until_resynced(sockets[0])
    assert resynced["answer_count"] == 2 and resynced["answers_title"] == "2 respuestas"
    for socket in sockets:
        await socket.disconnect()


def test_the_answer_count_frame_is_ready_in_every_language_of_the_site():
    from django.conf import settings

    from questions.events import answer_count_texts

    texts = answer_count_texts(1)
    assert sorted(texts) == sorted(code for code, _name in settings.LANGUAGES)
    assert {code: json.loads(text)["title"] for code, text in texts.items()} == {
        "en": "1 answer", "es": "1 respuesta", "pt-br": "1 resposta",
    }
    assert json.loads(answer_count_texts(3)["pt-br"]) == {"type": "answer_count", "count": 3, "title": "3 respostas"}


async def test_an_edited_question_arrives_live_and_in_a_resync(question, ana):
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": 0})
    _frames, resynced = await frames_until_resynced(socket)
    edited = await database_sync_to_async(services.question_edit)(
        question=question, acting_user=ana, title="¿Qué exige la FDA al café verde?",
        body="Pregunto por el **Prior Notice**.", topics=question.topics,
    )
    expected = {"type": "question_edited", "question": question.pk, "title": "¿Qué exige la FDA al café verde?",
                "html": edited.body_html}
    assert await next_frame(socket) == expected and "<strong>Prior Notice</strong>" in edited.body_html
    # A page that was away since before the edit gets it in its resync; one that had it, does not.
    await socket.send_json_to({"type": "resync", "after_id": 0, "since": resynced["synced_at"]})
    frames, _ = await frames_until_resynced(socket)
    assert frames == [expected]
    from datetime import timedelta

    from django.utils import timezone

    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    await socket.send_json_to({"type": "resync", "after_id": 0, "since": later})
    frames, _ = await frames_until_resynced(socket)
    assert frames == []
    await socket.disconnect()


async def test_a_refused_write_sends_nothing(question, ana, mateo):
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    with pytest.raises(ValidationError):
        await database_sync_to_async(services.answer_post)(question=question, author=mateo, body="")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_leaving_a_by_approval_cluster_closes_the_socket(question, coffee, mateo):
    socket = await open_socket(mateo, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await database_sync_to_async(cluster_services.membership_leave)(cluster=coffee, user=mateo)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_notification_frames_on_the_persons_group_do_not_break_the_socket(question, ana, mateo):
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    # mateo's answer notifies ana through her user-<id> group, which this socket also listens to.
    await database_sync_to_async(services.answer_post)(question=question, author=mateo, body="Sí")
    assert (await next_frame(socket))["type"] == "answer"
    assert (await next_frame(socket))["type"] == "answer_count"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


# --- Catching up: resync (docs/PROTOCOL.md, "Question pages") --------------------------------------


async def frames_until_resynced(socket) -> tuple[list[dict], dict]:
    """The frames a resync answers with, and its closing `resynced` frame."""
    got = []
    while True:
        frame = await next_frame(socket)
        if frame["type"] == "resynced":
            return got, frame
        got.append(frame)


def _render_marker(question) -> tuple[int, str]:
    """What the question page carries: the newest answer id and the time, read as the page renders."""
    from django.utils import timezone

    from questions import selectors

    moment = timezone.now()
    return selectors.question_get_for_user(
        user=question.author, question_id=question.pk, with_last_answer_id=True
    ).last_answer_id, moment.isoformat()


async def test_a_resync_sends_what_happened_between_the_render_and_the_connect(question, answer, ana, mateo, lucia):
    # The page rendered with mateo's answer; then, before its socket connected, lucia answered, ana
    # voted mateo's answer up and accepted lucia's.
    after_id, since = await database_sync_to_async(_render_marker)(question)
    assert after_id == answer.pk
    later = await database_sync_to_async(services.answer_post)(question=question, author=lucia, body="Y el **FSVP**.")
    await database_sync_to_async(services.vote_cast)(user=ana, answer=answer, value=Vote.UP)
    await database_sync_to_async(services.answer_accept)(question=question, answer=later, acting_user=ana)

    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": after_id, "since": since})
    frames, resynced = await frames_until_resynced(socket)
    assert [(f["type"], f["id"]) for f in frames] == [("answer", later.pk)]
    assert "<strong>FSVP</strong>" in frames[0]["html"] and f'id="a{later.pk}"' in frames[0]["html"]
    assert 'class="card qa-answer is-accepted"' in frames[0]["html"]
    assert resynced == {
        "type": "resynced",
        "question": question.pk,
        "last_id": later.pk,
        "more": False,
        "synced_at": resynced["synced_at"],
        "score": 0,
        "scores": {str(answer.pk): 1, str(later.pk): 0},
        "accepted": later.pk,
        "status": "answered",
        "answer_count": 2,
        "answers_title": "2 answers",
    }
    # A page that holds everything gets no answer a second time, only the state.
    await socket.send_json_to({"type": "resync", "after_id": later.pk, "since": resynced["synced_at"]})
    frames, again = await frames_until_resynced(socket)
    assert frames == [] and again["last_id"] == later.pk and again["accepted"] == later.pk
    await socket.disconnect()


async def test_a_resync_sends_the_answers_edited_since_the_page_had_them(question, answer, ana, mateo):
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    after_id, since = await database_sync_to_async(_render_marker)(question)
    await database_sync_to_async(services.answer_edit)(answer=answer, acting_user=mateo, body="Registra *ya*.")
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": after_id, "since": since})
    frames, resynced = await frames_until_resynced(socket)
    assert frames == [{"type": "answer_edited", "id": answer.pk, "html": "<p>Registra <em>ya</em>.</p>\n"}]
    assert parse_datetime(resynced["synced_at"]) >= parse_datetime(since)
    # Edits made well before the page's time are in the page already.
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    await socket.send_json_to({"type": "resync", "after_id": after_id, "since": later})
    frames, _ = await frames_until_resynced(socket)
    assert frames == []
    # Without `since`, no edits: only new answers and the state.
    await socket.send_json_to({"type": "resync", "after_id": 0})
    frames, _ = await frames_until_resynced(socket)
    assert [f["type"] for f in frames] == ["answer"]
    await socket.disconnect()


async def test_a_long_gap_comes_in_batches(question, ana, mateo, monkeypatch):
    from questions import consumers

    monkeypatch.setattr(consumers, "RESYNC_BATCH", 2)
    answers = [
        await database_sync_to_async(services.answer_post)(question=question, author=mateo, body=f"Respuesta {i}")
        for i in range(3)
    ]
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": 0})
    frames, resynced = await frames_until_resynced(socket)
    assert [f["id"] for f in frames] == [answers[0].pk, answers[1].pk]
    assert resynced["more"] is True and resynced["last_id"] == answers[1].pk
    await socket.send_json_to({"type": "resync", "after_id": resynced["last_id"]})
    frames, resynced = await frames_until_resynced(socket)
    assert [f["id"] for f in frames] == [answers[2].pk]
    assert resynced["more"] is False and resynced["last_id"] == answers[2].pk
    await socket.disconnect()


async def test_an_answer_committed_after_the_join_arrives_both_live_and_in_the_resync(question, ana, mateo):
    # The socket joins the question's group before it reads anything for a resync, so nothing falls
    # between the two; what falls in both comes twice, and the client shows an id once
    # (static/js/questions.js; the browser test checks it).
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    answer = await database_sync_to_async(services.answer_post)(question=question, author=mateo, body="Sí")
    await socket.send_json_to({"type": "resync", "after_id": 0})
    got = []
    while not await socket.receive_nothing(timeout=0.5):
        got.append(await next_frame(socket))
    assert [(f["type"], f.get("id")) for f in got if f["type"] == "answer"] == [("answer", answer.pk)] * 2
    assert [f["last_id"] for f in got if f["type"] == "resynced"] == [answer.pk]
    await socket.disconnect()


async def test_someone_who_lost_access_gets_nothing_from_a_resync_and_is_closed(question, answer, mateo, coffee):
    from clusters.models import ClusterMembership

    socket = await open_socket(mateo, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    # Removed without the access.revoked event reaching this socket (say, the event was lost): the resync
    # reads the person's memberships again.
    await database_sync_to_async(ClusterMembership.objects.filter(user=mateo, cluster=coffee).update)(
        status=ClusterMembership.Status.REMOVED
    )
    await socket.send_json_to({"type": "resync", "after_id": 0})
    assert await next_frame(socket) == {"type": "error", "code": "forbidden", "ref": "resync"}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    # Reconnecting does not help.
    socket = await open_socket(mateo, question.pk)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_a_deactivated_person_gets_nothing_from_a_resync(question, answer, ana):
    from clusters.models import User

    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await database_sync_to_async(User.objects.filter(pk=ana.pk).update)(is_active=False)
    await socket.send_json_to({"type": "resync", "after_id": 0})
    assert await next_frame(socket) == {"type": "error", "code": "forbidden", "ref": "resync"}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_bad_resync_frames_and_writes_are_refused(question, ana, monkeypatch):
    from questions import consumers

    monkeypatch.setattr(consumers, "RESYNC_BUDGET", 2)
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    for frame in [
        {"type": "resync"},
        {"type": "resync", "after_id": "7"},
        {"type": "resync", "after_id": -1},
        {"type": "resync", "after_id": True},
        {"type": "resync", "after_id": 2**63},
        {"type": "resync", "after_id": 0, "since": "yesterday"},
    ]:
        await socket.send_json_to(frame)
        assert await next_frame(socket) == {"type": "error", "code": "malformed", "ref": "resync"}, frame
    for text in ['{"type":"message","body":"hola"}', "not json", "[]"]:
        await socket.send_to(text_data=text)
        assert await next_frame(socket) == {"type": "error", "code": "read_only"}
    for _ in range(2):
        await socket.send_json_to({"type": "resync", "after_id": 0})
        await frames_until_resynced(socket)
    await socket.send_json_to({"type": "resync", "after_id": 0})
    assert await next_frame(socket) == {"type": "error", "code": "rate_limited", "ref": "resync"}
    await socket.send_to(text_data=" " * 2000)
    assert await next_frame(socket) == {"type": "error", "code": "frame_too_large"}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 1009}


def test_a_resync_costs_the_same_queries_with_many_answers(question, answer, ana, django_assert_num_queries):
    from questions.consumers import QuestionConsumer
    from questions.models import Answer

    consumer = QuestionConsumer()
    consumer.user, consumer.question_id, consumer.language = ana, question.pk, "es"
    # The person, the question as the person, the new answers with their authors, their files, the edited
    # ones, the scores.
    with django_assert_num_queries(6):
        assert len(consumer._resync(0, _aware_past())) == 2  # mateo's answer, the state
    Answer.objects.bulk_create(
        Answer(question=question, author=answer.author, body=f"r{i}", body_html=f"<p>r{i}</p>") for i in range(300)
    )
    with django_assert_num_queries(6):
        texts = consumer._resync(0, _aware_past())
    assert len(texts) == 200 + 1  # a batch of answers, the state
    assert json.loads(texts[-1])["more"] is True


def _aware_past():
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


async def test_a_resync_through_the_whole_stack_with_a_session_cookie(question, answer, ana):
    # As a browser connects: origin check, session cookie, AuthMiddlewareStack (a lazy user), the consumer.
    from django.conf import settings
    from django.test import Client

    from config.asgi import application as full_application

    def log_in():
        client = Client()
        client.force_login(ana)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    cookie = await database_sync_to_async(log_in)()
    socket = WebsocketCommunicator(
        full_application,
        f"/ws/questions/{question.pk}/",
        headers=[
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )
    connected, _ = await socket.connect()
    assert connected
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": 0})
    frames, resynced = await frames_until_resynced(socket)
    assert [f["id"] for f in frames] == [answer.pk] and resynced["last_id"] == answer.pk
    await socket.disconnect()


async def test_a_resync_renders_answers_in_the_persons_language(question, answer, ana):
    # Unlike a broadcast (rendered once for everyone), a resync's answers are for this page only.
    ana.language = "pt-br"
    socket = await open_socket(ana, question.pk)
    assert (await next_frame(socket))["type"] == "hello"
    await socket.send_json_to({"type": "resync", "after_id": 0})
    frames, _ = await frames_until_resynced(socket)
    assert "respondeu há" in frames[0]["html"]
    await socket.disconnect()


async def test_a_new_answer_reaches_each_reader_in_their_language_not_the_writers(question, ana, mateo, lucia):
    ana.language, mateo.language, lucia.language = "es", "pt-br", "en"
    for person in (ana, mateo, lucia):
        await database_sync_to_async(person.save)(update_fields=["language"])
    sockets = [await open_socket(ana, question.pk), await open_socket(mateo, question.pk)]
    for socket in sockets:
        assert (await next_frame(socket))["type"] == "hello"

    def post_as_writer():
        from django.utils import translation

        with translation.override("en"):  # the writer's request
            return services.answer_post(question=question, author=lucia, body="Registra la instalación.")

    answer = await database_sync_to_async(post_as_writer)()
    for socket, said in zip(sockets, ["Lucía Vargas respondió hace", "Lucía Vargas respondeu há"], strict=True):
        frame = await next_frame(socket)
        assert frame["type"] == "answer" and frame["id"] == answer.pk
        assert said in frame["html"] and "answered" not in frame["html"]
        assert (await next_frame(socket))["type"] == "answer_count"
    for socket in sockets:
        await socket.disconnect()
