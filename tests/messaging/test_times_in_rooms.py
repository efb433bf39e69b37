"""A message's time is the same element on page load and in a live frame, in the reader's language
and time zone (clusters.times): relative when recent, the exact time in its title."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import timezone

from messaging import services
from messaging.models import Message
from tests.messaging.test_consumers import open_socket, receive


def page_time(page: str, message_id: int) -> str:
    row = re.search(rf'<li[^>]* id="m{message_id}".*?</li>', page, re.S).group(0)
    return re.search(r"<time .*?</time>", row).group(0)


@pytest.mark.parametrize("zone", ["America/Tegucigalpa", "Europe/Madrid"])
def test_the_room_page_shows_an_older_message_at_its_time_in_the_readers_zone(client, general, ana, mateo, zone):
    message = services.message_post(room=general, author=mateo, body="hola")
    created = timezone.now() - timedelta(hours=3)
    Message.objects.filter(pk=message.pk).update(created_at=created)
    ana.time_zone, ana.language = zone, "es"
    ana.save(update_fields=["time_zone", "language"])
    client.force_login(ana)
    time = page_time(client.get(reverse("messaging:room", args=[general.pk])).content.decode(), message.pk)
    local = created.astimezone(zoneinfo.ZoneInfo(zone))
    now_local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    if local.date() == now_local.date():
        assert time.endswith(f">{local:%H:%M}</time>")
    assert f"({zone})" in time and "data-rel" not in time


def test_a_new_message_reads_now_and_a_visitors_cookie_zone_applies(client, general, ana, mateo):
    message = services.message_post(room=general, author=mateo, body="hola")
    client.force_login(ana)
    client.cookies["puente_tz"] = "Asia/Tokyo"
    time = page_time(client.get(reverse("messaging:room", args=[general.pk])).content.decode(), message.pk)
    assert "(Asia/Tokyo)" in time and time.endswith(">now</time>") and "data-rel" in time


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_channel_layer")
async def test_live_rows_carry_the_same_time_as_the_page_in_each_readers_language_and_zone(
    general, ana, mateo, lucia, settings
):
    settings.PUENTE_MESSAGE_EDIT_WINDOW = 10**6
    ana.language, ana.time_zone = "es", "America/Tegucigalpa"
    lucia.language, lucia.time_zone = "pt-br", "Europe/Lisbon"
    for person in (ana, lucia):
        await database_sync_to_async(person.save)(update_fields=["language", "time_zone"])
    sockets = {"ana": await open_socket(ana, general.pk), "lucia": await open_socket(lucia, general.pk)}
    message = await database_sync_to_async(services.message_post)(room=general, author=mateo, body="hola")
    rows = {name: (await receive(socket, "message"))["row"] for name, socket in sockets.items()}
    assert re.search(r'<time [^>]*title="[^"]*\(America/Tegucigalpa\)"[^>]*>ahora</time>', rows["ana"])
    assert re.search(r'<time [^>]*title="[^"]*\(Europe/Lisbon\)"[^>]*>agora</time>', rows["lucia"])

    # An edit, hours later, shows the clock time in each reader's zone, as their page does.
    created = timezone.now() - timedelta(hours=2)
    await database_sync_to_async(Message.objects.filter(pk=message.pk).update)(created_at=created)
    edited = await database_sync_to_async(Message.objects.select_related("room", "author").get)(pk=message.pk)
    await database_sync_to_async(services.message_edit)(message=edited, editor=mateo, body="hola a todos")
    for name, zone in (("ana", "America/Tegucigalpa"), ("lucia", "Europe/Lisbon")):
        row = (await receive(sockets[name], "edited"))["row"]
        assert f"({zone})" in row
    for socket in sockets.values():
        await socket.disconnect()


def test_the_socket_row_and_the_page_row_have_the_same_time_element(client, general, ana, mateo):
    from messaging import rendering

    message = services.message_post(room=general, author=mateo, body="hola")
    ana.language, ana.time_zone = "es", "America/Tegucigalpa"
    ana.save(update_fields=["language", "time_zone"])
    client.force_login(ana)
    on_load = page_time(client.get(reverse("messaging:room", args=[general.pk])).content.decode(), message.pk)
    message = Message.objects.select_related("author", "room").get(pk=message.pk)
    message.reaction_list, message.attachment_list = (), []
    live = rendering.row_for_everyone(message, room=general, language="es", zone="America/Tegucigalpa")
    assert re.search(r"<time .*?</time>", live).group(0) == on_load
