"""Is this process fit to serve? For the ASGI server's start-up (lifespan), the proxy and an orchestrator.

- At start-up (uvicorn's lifespan), an unreachable PostgreSQL or Redis stops the process with one line
  that names the variable and the address: `DATABASE_URL: PostgreSQL at db:5432 does not answer
  (connection refused)`. uvicorn then exits with status 3. Then the process warms up (`warm_up`): the
  URL tables and translation catalogs of every language, which Django fills on first use, are filled
  before the first request instead of during the first broadcasts of a room (docs/PERFORMANCE.md,
  "Rooms fan-out").
- `/healthz`: the process is up and its event loop answers. Touches nothing else.
- `/readyz`: the database and Redis answer and every migration is applied.

Both answer before Django's middleware (no host check, no HTTPS redirect, no session), with a bare
"ok" or "unavailable" and no data; why a check failed goes to the log.
"""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings

log = logging.getLogger("puente.health")

CONNECT_TIMEOUT = 3  # seconds: a start-up that waits longer than this for a service is failing anyway


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def database_problem(db: dict | None = None) -> str | None:
    """Why the database cannot be reached, or None. Checks PostgreSQL with a connection of its own
    (not the pool, whose timeout is long); an SQLite file is always there."""
    db = db or settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    import psycopg

    host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
    try:
        psycopg.connect(
            dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
            host=host, port=port, connect_timeout=CONNECT_TIMEOUT,
        ).close()
    except psycopg.Error as exc:
        return f"DATABASE_URL: PostgreSQL at {host}:{port}/{db['NAME']} does not answer ({_one_line(exc)})"
    return None


def redis_problem() -> str | None:
    """Why Redis cannot be reached, or None (and None when REDIS_URL is unset: no Redis is used)."""
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=CONNECT_TIMEOUT,
                                  socket_timeout=CONNECT_TIMEOUT)
    try:
        client.ping()
    except redis.RedisError as exc:
        kwargs = client.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db', 0)}"
        return f"REDIS_URL: Redis at {where} does not answer ({_one_line(exc)})"
    finally:
        client.close()
    return None


def services_problem() -> str | None:
    return database_problem() or redis_problem()


def warm_up() -> None:
    """Fills what Django builds lazily per language: the URL resolver's reverse table (about 0.1 s a
    language, and the first call imports every URLconf) and the translation catalog. A room's message is
    rendered in every language as it is broadcast, so without this the first messages after a start
    wait for all of it."""
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Reply")  # loads the catalog
            resolver.reverse_dict  # noqa: B018 (the property fills this language's table)


_migrated = False  # once every migration is applied it stays so for this process


def migrations_problem() -> str | None:
    global _migrated
    if _migrated:
        return None
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"{len(pending)} migration(s) not applied, first {pending[0][0].app_label}.{pending[0][0].name}"
    _migrated = True
    return None


def readiness_problem() -> str | None:
    """Why this process should not be sent requests, or None."""
    from django.db import connection

    problem = redis_problem()
    if problem:
        return problem
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return migrations_problem()
    except Exception as exc:
        return f"DATABASE_URL: the database does not answer ({_one_line(exc)})"
    finally:
        connection.close()  # back to the pool: this thread is not a request's


class HealthAndLifespan:
    """The outermost ASGI layer: answers the lifespan protocol (checking the services at start-up) and
    /healthz and /readyz; hands everything else to the project."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "lifespan":
            return await self.lifespan(receive, send)
        if kind == "http" and scope["path"] in ("/healthz", "/readyz"):
            problem = None
            if scope["path"] == "/readyz":
                problem = await sync_to_async(readiness_problem, thread_sensitive=False)()
                if problem:
                    log.warning("not ready: %s", problem)
            return await self.answer(send, 503 if problem else 200, b"unavailable\n" if problem else b"ok\n")
        return await self.app(scope, receive, send)

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                problem = await sync_to_async(services_problem, thread_sensitive=False)()
                if problem:
                    await send({"type": "lifespan.startup.failed", "message": problem})
                    return
                await sync_to_async(warm_up, thread_sensitive=False)()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def answer(send, status: int, body: bytes):
        await send({
            "type": "http.response.start", "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"cache-control", b"no-store"),
                        (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})
