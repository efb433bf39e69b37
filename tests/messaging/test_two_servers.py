"""Scaling out, for real: two server processes (one Daphne, one uvicorn) sharing PostgreSQL and Redis.
A message posted through one reaches a websocket client of the other, and each sees who is online on
the other.

Needs PostgreSQL and Redis (CI has both; elsewhere it skips with the reason). The servers use this
test run's own database, so what the test writes (committed: transactional test) they read.
"""

import asyncio
import json
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests import servers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


@pytest.fixture
def two_servers(postgres_only, redis_only, transactional_db, tmp_path):
    env = servers.server_environment(
        DATABASE_URL=servers.database_url(connection),
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,
        DJANGO_DEBUG="true",
        PUENTE_TESTING="true",
        LOG_LEVEL="WARNING",
        DB_POOL_MIN="0",
        DB_POOL_MAX="4",
        PAGE_CONCURRENCY="2",  # below the small pool (settings insist)
    )
    ports, processes = [servers.free_port(), servers.free_port()], []
    log = open(tmp_path / "servers.log", "ab")  # noqa: SIM115 - closed below
    try:
        # One of each server the project supports: Daphne (`make run`) and uvicorn (production, as the
        # README runs it).
        commands = [
            ["daphne", "-b", "127.0.0.1", "-p", str(ports[0]), "config.asgi:application"],
            servers.documented_server_command(port=ports[1]),
        ]
        for command, port in zip(commands, ports, strict=True):
            processes.append(servers.start(command, env=env, log=log, port=port))
        yield ports
    finally:
        servers.stop(processes)
        log.close()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def cookies(general, ana, mateo, otto):
    """Signed-in sessions, made before the event loop runs (the ORM is sync)."""
    return {user.pk: session_cookie(user) for user in (ana, mateo, otto)}


async def next_frame(ws, kind: str, timeout: float = 5, where=lambda frame: True) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if frame["type"] == kind and where(frame):
            return frame


async def test_a_message_and_presence_cross_from_one_server_process_to_the_other(
    two_servers, cookies, general, ana, mateo
):
    import websockets

    port_a, port_b = two_servers
    path = f"/ws/rooms/{general.pk}/"

    def connect(port, user):
        return websockets.connect(
            f"ws://127.0.0.1:{port}{path}",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": cookies[user.pk]},
        )

    async with connect(port_b, mateo) as mateo_ws:
        assert (await next_frame(mateo_ws, "presence"))["online"] == [mateo.pk]
        async with connect(port_a, ana) as ana_ws:
            # Presence: Mateo, on server B, sees Ana arrive on server A; Ana sees Mateo.
            both = sorted([ana.pk, mateo.pk])
            assert (await next_frame(ana_ws, "presence"))["online"] == both
            assert (await next_frame(mateo_ws, "presence", where=lambda f: f["online"] == both))
            # A message through A reaches B.
            await ana_ws.send(json.dumps({"type": "message", "body": "Hola desde el servidor A", "client_id": "x-1"}))
            ack = await next_frame(ana_ws, "ack")
            frame = await next_frame(mateo_ws, "message")
            assert frame["id"] == ack["id"] and frame["html"] == "<p>Hola desde el servidor A</p>\n"
        # And Ana leaving A is seen on B.
        assert await next_frame(mateo_ws, "presence", where=lambda f: f["online"] == [mateo.pk])


async def test_anonymous_and_foreign_origins_are_refused_by_a_real_server(two_servers, cookies, general, otto):
    import websockets

    port = two_servers[0]
    url = f"ws://127.0.0.1:{port}/ws/rooms/{general.pk}/"
    async with websockets.connect(url, origin=f"http://127.0.0.1:{port}") as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4401
    async with websockets.connect(url, origin=f"http://127.0.0.1:{port}",
                                  additional_headers={"Cookie": cookies[otto.pk]}) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4403
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(url, origin="https://evil.example"):
            pass


async def test_other_origins_of_the_same_host_and_unknown_paths_are_refused_cleanly_by_both_servers(
    two_servers, general, tmp_path
):
    import websockets

    for port in two_servers:  # Daphne, uvicorn
        own = f"http://127.0.0.1:{port}"
        for origin in ["http://localhost:9999", "https://127.0.0.1", f"http://localhost:{port}",
                       f"https://127.0.0.1:{port}"]:
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(f"ws://127.0.0.1:{port}/ws/notifications/", origin=origin):
                    pass
            assert refused.value.response.status_code == 403, (port, origin)
        for path in ["/ws/notifications/2/", f"/ws/rooms/{'9' * 30}/", "/ws/nothing/"]:
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(f"ws://127.0.0.1:{port}{path}", origin=own):
                    pass
            assert refused.value.response.status_code == 403, (port, path)
    await asyncio.sleep(0.5)
    log = (tmp_path / "servers.log").read_text(errors="replace")
    assert "Traceback" not in log and " ERROR " not in log, log[-2000:]
