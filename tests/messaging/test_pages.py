import pytest
from django.urls import reverse

from messaging import services
from messaging.models import Message, ReadPosition


def test_the_room_page_shows_messages_and_posting_works_without_javascript(client, general, ana):
    services.message_post(room=general, author=ana, body="Hola a todos, ¿alguien exporta a Alemania?")
    client.force_login(ana)
    url = reverse("messaging:room", args=[general.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "alguien exporta a Alemania" in response.content.decode()
    response = client.post(url, {"body": "Yo, por el puerto de Cortés", "client_id": "form-1"})
    message = Message.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"{url}#m{message.pk}"
    assert message.body == "Yo, por el puerto de Cortés" and message.author == ana


def test_outsiders_get_404_on_the_room_page(client, general, otto):
    client.force_login(otto)
    assert client.get(reverse("messaging:room", args=[general.pk])).status_code == 404
    assert client.post(reverse("messaging:room", args=[general.pk]), {"body": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, general):
    response = client.get(reverse("messaging:room", args=[general.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
