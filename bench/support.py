"""What the benches share: server processes (Daphne, uvicorn, the bare websockets baseline), the two
setups (embedded: SQLite + in-memory layer, one process; production: PostgreSQL + Redis, one or more
processes), a fresh bench database, and signed-in sessions made directly (no login form).

Bench only. Nothing here is imported by the project.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

# Production-like settings (DEBUG off: no query log, no debug pages), plain HTTP on 127.0.0.1.
SERVER_ENV = {
    "DJANGO_DEBUG": "false",
    "PUENTE_TESTING": "true",  # static files through WhiteNoise's finders: no collectstatic needed
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def reset_postgres(database_url: str) -> None:
    """Drops and recreates the bench database named in the URL (its name must start with puente_)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    assert name.startswith("puente_"), "bench databases are named puente_*"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure_postgres(database_url: str) -> None:
    """Creates the bench database named in the URL when it does not exist yet (kept when it does)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, *, fresh: bool = True, redis_url: str = "") -> dict:
    """Migrates a fresh bench database and sets Django up in this process on it (REDIS_URL unset
    here unless given: the bench process itself never touches the channel layer). Returns the
    servers' env."""
    env = dict(os.environ, **SERVER_ENV, DATABASE_URL=database_url)
    env.pop("REDIS_URL", None)
    if database_url.startswith("postgres"):
        if fresh:
            reset_postgres(database_url)
    elif fresh:
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update({k: v for k, v in env.items() if k in SERVER_ENV or k == "DATABASE_URL"})
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX="puente_bench:")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def make_sessions(users) -> list[str]:
    """One signed-in session per user, written in bulk; returns the Cookie header values."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    expire = timezone.now() + timezone.timedelta(days=1)
    rows, cookies = [], []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = SessionStore().encode({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                                      HASH_SESSION_KEY: user.get_session_auth_hash()})
        rows.append(Session(session_key=key, session_data=data, expire_date=expire))
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    Session.objects.bulk_create(rows, batch_size=1000)
    return cookies


class Servers:
    """`count` server processes of one kind on free ports: "daphne", "uvicorn" (websockets-sansio,
    uvloop, httptools: the production choice) or "bare-ws" (bench/bare_ws.py)."""

    def __init__(self, kind: str, *, env: dict, app: str, count: int = 1, redis_url: str | None = None,
                 log: Path, profile: Path | None = None, root: Path | None = None):
        self.kind = kind
        env = dict(env)
        if redis_url:
            env["REDIS_URL"] = redis_url
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        else:
            env.pop("REDIS_URL", None)
        self.ports = [free_port() for _ in range(count)]
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.processes = []
        for i, port in enumerate(self.ports):
            profiler = ["-m", "cProfile", "-o", f"{profile}.{i}"] if profile else []
            self.processes.append(subprocess.Popen([sys.executable, *profiler, *self.command(port, app)],
                                                   cwd=root or ROOT,
                                                   env=env, stdout=self.log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        for port, process in zip(self.ports, self.processes, strict=True):
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not start (see {log})")
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)

    def command(self, port: int, app: str) -> list[str]:
        if self.kind == "daphne":
            return ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
        if self.kind == "uvicorn":
            # As DEPLOY.md serves it; the lifespan "auto" runs Puente's start-up (its checks and warm-up,
            # infra.health) and still serves a --code checkout from before it had one.
            return ["-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio",
                    "--loop", "uvloop", "--http", "httptools", "--lifespan", "auto", "--no-access-log",
                    "--log-level", "warning", app]
        if self.kind == "bare-ws":
            return [str(ROOT / "bench" / "bare_ws.py"), "--port", str(port), "--uvloop"]
        raise ValueError(self.kind)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)  # clean stop (and a profiler writes its file)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()
