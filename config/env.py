"""Small, strict readers for settings that come from the environment.

Each one returns a working default when the variable is unset and raises ImproperlyConfigured, naming
the variable, when it is set to something that cannot be right.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit written COUNT/SECONDS ("20/10": at most 20 in any 10 seconds), as (count, seconds)."""
    raw = os.environ.get(name, default)
    count, slash, seconds = raw.strip().partition("/")
    try:
        value = (int(count), int(seconds))
    except ValueError:
        value = None
    if not slash or value is None or value[0] < 1 or value[1] < 1:
        raise ImproperlyConfigured(f"{name} must be COUNT/SECONDS with both at least 1, as in 20/10, not {raw!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_weights(name: str) -> dict[str, float]:
    """Numbers by name written NAME=NUMBER,NAME=NUMBER ("market=5,sector=2"); {} when unset."""
    raw = os.environ.get(name, "")
    weights = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, equals, number = item.partition("=")
        try:
            weights[key.strip()] = float(number)
        except ValueError:
            weights = None
        if not equals or weights is None or not key.strip():
            raise ImproperlyConfigured(f"{name} must be NAME=NUMBER pairs separated by commas, as in market=5, not {raw!r}.")
    return weights


def database_from_url(url: str) -> dict:
    """A DATABASES["default"] entry for a postgres:// or sqlite:// URL."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite://, not {scheme or url!r}://."
        )
    try:
        return dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from None


def database_settings(url: str, *, sqlite_path, busy_timeout: int, pool_min: int, pool_max: int, pool_timeout: int):
    """DATABASES["default"]: SQLite tuned for concurrent writers, or PostgreSQL with a connection pool."""
    if not url:
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock when a
        # transaction starts, so two writers queue on the busy timeout instead of failing with
        # "database is locked" when one of them upgrades a read lock half-way through.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": busy_timeout,
            },
        }
    db = database_from_url(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return database_settings("", sqlite_path=db["NAME"], busy_timeout=busy_timeout, pool_min=0, pool_max=0,
                                 pool_timeout=0)
    # Django's psycopg pool: connections are reused across requests and consumer threads.
    db["CONN_MAX_AGE"] = 0
    db.setdefault("OPTIONS", {})["pool"] = {"min_size": pool_min, "max_size": pool_max, "timeout": pool_timeout}
    return db


def redis_url(name: str) -> str | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or unix:// URL, not {raw!r}.")
    return raw


_NO_SMTP = {"EMAIL_FILE_PATH": None, "EMAIL_HOST": "localhost", "EMAIL_PORT": 25, "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": False}


def email_from_url(url: str) -> dict:
    """Every email setting (EMAIL_BACKEND, EMAIL_FILE_PATH, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_SSL, EMAIL_USE_TLS) from smtp://user:password@host:port?tls=1 (or
    ssl=1), console://, locmem:// or file:///path/to/folder (one file per message; the browser tests
    read their mail there)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {**_NO_SMTP, "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": parts.path}
    if parts.scheme == "console":
        return {**_NO_SMTP, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {**_NO_SMTP, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL must be smtp://, smtps://, console://, locmem:// or file://, not {url!r}.")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, as in smtp://user:password@mail.example:587?tls=1.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps" or query.get("ssl") in _TRUE
    try:
        port = parts.port or (465 if use_ssl else 587)
    except ValueError:
        raise ImproperlyConfigured(f"EMAIL_URL has a port that is not a number: {url!r}.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_FILE_PATH": None,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_USE_TLS": not use_ssl and query.get("tls", "1") in _TRUE,
    }
