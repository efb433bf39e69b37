"""The live question page's socket through WebsocketCommunicator, on the configured channel layer.

Transactional database access: the consumer reads in its own database thread, and events are sent
only on a real commit.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError

from clusters import services as cluster_services
from questions import services
from questions.models import Vote
from questions.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
async def _empty_layer():
    channel_layers.backends.clear()
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    yield
    channel_layers.backends.clear()


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
    await database_sync_to_async(services.vote_cast)(user=ana, answer=answer, value=Vote.UP)
    assert await next_frame(socket) == {"type": "vote", "post": "answer", "id": answer.pk, "score": 1}
    await database_sync_to_async(services.answer_accept)(question=question, answer=answer, acting_user=ana)
    frame = await next_frame(socket)
    assert frame == {"type": "accepted", "question": question.pk, "answer": answer.pk, "previous": None,
                     "status": "answered"}
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
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
