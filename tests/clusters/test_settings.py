"""Settings come from the environment; a bad value stops start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw", ["maybe", "2", "si"])
def test_a_boolean_that_is_not_one_is_refused(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env.env_bool("DJANGO_DEBUG", True)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("OFF", False), ("yes", True)])
def test_booleans_are_read_in_their_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env.env_bool("DJANGO_DEBUG", not expected) is expected


def test_a_number_that_is_not_one_is_refused(monkeypatch):
    monkeypatch.setenv("DB_POOL_MAX", "lots")
    with pytest.raises(ImproperlyConfigured, match="DB_POOL_MAX"):
        env.env_int("DB_POOL_MAX", 20)


def test_an_unknown_database_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_from_url("mysql://root@localhost/puente")


def test_a_postgres_url_is_read():
    db = env.database_from_url("postgres://puente:s3cret@db.internal:5433/puente")
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == (
        "django.db.backends.postgresql", "db.internal", 5433, "puente",
    )


def test_a_redis_url_must_be_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env.redis_url("REDIS_URL")


def test_email_url_reads_smtp_with_tls():
    email = env.email_from_url("smtp://mailer:p%40ss@mail.example:2525?tls=1")
    assert email["EMAIL_HOST"] == "mail.example"
    assert email["EMAIL_PORT"] == 2525
    assert email["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert email["EMAIL_USE_TLS"] is True


def test_email_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env.email_from_url("pigeon://coop")


def _manage(*args, **environ):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **environ},
        capture_output=True, text=True, timeout=120,
    )


def test_start_up_stops_with_a_clear_message_on_a_bad_value():
    result = _manage("check", DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_start_up_refuses_more_concurrent_pages_than_the_pool_leaves_room_for():
    """The sockets need database connections of their own beside the pages (infra/handlers.py)."""
    url = "postgres://puente@127.0.0.1:5432/puente"
    result = _manage("check", DATABASE_URL=url, DB_POOL_MAX="4", PAGE_CONCURRENCY="4")
    assert result.returncode != 0
    assert "PAGE_CONCURRENCY (4) must be below DB_POOL_MAX (4)" in result.stderr
    assert _manage("check", DATABASE_URL=url, DB_POOL_MAX="4", PAGE_CONCURRENCY="3").returncode == 0


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="false", ALLOWED_HOSTS="puente.example", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_deployment_check_is_clean_with_production_values():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_DEBUG="false",
        SECRET_KEY="x7#Qm2!vR9$kLp4@Zt8^Wn6&Yb3*Hc5%Jd1(Fg0)Se-As+Dq=Xe",
        ALLOWED_HOSTS="puente.example",
        CSRF_TRUSTED_ORIGINS="https://puente.example",
        DATABASE_URL="postgres://puente@127.0.0.1:5432/puente",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _db(url):
    return env.database_settings(url, sqlite_path="/tmp/x.sqlite3", busy_timeout=20, pool_min=1, pool_max=8,
                                 pool_timeout=5)


def test_embedded_sqlite_uses_wal_immediate_transactions_and_a_busy_timeout():
    options = _db("")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert "journal_mode=WAL" in options["init_command"]


def test_a_sqlite_url_gets_the_same_tuning():
    db = _db("sqlite:////var/lib/puente/puente.sqlite3")
    assert db["NAME"] == "/var/lib/puente/puente.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_gets_a_connection_pool():
    db = _db("postgres://puente@db:5432/puente")
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 5}
    assert db["CONN_MAX_AGE"] == 0


CONCURRENT_WRITERS = r"""
import os, sys, threading
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS tally (n INTEGER)")
errors = []

def writer():
    try:
        for _ in range(40):
            # Read, then write, in one transaction: with SQLite's default deferred transactions two
            # such writers deadlock on the lock upgrade and one fails with "database is locked".
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM tally")
                    (count,) = cursor.fetchone()
                    cursor.execute("INSERT INTO tally (n) VALUES (%s)", [count + 1])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*), MAX(n) FROM tally")
    print(*cursor.fetchone(), len(errors), errors[:1])
"""


def test_concurrent_writers_on_embedded_sqlite_wait_instead_of_failing(tmp_path):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'puente.sqlite3'}"},
    )
    assert result.returncode == 0, result.stderr
    rows, highest, failures, _first = result.stdout.split(maxsplit=3)
    assert (rows, highest, failures) == ("240", "240", "0")


def test_email_url_gives_every_email_setting():
    for url in ("console://", "locmem://", "file:///tmp/mail", "smtp://mail.example"):
        assert set(env.email_from_url(url)) == {
            "EMAIL_BACKEND", "EMAIL_FILE_PATH", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_SSL", "EMAIL_USE_TLS",
        }


def test_match_weights_are_read_by_name(monkeypatch):
    monkeypatch.setenv("PUENTE_MATCH_WEIGHTS", "market=5, sector=2.5")
    assert env.env_weights("PUENTE_MATCH_WEIGHTS") == {"market": 5.0, "sector": 2.5}
    monkeypatch.setenv("PUENTE_MATCH_WEIGHTS", "market")
    with pytest.raises(ImproperlyConfigured, match="PUENTE_MATCH_WEIGHTS"):
        env.env_weights("PUENTE_MATCH_WEIGHTS")


def test_no_app_reads_a_setting_with_a_default_of_its_own():
    """Every setting and its default live in config/settings.py (read through config.env)."""
    apps = [path for path in ROOT.glob("*/**/*.py") if path.relative_to(ROOT).parts[0] not in {"tests", "bench", ".venv"}]
    offenders = [str(path) for path in apps if "getattr(settings" in path.read_text()]
    assert offenders == []
