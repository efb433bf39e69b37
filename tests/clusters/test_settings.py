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


def test_embedded_sqlite_uses_wal_immediate_transactions_and_a_busy_timeout(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("this run uses PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
