"""The room consumer through channels' WebsocketCommunicator, on the configured channel layer.

Transactional database access: the consumer reads through its own database thread, which must see
what the test wrote, and broadcasts only happen on a real commit.
"""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from clusters import services as cluster_services
from clusters.models import ClusterMembership
from messaging import services
from messaging.consumers import MAX_FRAME
from messaging.models import Message, ReadPosition
from messaging.routing import websocket_urlpatterns
from messaging.sockets import socket_db

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_channel_layer")]

application = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _quick_presence(monkeypatch):
    from messaging import presence

    monkeypatch.setattr(presence, "PRESENCE_DEBOUNCE", 0.01)


async def open_socket(user, room_id: int, *, refused: bool = False) -> WebsocketCommunicator:
    """A connected socket. Unless it is expected to be refused, waits for the first presence frame,
    which the consumer sends once it has joined the room's group (as a browser's resync would)."""
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room_id}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    if not refused:
        communicator.first_presence = await receive(communicator, "presence")
    return communicator


def _held(communicator) -> list[dict]:
    if not hasattr(communicator, "held"):
        communicator.held = []
    return communicator.held


async def receive(communicator, kind: str, timeout: float = 2) -> dict:
    """The next frame of this type. Frames of other types met on the way are held for a later call:
    the order between types is not promised (the broadcast of one's own message may come before or
    after its ack), only the order within a type."""
    held = _held(communicator)
    for i, frame in enumerate(held):
        if frame["type"] == kind:
            return held.pop(i)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"no {kind} frame"
        frame = json.loads(await communicator.receive_from(timeout=remaining))
        if frame["type"] == kind:
            return frame
        held.append(frame)


async def nothing_of(communicator, kind: str, timeout: float = 0.3) -> None:
    assert all(frame["type"] != kind for frame in _held(communicator)), _held(communicator)
    while not await communicator.receive_nothing(timeout=timeout):
        frame = json.loads(await communicator.receive_from())
        assert frame["type"] != kind, frame


async def closed_with(communicator, code: int) -> None:
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            assert output.get("code") == code
            return


async def send(communicator, frame: dict) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


def count(**filters) -> int:
    return Message.objects.filter(**filters).count()


acount = database_sync_to_async(count)


# --- Connecting ---------------------------------------------------------------------------------


async def test_anonymous_people_are_closed_with_4401(general):
    communicator = await open_socket(None, general.pk, refused=True)
    await closed_with(communicator, 4401)


async def test_outsiders_are_closed_with_4403_in_every_kind_of_room(general, ana, mateo, otto, lucia):
    mentorship = await database_sync_to_async(services.room_create_mentorship)(mentor=mateo, mentee=ana, name="M")
    direct = await database_sync_to_async(services.room_direct)(user=ana, other=mateo)
    for room_id, outsider in [(general.pk, otto), (mentorship.pk, lucia), (direct.pk, lucia), (999999, ana)]:
        communicator = await open_socket(outsider, room_id, refused=True)
        await closed_with(communicator, 4403)
    for room_id in (general.pk, mentorship.pk, direct.pk):
        communicator = await open_socket(ana, room_id)
        assert communicator.first_presence["online"] == [ana.pk]
        await communicator.disconnect()


# --- Messages -----------------------------------------------------------------------------------


async def test_a_message_is_stored_acknowledged_with_the_client_id_and_reaches_the_others(general, ana, mateo):
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    await send(ana_socket, {"type": "message", "body": "¿Quién ha registrado su finca en la FDA?", "client_id": "a-1"})
    ack = await receive(ana_socket, "ack")
    assert ack["client_id"] == "a-1"
    frame = await receive(mateo_socket, "message")
    assert frame["id"] == ack["id"] and frame["author"] == {"id": ana.pk, "name": "Ana Martínez"}
    assert frame["html"] == "<p>¿Quién ha registrado su finca en la FDA?</p>\n"
    assert (await receive(ana_socket, "message"))["client_id"] == "a-1"
    assert await acount(room=general) == 1
    await ana_socket.disconnect()
    await mateo_socket.disconnect()


async def test_a_resent_client_id_is_stored_once_and_acknowledged_with_the_same_id(general, ana):
    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "message", "body": "hola", "client_id": "retry-1"})
    first = await receive(socket, "ack")
    await send(socket, {"type": "message", "body": "hola", "client_id": "retry-1"})
    again = await receive(socket, "ack")
    assert first["id"] == again["id"]
    assert await acount(room=general) == 1
    await socket.disconnect()


@pytest.mark.parametrize(
    "raw, code",
    [
        ('{"type": "message", "body": ""}', "empty"),
        (json.dumps({"type": "message", "body": "x" * 4001}), "too_long"),
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": "message", "body": 42}', "malformed"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"no": "type"}', "unknown_type"),
        ('{"type": "resync", "after_id": "x"}', "malformed"),
        ('{"type": "edit", "body": "x"}', "malformed"),
    ],
)
async def test_bad_frames_get_an_error_store_nothing_and_the_socket_stays_usable(general, ana, raw, code):
    socket = await open_socket(ana, general.pk)
    await socket.send_to(text_data=raw)
    assert (await receive(socket, "error"))["code"] == code
    assert await acount() == 0
    await send(socket, {"type": "message", "body": "still here", "client_id": "ok"})
    assert (await receive(socket, "ack"))["client_id"] == "ok"
    await socket.disconnect()


async def test_an_oversized_frame_is_answered_stored_nowhere_and_closed_with_1009(general, ana):
    socket = await open_socket(ana, general.pk)
    await socket.send_to(text_data=json.dumps({"type": "message", "body": "x" * MAX_FRAME, "client_id": "big"}))
    assert (await receive(socket, "error"))["code"] == "frame_too_large"
    await closed_with(socket, 1009)
    assert await acount() == 0


async def test_binary_frames_are_refused(general, ana):
    socket = await open_socket(ana, general.pk)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await receive(socket, "error"))["code"] == "binary_not_supported"
    await socket.disconnect()


async def test_the_21st_message_in_10_seconds_is_rate_limited_and_not_stored(general, ana):
    socket = await open_socket(ana, general.pk)
    for i in range(20):
        await send(socket, {"type": "message", "body": f"mensaje {i}", "client_id": f"r{i}"})
        await receive(socket, "ack")
    await send(socket, {"type": "message", "body": "uno más", "client_id": "r20"})
    error = await receive(socket, "error")
    assert error["code"] == "rate_limited" and error["client_id"] == "r20"
    assert 1 <= error["retry_after"] <= 20
    assert await acount() == 20
    await socket.disconnect()


async def test_a_mention_past_the_limit_is_answered_with_a_rate_limited_frame_in_the_writers_language(
    general, ana, mateo, settings
):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "mention": (2, 600)}
    ana.language = "es"
    await database_sync_to_async(ana.save)(update_fields=["language"])
    socket = await open_socket(ana, general.pk)
    for i in range(2):
        await send(socket, {"type": "message", "body": f"@mateo hola {i}", "client_id": f"m{i}"})
        await receive(socket, "ack")
    await send(socket, {"type": "message", "body": "@mateo ¿me lees?", "client_id": "m2"})
    error = await receive(socket, "error")
    assert error["code"] == "rate_limited" and error["ref"] == "message" and error["client_id"] == "m2"
    assert error["retry_after"] > 60
    assert error["message"].startswith("Has mencionado a muchas personas en poco tiempo.")
    assert "Vuelve a intentarlo en" in error["message"]
    assert await acount() == 2
    # The socket stays open, and a message without mentions goes through.
    await send(socket, {"type": "message", "body": "hola a todos", "client_id": "m3"})
    assert (await receive(socket, "ack"))["client_id"] == "m3"
    await socket.disconnect()


async def test_posting_in_an_archived_room_is_refused(ana, mateo):
    room = await database_sync_to_async(services.room_create_mentorship)(mentor=mateo, mentee=ana, name="M")
    await database_sync_to_async(services.room_archive)(room=room)
    socket = await open_socket(ana, room.pk)
    await send(socket, {"type": "message", "body": "hola", "client_id": "x"})
    assert (await receive(socket, "error"))["code"] == "archived"
    await socket.disconnect()


async def test_a_reply_must_point_into_the_same_room(general, ana, mateo):
    other = await database_sync_to_async(services.room_direct)(user=ana, other=mateo)
    elsewhere = await database_sync_to_async(services.message_post)(room=other, author=mateo, body="privado")
    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "message", "body": "re", "client_id": "x", "reply_to": elsewhere.pk})
    assert (await receive(socket, "error"))["code"] == "reply_elsewhere"
    await socket.disconnect()


# --- Edit, delete, typing, read ---------------------------------------------------------------------


async def test_the_author_edits_and_everyone_sees_it_but_nobody_else_can(general, ana, mateo):
    message = await database_sync_to_async(services.message_post)(room=general, author=ana, body="FOB 4.20")
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    await send(mateo_socket, {"type": "edit", "id": message.pk, "body": "hacked"})
    assert (await receive(mateo_socket, "error"))["code"] == "not_allowed"
    await send(ana_socket, {"type": "edit", "id": message.pk, "body": "FOB **4.50**"})
    edited = await receive(mateo_socket, "edited")
    assert edited["id"] == message.pk and "<strong>4.50</strong>" in edited["html"]
    await ana_socket.disconnect()
    await mateo_socket.disconnect()


async def test_members_cannot_delete_others_messages_but_facilitators_can(general, ana, mateo, lucia):
    message = await database_sync_to_async(services.message_post)(room=general, author=ana, body="oferta")
    mateo_socket = await open_socket(mateo, general.pk)
    lucia_socket = await open_socket(lucia, general.pk)
    await send(mateo_socket, {"type": "delete", "id": message.pk})
    assert (await receive(mateo_socket, "error"))["code"] == "not_allowed"
    await send(lucia_socket, {"type": "delete", "id": message.pk})
    assert (await receive(mateo_socket, "deleted"))["id"] == message.pk
    await mateo_socket.disconnect()
    await lucia_socket.disconnect()


async def test_editing_a_message_of_another_room_is_not_found(general, ana, mateo):
    direct = await database_sync_to_async(services.room_direct)(user=ana, other=mateo)
    message = await database_sync_to_async(services.message_post)(room=direct, author=ana, body="privado")
    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "edit", "id": message.pk, "body": "x"})
    assert (await receive(socket, "error"))["code"] == "not_found"
    await send(socket, {"type": "delete", "id": message.pk})
    assert (await receive(socket, "error"))["code"] == "not_found"
    await socket.disconnect()


async def test_typing_reaches_the_others(general, ana, mateo):
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    await send(ana_socket, {"type": "typing"})
    assert (await receive(mateo_socket, "typing"))["user"] == {"id": ana.pk, "name": "Ana Martínez"}
    await ana_socket.disconnect()
    await mateo_socket.disconnect()


async def test_read_moves_the_read_position(general, ana, mateo):
    message = await database_sync_to_async(services.message_post)(room=general, author=ana, body="hola")
    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "read", "id": message.pk})
    assert (await receive(socket, "read"))["last_read_id"] == message.pk
    position = await database_sync_to_async(ReadPosition.objects.get)(room=general, user=mateo)
    assert position.last_read_id == message.pk
    await socket.disconnect()


# --- Reconnecting ------------------------------------------------------------------------------


async def test_reconnect_and_resync_loses_nothing_and_doubles_nothing(general, ana, mateo):
    post = database_sync_to_async(services.message_post)
    socket = await open_socket(mateo, general.pk)
    seen = []
    for i in range(3):
        await post(room=general, author=ana, body=f"antes {i}")
        seen.append((await receive(socket, "message"))["id"])
    await socket.disconnect()
    # While Mateo is away: five messages, one deleted.
    missed = [(await post(room=general, author=ana, body=f"durante {i}")).pk for i in range(5)]
    await database_sync_to_async(services.message_delete)(
        message=await database_sync_to_async(Message.objects.get)(pk=missed[1]), acting_user=ana
    )
    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": seen[-1]})
    frames = []
    while True:
        frame = json.loads(await socket.receive_from(timeout=2))
        if frame["type"] == "message":
            frames.append(frame)
        if frame["type"] == "resynced":
            break
    assert [frame["id"] for frame in frames] == missed
    assert [frame["deleted"] for frame in frames] == [False, True, False, False, False]
    assert {key: frame[key] for key in ("type", "last_id", "more")} == {
        "type": "resynced", "last_id": missed[-1], "more": False}
    # After the resync the live stream goes on, with the next id only once.
    newest = await post(room=general, author=ana, body="después")
    assert (await receive(socket, "message"))["id"] == newest.pk
    await nothing_of(socket, "message")
    await socket.disconnect()


async def test_resync_replays_the_edits_and_deletions_of_messages_the_client_holds(general, ana, mateo):
    post = database_sync_to_async(services.message_post)
    held = [await post(room=general, author=ana, body=f"antes {i}") for i in range(4)]
    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": held[-1].pk})
    at = (await receive(socket, "resynced"))["at"]
    await socket.disconnect()
    # While Mateo is away, Ana edits one message he holds and deletes another; one before his window
    # (he does not show it) is edited too.
    edit = database_sync_to_async(services.message_edit)
    await edit(message=held[2], editor=ana, body="antes 2, corregido")
    await edit(message=held[0], editor=ana, body="fuera de la ventana")
    await database_sync_to_async(services.message_delete)(message=held[3], acting_user=ana)

    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": held[-1].pk, "changes_since": at, "from_id": held[1].pk})
    frames = []
    while (frame := json.loads(await socket.receive_from(timeout=2)))["type"] != "resynced":
        if frame["type"] in ("edited", "deleted", "message"):
            frames.append(frame)
    assert [(f["type"], f["id"]) for f in frames] == [("edited", held[2].pk), ("deleted", held[3].pk)]
    assert "corregido" in frames[0]["html"]
    # A resync without changes_since asks for new messages only, as before.
    await send(socket, {"type": "resync", "after_id": held[-1].pk})
    await receive(socket, "resynced")
    await nothing_of(socket, "edited")
    await socket.disconnect()


async def test_resync_tells_of_the_files_taken_down_from_messages_the_client_holds(general, ana, mateo, lucia):
    from attachments import services as attachment_services
    from attachments.models import Attachment
    from tests.attachments import files as f

    post = database_sync_to_async(services.message_post)
    held = await post(room=general, author=ana, body="la ficha", files=[f.upload("ficha.jpg", f.photo()),
                                                                       f.upload("precios.pdf", f.pdf())])
    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": held.pk})
    at = (await receive(socket, "resynced"))["at"]
    await socket.disconnect()
    # While Mateo is away, the facilitator takes the photo down.
    photo = await database_sync_to_async(Attachment.objects.get)(name="ficha.jpg")
    await database_sync_to_async(attachment_services.attachment_remove)(attachment=photo, acting_user=lucia)

    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": held.pk, "changes_since": at, "from_id": held.pk})
    frames = []
    while (frame := json.loads(await socket.receive_from(timeout=2)))["type"] != "resynced":
        if frame["type"] in ("attachment_removed", "edited", "deleted", "message"):
            frames.append(frame)
    assert frames == [{"type": "attachment_removed", "id": held.pk, "room": general.pk, "attachment": photo.key}]
    await socket.disconnect()


async def test_a_resync_with_a_bad_changes_since_is_refused_and_the_socket_stays_usable(general, ana):
    socket = await open_socket(ana, general.pk)
    for bad in ("yesterday", "2026-01-01T00:00:00", 17, "0001-01-01T00:00:00+00:00"):
        await send(socket, {"type": "resync", "after_id": 0, "changes_since": bad})
        error = await receive(socket, "error")
        assert (error["code"], error["ref"]) == ("malformed", "resync"), bad
    await send(socket, {"type": "resync", "after_id": 0, "changes_since": "2026-01-01T00:00:00+00:00"})
    assert (await receive(socket, "resynced"))["last_id"] == 0
    await socket.disconnect()


async def test_resync_pages_through_long_absences(general, ana, mateo, monkeypatch):
    from messaging import consumers

    monkeypatch.setattr(consumers, "RESYNC_BATCH", 2)
    monkeypatch.setattr(consumers, "RESYNC_MAX_BATCHES", 2)
    ids = [(await database_sync_to_async(services.message_post)(room=general, author=ana, body=f"m{i}")).pk
           for i in range(6)]
    socket = await open_socket(mateo, general.pk)
    await send(socket, {"type": "resync", "after_id": 0})
    got = [(await receive(socket, "message"))["id"] for _ in range(4)]
    resynced = await receive(socket, "resynced")
    assert (resynced["last_id"], resynced["more"]) == (ids[3], True)
    await send(socket, {"type": "resync", "after_id": got[-1]})
    got += [(await receive(socket, "message"))["id"] for _ in range(2)]
    assert got == ids
    assert (await receive(socket, "resynced"))["more"] is False
    await socket.disconnect()


# --- Losing access while connected -----------------------------------------------------------------


async def test_someone_removed_from_the_cluster_is_disconnected_and_stops_receiving(general, ana, mateo, lucia):
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    assert mateo_socket.first_presence["online"] == sorted([ana.pk, mateo.pk])
    membership = await database_sync_to_async(ClusterMembership.objects.get)(user=ana, cluster=general.cluster)
    await database_sync_to_async(cluster_services.membership_remove)(membership=membership, acting_user=lucia)
    await closed_with(ana_socket, 4403)
    # The others see her go offline.
    assert (await receive(mateo_socket, "presence"))["online"] == [mateo.pk]
    await database_sync_to_async(services.message_post)(room=general, author=mateo, body="¿sigue Ana?")
    assert await ana_socket.receive_nothing(timeout=0.3)
    await mateo_socket.disconnect()


async def test_leaving_the_cluster_disconnects_too(general, mateo):
    socket = await open_socket(mateo, general.pk)
    await database_sync_to_async(cluster_services.membership_leave)(cluster=general.cluster, user=mateo)
    await closed_with(socket, 4403)


async def test_a_suspended_member_is_disconnected(general, ana, lucia):
    socket = await open_socket(ana, general.pk)
    await database_sync_to_async(services.member_suspend)(cluster=general.cluster, user=ana, acting_user=lucia)
    await closed_with(socket, 4403)


async def test_deactivating_an_account_closes_all_its_sockets_and_no_one_elses(general, ana, mateo):
    room_socket = await open_socket(ana, general.pk)
    badge_socket = WebsocketCommunicator(application, "/ws/notifications/")
    badge_socket.scope["user"] = ana
    assert (await badge_socket.connect())[0]
    mateo_socket = await open_socket(mateo, general.pk)
    await database_sync_to_async(cluster_services.person_deactivate)(user=ana)
    await closed_with(room_socket, 4401)
    await closed_with(badge_socket, 4401)
    assert (await receive(mateo_socket, "presence"))["online"] == [mateo.pk]
    await send(mateo_socket, {"type": "message", "body": "sigo aquí", "client_id": "m"})
    assert (await receive(mateo_socket, "ack"))["client_id"] == "m"
    await mateo_socket.disconnect()


async def test_removal_from_another_cluster_leaves_the_socket_alone(general, ana, seafood, otto):
    await database_sync_to_async(cluster_services.membership_join)(cluster=seafood, user=ana)
    socket = await open_socket(ana, general.pk)
    await database_sync_to_async(cluster_services.membership_leave)(cluster=seafood, user=ana)
    await send(socket, {"type": "message", "body": "sigo aquí", "client_id": "x"})
    assert (await receive(socket, "ack"))["client_id"] == "x"
    await socket.disconnect()


async def test_every_frame_is_authorised_even_if_the_removal_event_was_missed(general, ana, mateo):
    """A write frame re-checks access in the database: without the removal event (membership changed
    behind the services' back) the socket is still refused and closed."""
    socket = await open_socket(ana, general.pk)
    await database_sync_to_async(
        lambda: ClusterMembership.objects.filter(user=ana).update(status=ClusterMembership.Status.REMOVED)
    )()
    await send(socket, {"type": "message", "body": "x", "client_id": "late"})
    error = await receive(socket, "error")
    assert error == {"type": "error", "code": "forbidden", "ref": "message", "client_id": "late"}
    await closed_with(socket, 4403)
    assert await acount() == 0


async def test_a_socket_refused_for_one_frame_type_is_refused_for_all(general, ana):
    """read, resync, edit and delete are checked like message."""
    for frame in (
        {"type": "read", "id": 1},
        {"type": "resync", "after_id": 0},
        {"type": "edit", "id": 1, "body": "x"},
        {"type": "delete", "id": 1},
    ):
        await database_sync_to_async(
            lambda: ClusterMembership.objects.filter(user=ana).update(status=ClusterMembership.Status.ACTIVE)
        )()
        socket = await open_socket(ana, general.pk)
        await database_sync_to_async(
            lambda: ClusterMembership.objects.filter(user=ana).update(status=ClusterMembership.Status.REMOVED)
        )()
        await send(socket, frame)
        assert (await receive(socket, "error"))["code"] == "forbidden", frame
        await closed_with(socket, 4403)


# --- Presence and notifications ------------------------------------------------------------------


async def test_presence_shows_who_is_in_the_room(general, ana, mateo):
    ana_socket = await open_socket(ana, general.pk)
    assert ana_socket.first_presence["online"] == [ana.pk]
    mateo_socket = await open_socket(mateo, general.pk)
    assert (await receive(ana_socket, "presence"))["online"] == sorted([ana.pk, mateo.pk])
    await mateo_socket.disconnect()
    assert (await receive(ana_socket, "presence"))["online"] == [ana.pk]
    await ana_socket.disconnect()


async def test_a_mention_reaches_the_persons_sockets_live_and_sends_no_email_when_online(
    general, ana, mateo, mailoutbox
):
    mateo_socket = await open_socket(mateo, general.pk)
    ana_socket = await open_socket(ana, general.pk)
    await send(ana_socket, {"type": "message", "body": "@mateo ¿tienes el formulario de la FDA?", "client_id": "m"})
    note = await receive(mateo_socket, "notification")
    assert note["kind"] == "mention" and note["unread"] == 1
    assert mailoutbox == []
    await mateo_socket.disconnect()
    await ana_socket.disconnect()


async def test_the_notification_socket_gets_the_badge_and_refuses_anonymous(ana, mateo):
    anonymous = WebsocketCommunicator(application, "/ws/notifications/")
    await anonymous.connect()
    await closed_with(anonymous, 4401)
    socket = WebsocketCommunicator(application, "/ws/notifications/")
    socket.scope["user"] = ana
    await socket.connect()
    await database_sync_to_async(services.notification_create)(
        recipient=ana, kind="award", text="10 créditos", url="/wallet/", actor=mateo
    )
    frame = await receive(socket, "notification")
    assert frame["text"] == "10 créditos" and frame["unread"] == 1
    await socket.disconnect()


async def test_delivering_a_broadcast_takes_no_thread_hop_and_no_query(general, ana, monkeypatch):
    from asgiref.sync import SyncToAsync

    socket = await open_socket(ana, general.pk)
    hops = []
    original = SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        hops.append(self.func)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    text = '{"type":"message","id":1}'
    for _ in range(3):
        await get_channel_layer().group_send(f"room-{general.pk}",
                                             {"type": "room.frame", "room": general.pk, "text": text})
        assert await socket.receive_from() == text
    assert hops == []
    monkeypatch.undo()
    await socket.disconnect()


async def test_a_message_whose_broadcast_was_lost_is_sent_before_the_next_one_and_never_twice(
    general, ana, mateo, monkeypatch
):
    from messaging import events

    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "resync", "after_id": 0})
    assert (await receive(socket, "resynced"))["last_id"] == 0
    # The first message's broadcast is lost, as when its server process dies right after the commit.
    monkeypatch.setattr(events, "message_created_on_commit", lambda message, prev_id: None)
    first = await database_sync_to_async(services.message_post)(room=general, author=mateo, body="uno")
    monkeypatch.undo()
    second = await database_sync_to_async(services.message_post)(room=general, author=mateo, body="dos")

    # The second one's broadcast names the first as the one before it: the socket fills the gap first.
    assert [(await receive(socket, "message"))["id"] for _ in range(2)] == [first.pk, second.pk]
    # A late copy of either is not sent again.
    for message in (first, second):
        frame = {"type": "message", "id": message.pk}
        await get_channel_layer().group_send(f"room-{general.pk}", {
            "type": "room.frame", "text": json.dumps(frame), "id": message.pk, "prev_id": None})
    await nothing_of(socket, "message")
    await socket.disconnect()


async def test_a_lost_broadcast_of_a_rooms_newest_message_still_arrives(general, ana, mateo, monkeypatch):
    from messaging import events, hub

    monkeypatch.setattr(hub, "SWEEP_EVERY", 0.05)
    socket = await open_socket(ana, general.pk)
    await send(socket, {"type": "resync", "after_id": 0})
    await receive(socket, "resynced")
    monkeypatch.setattr(events, "message_created_on_commit", lambda message, prev_id: None)
    lost = await database_sync_to_async(services.message_post)(room=general, author=mateo, body="perdido")
    assert (await receive(socket, "message"))["id"] == lost.pk
    await nothing_of(socket, "message")
    # Stop the quick sweep and let the sockets' one database thread finish what it was given, so that no
    # sweep is still reading when the test's database is emptied ("database table is locked" on SQLite).
    hub.get_hub().sweeper.cancel()
    await socket_db(lambda: None)()
    await socket.disconnect()


async def test_frames_sent_back_to_back_are_stored_together_in_order_each_answered(general, ana, mateo, monkeypatch):
    calls = []
    original = services.message_post_many

    def counting(**kwargs):
        calls.append(len(kwargs["items"]))
        return original(**kwargs)

    monkeypatch.setattr(services, "message_post_many", counting)
    sender, reader = await open_socket(ana, general.pk), await open_socket(mateo, general.pk)
    bodies = [f"lote {n}" for n in range(15)]
    bodies[7] = "   "  # refused (empty); the others are stored all the same
    for n, body in enumerate(bodies):
        await send(sender, {"type": "message", "body": body, "client_id": f"b{n}"})
    acks = [await receive(sender, "ack") for _ in range(14)]
    error = await receive(sender, "error")
    assert (error["code"], error["client_id"]) == ("empty", "b7")
    assert [ack["client_id"] for ack in acks] == [f"b{n}" for n in range(15) if n != 7]
    stored = await database_sync_to_async(lambda: list(Message.objects.filter(room=general).order_by("id")))()
    assert [(m.pk, m.body) for m in stored] == [(ack["id"], bodies[int(ack["client_id"][1:])]) for ack in acks]
    assert [(await receive(reader, "message"))["id"] for _ in range(14)] == [ack["id"] for ack in acks]
    assert sum(calls) == 15 and len(calls) < 15  # fewer transactions than messages
    await sender.disconnect()
    await reader.disconnect()


async def test_when_storing_fails_nothing_is_acknowledged_and_the_socket_closes_to_resend(general, ana, monkeypatch):
    from django.db import OperationalError

    from messaging import consumers

    def broken(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "message_post_many", broken)
    socket = await open_socket(ana, general.pk)
    for n in range(3):
        await send(socket, {"type": "message", "body": f"m{n}", "client_id": f"f{n}"})
    outputs = []
    while (output := await socket.receive_output(timeout=2))["type"] != "websocket.close":
        outputs.append(json.loads(output["text"]))
    assert output.get("code") == consumers.CLOSE_RECONNECT
    assert [frame for frame in _held(socket) + outputs if frame["type"] == "ack"] == []
    assert await acount(room=general) == 0
    await socket.disconnect()


async def test_a_socket_whose_redis_state_was_wiped_closes_so_that_its_client_reconnects(general, ana, monkeypatch):
    from django.conf import settings

    from messaging import consumers, presence

    monkeypatch.setattr(presence, "PRESENCE_HEARTBEAT", 0.05)
    socket = await open_socket(ana, general.pk)
    # Redis restarted empty: the socket's presence entries went, and its group memberships with them.
    if settings.REDIS_URL:
        await presence._async_redis().delete(presence._room_key(general.pk))
    else:
        presence.reset_local()
    await closed_with(socket, consumers.CLOSE_RECONNECT)
    await socket.disconnect()


async def test_read_and_resync_frames_have_a_budget_per_socket(general, ana, monkeypatch):
    from messaging import consumers

    monkeypatch.setattr(consumers, "READ_BUDGET", 3)
    socket = await open_socket(ana, general.pk)
    for _ in range(3):
        await send(socket, {"type": "resync", "after_id": 0})
        await receive(socket, "resynced")
    await send(socket, {"type": "read", "id": 1})
    assert (await receive(socket, "error"))["code"] == "rate_limited"
    await socket.disconnect()


async def test_private_rooms_deliver_to_their_two_people_only(general, ana, mateo, lucia):
    direct = await database_sync_to_async(services.room_direct)(user=ana, other=mateo)
    mentorship = await database_sync_to_async(services.room_create_mentorship)(mentor=mateo, mentee=ana, name="M")
    lucia_general = await open_socket(lucia, general.pk)
    for room in (direct, mentorship):
        ana_socket = await open_socket(ana, room.pk)
        mateo_socket = await open_socket(mateo, room.pk)
        await send(ana_socket, {"type": "message", "body": "privado", "client_id": f"p-{room.pk}"})
        ack = await receive(ana_socket, "ack")
        assert (await receive(mateo_socket, "message"))["id"] == ack["id"]
        await nothing_of(lucia_general, "message")
        await ana_socket.disconnect()
        await mateo_socket.disconnect()
    await lucia_general.disconnect()


async def test_people_whose_server_died_drop_out_of_presence_at_a_heartbeat(general, ana, mateo, monkeypatch):
    from messaging import presence

    monkeypatch.setattr(presence, "PRESENCE_HEARTBEAT", 0.2)
    socket = await open_socket(ana, general.pk)
    # Mateo's socket lives on another process: it joined there, then that process died, so his entry
    # is never removed, only left to expire.
    monkeypatch.setattr(presence, "PRESENCE_TTL", 0.7)
    await presence.join(room_id=general.pk, user_id=mateo.pk, channel_name="specific.elsewhere!1")
    monkeypatch.setattr(presence, "PRESENCE_TTL", 60)
    both = sorted([ana.pk, mateo.pk])
    assert (await receive(socket, "presence", timeout=3))["online"] == both
    assert (await receive(socket, "presence", timeout=3))["online"] == [ana.pk]
    await socket.disconnect()


async def test_message_frames_carry_the_rooms_row_in_each_readers_language(general, ana, mateo, lucia):
    """A new message, its edit and its deletion each come with the message's row (messaging/_message.html,
    the page's own template) in the language of the reader's pages, rendered for everyone in the room:
    every action the room allows, marked with who may take it, and no CSRF token."""
    ana.language, mateo.language = "es", "pt-br"
    for person in (ana, mateo):
        await database_sync_to_async(person.save)(update_fields=["language"])
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    await send(ana_socket, {"type": "message", "body": "Muestras el **lunes**", "client_id": "row-1"})
    mine, theirs = await receive(ana_socket, "message"), await receive(mateo_socket, "message")
    for frame in (mine, theirs):
        assert frame["row"].startswith(f'<li class="msg" id="m{frame["id"]}" data-id="{frame["id"]}"')
        assert "<strong>lunes</strong>" in frame["row"] and "data-for-everyone" in frame["row"]
        assert 'data-if="mine-recent"' in frame["row"] and 'data-if="others"' in frame["row"]
        assert 'name="csrfmiddlewaretoken" value=""' in frame["row"]
    assert "Responder" in mine["row"] and "Denunciar" in mine["row"]
    assert "Responder" in theirs["row"] and "Denunciar" in theirs["row"]  # Portuguese: the same words
    assert "Excluir…" in theirs["row"] and "Eliminar…" in mine["row"]

    message = await database_sync_to_async(Message.objects.get)(pk=mine["id"])
    await database_sync_to_async(services.message_edit)(message=message, editor=ana, body="Muestras el martes")
    edited = await receive(mateo_socket, "edited")
    assert "martes" in edited["row"] and "(editada)" in edited["row"]
    await database_sync_to_async(services.message_delete)(message=message, acting_user=lucia)
    deleted = await receive(ana_socket, "deleted")
    assert "Este mensaje fue eliminado." in deleted["row"] and "msg-menu" not in deleted["row"]

    # A resync sends the same rows, in the reader's language.
    await send(mateo_socket, {"type": "resync", "after_id": mine["id"] - 1})
    resent = await receive(mateo_socket, "message")
    assert resent["id"] == mine["id"] and "Esta mensagem foi excluída." in resent["row"]
    await ana_socket.disconnect()
    await mateo_socket.disconnect()


async def test_the_messages_badge_follows_private_messages_and_reads_live(general, ana, mateo):
    """A direct message updates the other person's Messages badge on every page they have open (the
    notification socket, and a room socket elsewhere); reading it brings the badge back down."""
    direct = await database_sync_to_async(services.room_direct)(user=ana, other=mateo)
    badge = WebsocketCommunicator(application, "/ws/notifications/")
    badge.scope["user"] = ana
    await badge.connect()
    elsewhere = await open_socket(ana, general.pk)
    message = await database_sync_to_async(services.message_post)(room=direct, author=mateo, body="¿Firmamos hoy?")
    assert (await receive(badge, "counts"))["messages"] == 1
    assert (await receive(elsewhere, "counts"))["messages"] == 1
    await database_sync_to_async(services.room_mark_read)(room=direct, user=ana, message_id=message.pk)
    assert (await receive(badge, "counts")) == {"type": "counts", "messages": 0, "notifications": 0}
    await badge.disconnect()
    await elsewhere.disconnect()


async def test_a_reaction_reaches_everyone_live_with_who_reacted_and_toggles_back(general, ana, mateo):
    message = await database_sync_to_async(services.message_post)(room=general, author=mateo, body="Contenedor en Hamburgo")
    ana_socket = await open_socket(ana, general.pk)
    mateo_socket = await open_socket(mateo, general.pk)
    await send(ana_socket, {"type": "react", "id": message.pk, "emoji": "🎉"})
    frame = await receive(mateo_socket, "reactions")
    assert frame["id"] == message.pk
    assert f'data-react="🎉" data-by="{ana.pk}" title="Ana Martínez">🎉 1</button>' in frame["row"]
    await send(ana_socket, {"type": "react", "id": message.pk, "emoji": "🎉"})  # taken back
    assert "msg-reactions" not in (await receive(mateo_socket, "reactions"))["row"]
    await send(ana_socket, {"type": "react", "id": message.pk, "emoji": "💩"})
    assert (await receive(ana_socket, "error"))["code"] == "unknown_reaction"
    await ana_socket.disconnect()
    await mateo_socket.disconnect()
