"""The room's form and the socket post through one service (services.message_post → message_post_many):
the same checks, refused with the same error codes; nothing is silently dropped."""

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from messaging import services
from messaging.models import Message
from tests.messaging.test_consumers import open_socket, receive, send


def room_url(room) -> str:
    return reverse("messaging:room", args=[room.pk])


def test_the_form_refuses_a_reply_to_a_message_of_another_room(client, general, ana, mateo):
    elsewhere = services.message_post(room=services.room_direct(user=ana, other=mateo), author=mateo, body="privado")
    client.force_login(ana)
    response = client.post(room_url(general), {"body": "re", "reply_to": elsewhere.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "You can only reply to a message in the same room." in page and "data-refusal" in page
    assert ">\nre</textarea>" in page  # what was written stays in the composer
    assert not Message.objects.filter(room=general).exists()


def test_the_form_refuses_a_reply_to_a_message_that_does_not_exist(client, general, ana):
    client.force_login(ana)
    response = client.post(room_url(general), {"body": "re", "reply_to": 999999})
    assert "You can only reply to a message in the same room." in response.content.decode()
    assert not Message.objects.exists()


def test_the_composers_upload_gets_the_same_error_code_as_the_socket(client, general, ana, mateo):
    elsewhere = services.message_post(room=services.room_direct(user=ana, other=mateo), author=mateo, body="privado")
    client.force_login(ana)
    response = client.post(room_url(general), {"body": "re", "reply_to": elsewhere.pk}, headers={"accept": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "reply_elsewhere"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_channel_layer")
async def test_the_socket_refuses_a_reply_to_a_message_that_does_not_exist(general, ana):
    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "message", "body": "re", "client_id": "x1", "reply_to": 999999})
    error = await receive(socket, "error")
    assert error["code"] == "reply_elsewhere" and error["client_id"] == "x1"
    assert error["message"] == "You can only reply to a message in the same room."
    await socket.disconnect()
    assert not await database_sync_to_async(Message.objects.exists)()


def test_the_rate_limit_is_the_same_for_both_paths(client, general, ana, settings):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "message": (2, 60)}
    services.message_post_many(room=general, author=ana, items=[("uno", "a", None)])  # the socket's way
    client.force_login(ana)
    assert client.post(room_url(general), {"body": "dos"}).status_code == 302  # the form's way
    refused = services.message_post_many(room=general, author=ana, items=[("tres", "c", None)])
    assert refused[0].code == "rate_limited"
    assert client.post(room_url(general), {"body": "cuatro"}).status_code == 429
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == ["uno", "dos"]


def test_a_reply_in_the_same_room_is_kept_by_both_paths(general, ana, mateo):
    question = services.message_post(room=general, author=mateo, body="¿Qué puntaje?")
    by_form = services.message_post(room=general, author=ana, body="86", reply_to=question.pk)
    (by_socket,) = services.message_post_many(room=general, author=ana, items=[("87", "s", question.pk)])
    assert by_form.reply_to == question and by_socket.reply_to == question
