"""The authorisation matrix for websockets: every websocket route, every persona, through the whole
ASGI stack that production runs (origin check, session cookie, AuthMiddlewareStack, the consumer).

For each persona the socket is opened with that persona's session cookie, a frame is sent, and a
broadcast is made that the socket should (or should not) receive. Outcomes:

- "live": connects, its frame is answered (a message is acknowledged), and it receives the broadcast;
- "listen": connects and receives the broadcast, but the route only listens (frames get `read_only`);
- "4401" / "4403": closed with that code (not signed in / may not be there) and receives nothing.

Routes come from config.routing (tests/security/routes.py); a route with no entry in WS_EXPECTATIONS
fails `test_every_websocket_route_has_an_expectation`.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from clusters.models import Agency
from messaging import services as messaging_services
from questions import services as question_services
from tests.conftest import activate, make_person
from tests.security.routes import websocket_routes

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()

PERSONAS = [
    "anonymous", "logged_out", "deactivated", "outsider", "other_member", "member", "mentor",
    "facilitator", "other_staff", "staff", "superuser",
]
ANONYMOUS = {"anonymous", "logged_out", "deactivated"}


def expect(*, live=(), listen=()) -> dict[str, str]:
    return {
        persona: "4401" if persona in ANONYMOUS else "live" if persona in live else "listen" if persona in listen
        else "4403"
        for persona in PERSONAS
    }


CLUSTER_PEOPLE = {"member", "mentor", "facilitator"}

# websocket route pattern -> [(what, path builder, broadcast, expectations)]
WS_EXPECTATIONS = {
    "ws/rooms/<id:room_id>/": [
        # Superusers take part in every cluster room (the HTTP pages allow them the same), never in private ones.
        ("the cluster's general room", lambda w: w["general"].pk, "room", expect(live=CLUSTER_PEOPLE | {"superuser"})),
        ("a direct conversation between the member and the mentor", lambda w: w["direct"].pk, "room",
         expect(live={"member", "mentor"})),
        ("a room that does not exist", lambda w: 987654, None, expect()),
    ],
    "ws/notifications/": [
        ("the person's own notifications", lambda w: None, "notification", expect(listen=set(PERSONAS) - ANONYMOUS)),
    ],
    "ws/questions/<id:question_id>/": [
        ("a question in a by-approval cluster", lambda w: w["question"].pk, "answer",
         expect(listen=CLUSTER_PEOPLE | {"superuser"})),
    ],
}


def test_every_websocket_route_has_an_expectation():
    missing = [route.pattern for route in websocket_routes() if route.pattern not in WS_EXPECTATIONS]
    assert not missing, f"websocket routes with no authorisation expectation: {missing}"


@pytest.fixture
def world(coffee, seafood, agency, ana, mateo, lucia, rafael, otto, nadie, superuser):
    ines = make_person("ines@example.org", name="Inés Staff", country="CL")
    Agency.objects.create(slug="otra", name="Otra agencia", country="CL").staff.add(ines)
    dora = make_person("dora@example.org", name="Dora Deactivated")
    activate(dora, coffee)
    people = {
        "deactivated": dora, "outsider": nadie, "other_member": otto, "member": ana, "mentor": mateo,
        "facilitator": lucia, "other_staff": ines, "staff": rafael, "superuser": superuser,
    }
    cookies = {}
    for persona in [*people, "logged_out"]:
        client = Client()
        client.force_login(people.get(persona, ana))
        cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        if persona == "logged_out":
            client.logout()  # the browser still sends the old cookie; its session is gone
    User.objects.filter(pk=dora.pk).update(is_active=False)
    question = question_services.question_ask(
        cluster=coffee, author=ana, title="¿Qué pide la FDA para exportar café verde?",
        body="Queremos enviar café verde a Miami.", language="es", topics=["customs"], target_markets=["US"],
    )
    return {
        "people": people,
        "cookies": cookies,
        "general": messaging_services.room_general_for_cluster(cluster=coffee),
        "direct": messaging_services.room_direct(user=ana, other=mateo),
        "question": question,
    }


def socket_for(path: str, cookie: str | None, origin: str = "http://testserver") -> WebsocketCommunicator:
    from config.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def frames(socket: WebsocketCommunicator, timeout: float = 0.6) -> list[dict]:
    """Everything the socket got until it was quiet for `timeout` seconds, ending with a close if any."""
    got = []
    while not await socket.receive_nothing(timeout=timeout):
        output = await socket.receive_output()
        if output["type"] == "websocket.close":
            got.append({"type": "closed", "code": output.get("code")})
            return got
        got.append(json.loads(output["text"]))
    return got


# The frame each broadcast produces (docs/PROTOCOL.md, questions/events.py).
MARK = "broadcast-number-"
HEARD = {"room": "message", "notification": "notification", "answer": "answer"}


@database_sync_to_async
def broadcast(kind: str, world, persona: str, n: int) -> None:
    people = world["people"]
    if kind == "room":
        room = world["general"] if world["general"].pk == world["room_id"] else world["direct"]
        author = people["mentor"] if persona == "member" else people["member"]
        messaging_services.message_post(room=room, author=author, body=f"{MARK}{n}", client_id=f"b{room.pk}-{n}")
    elif kind == "notification":
        messaging_services.notification_create(
            recipient=people.get(persona, people["member"]), kind="award", text=f"{MARK}{n}", url="/", actor=None
        )
    elif kind == "answer":
        question_services.answer_post(question=world["question"], author=people["mentor"], body=f"Registra la planta. {MARK}{n}")


async def outcome_for(world, persona: str, path: str, kind: str | None, n: int) -> str:
    socket = socket_for(path, world["cookies"].get(persona))
    connected, _ = await socket.connect()
    assert connected, "the handshake is accepted so that the client sees the close code"
    opening = await frames(socket, timeout=0.3)
    closed = [f for f in opening if f["type"] == "closed"]
    if closed:
        return str(closed[0]["code"])
    client_id = f"{path}{n}"
    await socket.send_to(text_data=json.dumps({"type": "message", "body": f"hola {n}", "client_id": client_id}))
    answer = await frames(socket)
    acked = any(f["type"] == "ack" and f.get("client_id") == client_id for f in answer)
    read_only = any(f["type"] == "error" and f.get("code") in ("read_only", "forbidden") for f in answer)
    if any(f["type"] == "closed" for f in answer):
        # Refused to post: listening was all it could do. Reconnect to check that it can listen.
        socket = socket_for(path, world["cookies"].get(persona))
        await socket.connect()
        await frames(socket, timeout=0.3)
    heard = False
    if kind:
        await broadcast(kind, world, persona, n)
        heard = any(f["type"] == HEARD[kind] and f"{MARK}{n}" in json.dumps(f) for f in await frames(socket))
    await socket.disconnect()
    if acked and heard:
        return "live"
    if read_only and heard:
        return "listen"
    return f"connected but acked={acked} read_only={read_only} heard={heard}"


@pytest.mark.parametrize("pattern", sorted(WS_EXPECTATIONS))
async def test_each_persona_gets_the_expected_outcome_on_each_websocket_route(world, pattern):
    for what, path_arg, kind, expectations in WS_EXPECTATIONS[pattern]:
        arg = await database_sync_to_async(path_arg)(world)
        world["room_id"] = arg
        path = "/" + pattern.replace("<id:room_id>", str(arg)).replace("<id:question_id>", str(arg))
        got = {}
        for n, persona in enumerate(PERSONAS):
            got[persona] = await outcome_for(world, persona, path, kind, n)
        assert got == expectations, what


async def test_a_socket_from_another_site_is_refused_before_anything_else(world):
    socket = socket_for(f"/ws/rooms/{world['general'].pk}/", world["cookies"]["member"], origin="https://evil.example")
    connected, _ = await socket.connect()
    assert not connected


def handshake(path: str, headers: list[tuple[bytes, bytes]], scheme: str | None = None) -> WebsocketCommunicator:
    from config.asgi import application

    socket = WebsocketCommunicator(application, path, headers=headers)
    if scheme:
        socket.scope["scheme"] = scheme
    return socket


SERVER = [(b"host", b"127.0.0.1:8000")]  # a server at http://127.0.0.1:8000


@pytest.mark.parametrize("origin", [
    b"http://127.0.0.1:8000",  # the page's own origin
    b"https://puente.example",  # one of CSRF_TRUSTED_ORIGINS
    b"https://app.puente.example",  # a subdomain a trusted "https://*.puente.example" names
])
async def test_a_socket_from_the_sites_own_or_a_trusted_origin_is_accepted(settings, origin):
    settings.CSRF_TRUSTED_ORIGINS = ["https://puente.example", "https://*.puente.example"]
    socket = handshake("/ws/notifications/", [*SERVER, (b"origin", origin)])
    connected, _ = await socket.connect()
    assert connected  # then closed with 4401: nobody is signed in
    await socket.disconnect()


@pytest.mark.parametrize("headers", [
    [*SERVER, (b"origin", b"http://localhost:9999")],  # another host and port, both allowed hosts
    [*SERVER, (b"origin", b"https://127.0.0.1")],  # the same host, another scheme and port
    [*SERVER, (b"origin", b"http://127.0.0.1:8001")],  # another port
    [*SERVER, (b"origin", b"https://127.0.0.1:8000")],  # another scheme
    [*SERVER, (b"origin", b"http://127.0.0.1")],  # the default port is not the server's
    [*SERVER, (b"origin", b"https://evil.example")],
    [*SERVER, (b"origin", b"null")],  # a sandboxed frame or a file
    [*SERVER, (b"origin", b"http://127.0.0.1:8000"), (b"origin", b"https://evil.example")],  # two origins
    SERVER,  # no origin at all
    [(b"host", b"evil.example"), (b"origin", b"http://evil.example")],  # a host that is not ours
    [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://evil.puente.example")],  # trusted only over https
], ids=lambda headers: " ".join(value.decode() for _name, value in headers))
async def test_a_socket_from_any_other_origin_is_refused_at_the_handshake(settings, headers):
    settings.CSRF_TRUSTED_ORIGINS = ["https://puente.example", "https://*.puente.example"]
    socket = handshake("/ws/notifications/", headers)
    connected, _ = await socket.connect()
    assert not connected


async def test_behind_a_proxy_that_says_https_the_origin_is_the_https_one(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = [(b"host", b"puente.example"), (b"x-forwarded-proto", b"https")]
    settings.ALLOWED_HOSTS = ["puente.example"]
    accepted = handshake("/ws/notifications/", [*forwarded, (b"origin", b"https://puente.example")])
    assert (await accepted.connect())[0]
    await accepted.disconnect()
    refused = handshake("/ws/notifications/", [*forwarded, (b"origin", b"http://puente.example")])
    assert not (await refused.connect())[0]
    direct_tls = handshake("/ws/notifications/", [(b"host", b"puente.example"), (b"origin", b"https://puente.example")],
                           scheme="wss")
    assert (await direct_tls.connect())[0]
    await direct_tls.disconnect()


@pytest.mark.parametrize("path", [
    "/ws/notifications/2/", "/ws/rooms/", "/ws/rooms/abc/", "/ws/rooms/99999999999999999999999/",
    "/ws/questions/9223372036854775808/", "/ws/nothing/", "/ws/rooms/1/\x00/", "/",
])
async def test_a_path_no_route_serves_is_refused_at_the_handshake_without_an_error(caplog, path):
    socket = handshake(path, [*SERVER, (b"origin", b"http://127.0.0.1:8000")])
    connected, _ = await socket.connect()
    assert not connected
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]
