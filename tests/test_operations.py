"""What an operator meets: start-up that names the service it cannot reach, /healthz and /readyz, and
one log line per request and per websocket (infra/health.py, infra/logs.py)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.testing import WebsocketCommunicator
from django.urls import path

from infra import health
from infra.logs import JsonFormatter, WebsocketLog

ROOT = Path(__file__).resolve().parents[1]


async def nothing_else(scope, receive, send):  # the project, which these requests must never reach
    raise AssertionError(f"{scope['type']} {scope.get('path')} reached the project")


async def get(app, path: str) -> tuple[int, bytes]:
    talk = ApplicationCommunicator(app, {"type": "http", "method": "GET", "path": path, "headers": []})
    await talk.send_input({"type": "http.request", "body": b""})
    start = await talk.receive_output(5)
    body = await talk.receive_output(5)
    return start["status"], body["body"]


async def start_up(app) -> dict:
    talk = ApplicationCommunicator(app, {"type": "lifespan", "asgi": {"version": "3.0"}})
    await talk.send_input({"type": "lifespan.startup"})
    return await talk.receive_output(10)


async def test_healthz_answers_ok_before_the_project_and_without_data():
    assert await get(health.HealthAndLifespan(nothing_else), "/healthz") == (200, b"ok\n")


@pytest.mark.django_db(transaction=True)
async def test_readyz_is_ok_when_the_database_answers_and_every_migration_is_applied():
    assert await get(health.HealthAndLifespan(nothing_else), "/readyz") == (200, b"ok\n")


async def test_readyz_is_unavailable_and_says_nothing_about_why_when_redis_does_not_answer(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/3"
    assert await get(health.HealthAndLifespan(nothing_else), "/readyz") == (503, b"unavailable\n")
    assert "REDIS_URL: Redis at 127.0.0.1:1/3 does not answer" in caplog.text  # the why is in the log


def test_pending_migrations_make_the_process_unready(monkeypatch, db):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrated", False)
    real_plan = MigrationExecutor.migration_plan
    monkeypatch.setattr(MigrationExecutor, "migration_plan",
                        lambda self, targets: real_plan(self, [("clusters", None)]))  # as if none were applied
    assert "not applied" in health.migrations_problem()


async def test_start_up_stops_naming_redis_url_and_its_address(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/3"
    answer = await start_up(health.HealthAndLifespan(nothing_else))
    assert answer["type"] == "lifespan.startup.failed"
    assert answer["message"].startswith("REDIS_URL: Redis at 127.0.0.1:1/3 does not answer (")
    assert "\n" not in answer["message"]


def test_an_unreachable_postgresql_is_named_by_its_variable_and_address_without_the_password():
    problem = health.database_problem({"ENGINE": "django.db.backends.postgresql", "NAME": "puente",
                                       "USER": "puente", "PASSWORD": "s3cret", "HOST": "127.0.0.1", "PORT": 1})
    assert problem.startswith("DATABASE_URL: PostgreSQL at 127.0.0.1:1/puente does not answer (")
    assert "s3cret" not in problem and "\n" not in problem


async def test_start_up_completes_when_the_services_answer():
    assert (await start_up(health.HealthAndLifespan(nothing_else)))["type"] == "lifespan.startup.complete"


async def test_start_up_fills_every_language_s_url_table_and_catalog_before_the_first_request(settings):
    """Django fills these on first use, per language; a room's message is rendered in every language as
    it is broadcast, so a process that skipped this made its first messages wait about half a second
    (bench/fanout_bench.py, docs/PERFORMANCE.md "Rooms fan-out")."""
    from django.urls import clear_url_caches, get_resolver
    from django.utils.translation import trans_real

    clear_url_caches()
    trans_real._translations.clear()
    assert (await start_up(health.HealthAndLifespan(nothing_else)))["type"] == "lifespan.startup.complete"
    languages = {code for code, _name in settings.LANGUAGES}
    assert languages <= set(get_resolver()._reverse_dict)  # the per-language tables reverse() reads
    assert languages <= set(trans_real._translations)


def test_the_production_server_exits_non_zero_with_one_line_naming_an_unreachable_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0")
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", "0", "--lifespan", "on"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3
    named = [line for line in result.stderr.splitlines() if "REDIS_URL" in line]
    assert len(named) == 1 and "127.0.0.1:1/0" in named[0], result.stderr


# --- Logs -----------------------------------------------------------------------------------------

def request_lines(caplog, path):
    return [r for r in caplog.records if path in r.getMessage() or getattr(r, "path", None) == path]


def test_a_request_is_logged_once_with_its_id_person_status_and_duration(client, ana, caplog):
    caplog.set_level(logging.INFO)
    client.force_login(ana)
    response = client.get("/", headers={"X-Request-ID": "req-from-nginx"})
    (line,) = request_lines(caplog, "/")
    assert (line.name, line.request_id, line.user_id, line.status, line.method) == (
        "puente.request", "req-from-nginx", ana.pk, response.status_code, "GET")
    assert line.duration_ms >= 0
    assert response["X-Request-ID"] == "req-from-nginx"


def test_a_missing_page_is_one_line_not_two(client, caplog, db):
    caplog.set_level(logging.INFO)
    client.get("/no-such-page/")
    (line,) = request_lines(caplog, "/no-such-page/")
    assert line.status == 404 and len(line.request_id) == 32 and line.user_id is None


def broken_view(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("broken/", broken_view)]


def test_an_error_is_logged_with_its_traceback_once(client, caplog, db, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    caplog.set_level(logging.INFO)
    assert client.get("/broken/").status_code == 500
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1 and "the view broke" in str(with_traceback[0].exc_info[1])
    assert [r.status for r in caplog.records if r.name == "puente.request"] == [500]


@pytest.mark.parametrize("name", ["django.request", "django.server", "django.channels.server", "uvicorn.access",
                                  "puente.request", "django.utils.autoreload", "daphne.server"])
def test_every_line_is_written_once(name):
    # Django's own console handler and the root's both wrote django.* lines: each came out twice.
    logger, handlers = logging.getLogger(name), 0
    while logger:
        handlers += len([h for h in logger.handlers if not type(h).__module__.startswith("_pytest")])
        logger = logger.parent if logger.propagate else None
    assert handlers == 1


def test_json_lines_carry_the_request_fields_and_the_traceback_in_one_line():
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.LogRecord("puente.request", logging.ERROR, __file__, 1, "GET %s", ("/x",), sys.exc_info())
    record.request_id, record.status, record.path = "abc", 500, "/x"
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert (line["message"], line["request_id"], line["status"], line["level"]) == ("GET /x", "abc", 500, "ERROR")
    assert "ValueError: bad" in line["traceback"]


def test_production_logs_are_json_and_development_logs_are_text():
    from infra.logs import logging_settings

    assert logging_settings(log_format="json", level="INFO")["formatters"]["puente"] == {"()": JsonFormatter}
    assert "format" in logging_settings(log_format="text", level="INFO")["formatters"]["puente"]


async def test_a_websocket_is_logged_when_it_opens_and_when_it_closes_with_its_code(caplog):
    caplog.set_level(logging.INFO)

    async def consumer(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await receive()  # the client's close
        # (the client closed: nothing more to send)

    socket = WebsocketCommunicator(WebsocketLog(consumer), "/ws/rooms/7/")
    assert (await socket.connect())[0]
    await socket.disconnect(code=4000)
    await socket.wait()
    lines = [r for r in caplog.records if r.name == "puente.websocket"]
    assert [r.getMessage() for r in lines] == [
        "websocket open /ws/rooms/7/ user=-", "websocket closed /ws/rooms/7/ user=- code=4000 by client"]
    assert lines[1].code == 4000 and lines[1].closed_by == "client"


async def test_a_socket_the_server_closes_is_logged_with_the_servers_code(caplog):
    caplog.set_level(logging.INFO)

    async def consumer(scope, receive, send):
        await receive()
        await send({"type": "websocket.close", "code": 4403})
        await receive()

    socket = WebsocketCommunicator(WebsocketLog(consumer), "/ws/rooms/7/")
    assert (await socket.connect()) == (False, 4403)
    await socket.disconnect(code=1006)
    await socket.wait()
    (line,) = [r for r in caplog.records if r.name == "puente.websocket"]
    assert line.getMessage() == "websocket refused /ws/rooms/7/ user=- code=4403"


def test_a_request_id_that_is_not_an_id_is_replaced(client, caplog, db):
    caplog.set_level(logging.INFO)
    response = client.get("/no-such-page/", headers={"X-Request-ID": "x" * 65})
    (line,) = request_lines(caplog, "/no-such-page/")
    assert line.request_id == response["X-Request-ID"] and len(line.request_id) == 32
