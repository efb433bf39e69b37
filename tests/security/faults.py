"""Real processes for the fault tests, and a room client that behaves like the browser's.

- `RedisProcess`: a private redis-server on a free port, without persistence, that the test may kill
  and start again (the machine's shared Redis is never touched);
- `DaphneProcess`: one server process of the project, that the test may SIGKILL and start again;
- `RoomClient`: static/js/room.js in Python: an outbox of unacknowledged messages keyed by client id,
  reconnection with backoff, `resync` with the last id it holds, then the outbox sent again with the
  same client ids. Like a reverse proxy in front of several servers, each new connection goes to the
  next server in its list, so a client of a dead server lands on a live one.
"""

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what}: nothing listens on {port}")


class _Process:
    what = "process"

    def __init__(self, *, port: int, log: Path):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict | None:
        return None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, self.what)

    def kill(self) -> None:
        """SIGKILL: no goodbye to its sockets, no cleanup of what it holds in Redis."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class RedisProcess(_Process):
    what = "redis-server"

    def __init__(self, *, log: Path):
        super().__init__(port=free_port(), log=log)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.log.parent)]

    def restart(self, *, down_for: float = 0.0) -> None:
        """Killed and started empty: every group membership, presence entry and cached count is gone."""
        self.kill()
        time.sleep(down_for)
        self.start()


class DaphneProcess(_Process):
    what = "daphne"

    def __init__(self, *, environment: dict, log: Path, application: str = "config.asgi:application"):
        super().__init__(port=free_port(), log=log)
        self.environment = environment
        self.application = application

    def env(self) -> dict:
        return self.environment

    def command(self) -> list[str]:
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), self.application]


def server_environment(*, database_url: str, redis_url: str, secret_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret_key,
        "DJANGO_DEBUG": "true",
        "PUENTE_TESTING": "true",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MIN": "0",
        "DB_POOL_MAX": "4",
        "PAGE_CONCURRENCY": "2",  # below the small pool (settings insist)
    })
    return env


# --- The client ----------------------------------------------------------------------------------


@dataclass
class RoomClient:
    """One person's room page. `transcript()` is what the page shows: the ids it holds, in id order."""

    name: str
    cookie: str
    ports: list[int]
    room_id: int
    first_port: int = 0
    base_delay: float = 0.05  # room.js waits 0.5 s doubling to 30 s; the same shape, ten times faster
    max_delay: float = 1.0
    seen: dict[int, dict] = field(default_factory=dict)  # id -> message frame
    outbox: dict[str, str] = field(default_factory=dict)  # client_id -> body, until its message comes back
    acks: dict[str, int] = field(default_factory=dict)  # client_id -> id the server acknowledged
    sent: list[str] = field(default_factory=list)  # every client id this person wrote, in order
    errors: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # protocol breaches seen on the wire
    connections: int = 0
    closed_codes: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.ws = None
        self.live = False  # connected and resynced: new messages go out at once
        self.stopped = False
        self.last_id = 0
        self._port_index = self.first_port

    def transcript(self) -> list[int]:
        return sorted(self.seen)

    # What the person does.

    async def write(self, body: str) -> str:
        client_id = str(uuid.uuid4())
        self.sent.append(client_id)
        self.outbox[client_id] = body
        if self.live:
            await self._send({"type": "message", "body": body, "client_id": client_id})
        return client_id

    def state(self) -> str:
        return (f"{self.name}: {len(self.seen)} seen up to {self.last_id}, {len(self.outbox)} in the outbox, "
                f"{len(self.acks)}/{len(self.sent)} acknowledged, {self.connections} connections "
                f"closed with {self.closed_codes}, live={self.live}")

    def unacknowledged(self) -> int:
        return sum(1 for client_id in self.outbox if client_id not in self.acks)

    # The connection.

    async def _send(self, frame: dict) -> None:
        import websockets

        if self.ws is None:
            return
        # On a dying socket the frame is lost; what was not acknowledged stays in the outbox.
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(json.dumps(frame))

    async def run(self) -> None:
        import websockets

        attempts = 0
        while not self.stopped:
            port = self.ports[self._port_index % len(self.ports)]
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/rooms/{self.room_id}/",
                    origin=f"http://127.0.0.1:{port}",
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5, ping_interval=1, ping_timeout=3, close_timeout=1,
                ) as ws:
                    self.ws = ws
                    self.connections += 1
                    attempts = 0
                    await self._send({"type": "resync", "after_id": self.last_id})
                    async for raw in ws:
                        await self._handle(json.loads(raw))
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            finally:
                ws, self.ws, self.live = self.ws, None, False
            if ws is not None and ws.close_code is not None:
                self.closed_codes.append(ws.close_code)
                if ws.close_code in (4401, 4403):
                    self.problems.append(f"{self.name}: closed with {ws.close_code}")
                    return
            if self.stopped:
                return
            # Backoff with jitter; the next connection goes to the next server (a proxy's health check).
            await asyncio.sleep(min(self.max_delay, self.base_delay * 2**attempts) * (0.5 + random.random() / 2))
            attempts += 1
            self._port_index += 1

    async def close(self) -> None:
        self.stopped = True
        if self.ws is not None:
            await self.ws.close()

    # Frames from the server.

    async def _handle(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            self._on_message(frame)
        elif kind == "ack":
            client_id, message_id = frame["client_id"], frame["id"]
            if self.acks.setdefault(client_id, message_id) != message_id:
                self.problems.append(f"{self.name}: {client_id} acknowledged as {self.acks[client_id]} and {message_id}")
        elif kind == "resynced":
            if frame["more"]:
                await self._send({"type": "resync", "after_id": self.last_id})
            else:
                self.live = True
                for client_id, body in list(self.outbox.items()):
                    await self._send({"type": "message", "body": body, "client_id": client_id})
        elif kind == "error":
            self.errors.append(frame)

    def _on_message(self, frame: dict) -> None:
        message_id = frame["id"]
        if frame["room"] != self.room_id:
            self.problems.append(f"{self.name}: message {message_id} of room {frame['room']}")
        # Our own message came back (live or in a resync answer): it leaves the outbox, as in room.js.
        # Client ids are UUIDs, so another person's message never matches one of ours.
        self.outbox.pop(frame.get("client_id") or "", None)
        self.seen.setdefault(message_id, frame)
        self.last_id = max(self.last_id, message_id)
