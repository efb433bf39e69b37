"""Scaling out, for real: two server processes (one Daphne, one uvicorn) sharing PostgreSQL and Redis.
A message posted through one reaches a websocket client of the other, and each sees who is online on
the other.

Needs PostgreSQL and Redis (CI has both; elsewhere it skips with the reason). The servers use this
test run's own database, so what the test writes (committed: transactional test) they read.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def two_servers(postgres_only, redis_only, transactional_db, tmp_path):
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "true",
        "PUENTE_TESTING": "true",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MIN": "0",
        "DB_POOL_MAX": "4",
        "PAGE_CONCURRENCY": "2",  # below the small pool (settings insist)
    })
    ports, processes = [free_port(), free_port()], []
    log = open(tmp_path / "daphne.log", "ab")  # noqa: SIM115 - closed below
    try:
        # One of each server the project supports: Daphne (`make run`) and uvicorn (production).
        commands = [
            ["-m", "daphne", "-b", "127.0.0.1", "-p", str(ports[0]), "config.asgi:application"],
            ["-m", "uvicorn", "--host", "127.0.0.1", "--port", str(ports[1]), "--ws", "websockets-sansio",
             "--loop", "uvloop", "--http", "httptools", "--lifespan", "off", "config.asgi:application"],
        ]
        for command in commands:
            processes.append(subprocess.Popen(
                [sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
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
    log = (tmp_path / "daphne.log").read_text(errors="replace")
    assert "Traceback" not in log and " ERROR " not in log, log[-2000:]
