"""Puente's one settings module. Every value that differs between a laptop and production comes from
the environment (see config/env.py and the README's configuration table)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    database_settings,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_weights,
    redis_url,
)
from infra.logs import logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
TESTING = env_bool("PUENTE_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = "dev-only-insecure-key-puente-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "home.errors.csrf_failure"  # a page in the reader's language, with a way back
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "allauth",
    "allauth.account",
    "django_countries",
    "ninja",  # the agency API's docs page, with its assets served locally (no CDN)
    # Puente, in dependency order: each app may import only those above it.
    "clusters",
    "attachments",  # files attached to what the apps above own; asks them who may read (attachments.access)
    "incentives",
    "messaging",
    "questions",
    "mentoring",
    "library",
    "readiness",  # export-readiness assessment: reaches clusters and mentoring through their hooks
    "agency_api",
    "home",  # the signed-in home page: reads every app above, imported by none
]

MIDDLEWARE = [
    "infra.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "infra.middleware.ContentSecurityPolicyMiddleware",
    "infra.middleware.UnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clusters.middleware.PersonLanguageMiddleware",
    "clusters.middleware.PersonTimeZoneMiddleware",
    "clusters.middleware.OnboardingMiddleware",
    "infra.ratelimit.RateLimitedMiddleware",
    "infra.middleware.ConflictMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL"),
        sqlite_path=BASE_DIR / "db.sqlite3",
        busy_timeout=env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        pool_min=env_int("DB_POOL_MIN", 1, minimum=0),
        pool_max=env_int("DB_POOL_MAX", 20, minimum=1),
        pool_timeout=env_int("DB_POOL_TIMEOUT", 10, minimum=1),
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Page requests a server process works on at once; the rest wait their turn, holding nothing
# (infra/handlers.py). Below the pool size, so that the websockets' own database work always finds a
# connection.
PAGE_CONCURRENCY = env_int("PAGE_CONCURRENCY", 4, minimum=1)
_pool = DATABASES["default"].get("OPTIONS", {}).get("pool")
if _pool and _pool["max_size"] <= PAGE_CONCURRENCY:
    raise ImproperlyConfigured(
        f"PAGE_CONCURRENCY ({PAGE_CONCURRENCY}) must be below DB_POOL_MAX ({_pool['max_size']}): the "
        "websockets need connections of their own."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer --------------------------------------------------------------------
REDIS_URL = redis_url("REDIS_URL")
# Every key Puente writes to Redis starts with this (cache, channel layer, presence), so that one Redis
# database can hold two sites (the browser tests' server beside the tests' own keys) and each can
# delete its own keys. Each worker of a parallel test run (pytest-xdist names it in PYTEST_XDIST_WORKER)
# writes under keys of its own.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "puente:") + (
    f"{os.environ['PYTEST_XDIST_WORKER']}:" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "infra.cache.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": f"{REDIS_KEY_PREFIX}cache"}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30, "prefix": f"{REDIS_KEY_PREFIX}asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "puente",
                          "OPTIONS": {"MAX_ENTRIES": 20_000}}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Rendered HTML (the site header, rows, Q&A pages: infra.cache) is kept in each process's memory: a
# fragment is read many times a page, and shipping it from Redis cost more than keeping it near.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "puente-fragments",
                       "TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": env_int("PUENTE_FRAGMENTS_MAX", 20_000)}}
# Kinds of kept values (infra.cache.KINDS) to bypass, comma-separated: for benches and for an operator
# who suspects one of them.
PUENTE_CACHE_OFF = frozenset(filter(None, env_str("PUENTE_CACHE_OFF", "").split(",")))

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "clusters.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True  # the link in the mail confirms: no second "Confirm" page
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Puente] "
ACCOUNT_ADAPTER = "clusters.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "clusters.adapters.user_display"
ACCOUNT_FORMS = {"signup": "clusters.adapters.SignupForm", "add_email": "clusters.adapters.AddEmailForm"}
# allauth's defaults are kept (login failures, sign-ups, confirmation and reset mails per IP and per
# key) and stored in the cache above: Redis in production, so every process counts the same tries.
# PUENTE_RATE_LOGIN (allauth's form, default 30 sign-ins a minute from one address) is for a site whose
# people share one address, behind an office's or a mobile carrier's NAT.
ACCOUNT_RATE_LIMITS = {
    "login": env_str("PUENTE_RATE_LOGIN", "30/m/ip"),
    "login_failed": "10/m/ip,5/5m/key",
}

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("es", _("Spanish")), ("pt-br", _("Portuguese (Brazil)")), ("en", _("English"))]
LANGUAGE_NATIVE_NAMES = {"es": "Español", "pt-br": "Português", "en": "English"}
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/Bogota")
USE_I18N = True
USE_TZ = True
COUNTRIES_FIRST = []

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# Attachments (attachments/): on the local file system by default, in S3-compatible object storage
# when ATTACHMENTS_S3_BUCKET is set (several app machines; docs/DEPLOY.md, "Files").
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
_attachments_bucket = env_str("ATTACHMENTS_S3_BUCKET")
if _attachments_bucket:
    _attachments_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _attachments_bucket,
            "endpoint_url": env_str("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("ATTACHMENTS_S3_REGION") or None,
            "access_key": env_str("ATTACHMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("ATTACHMENTS_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,  # downloads redirect to URLs signed for a short while
            "querystring_expire": env_int("PUENTE_ATTACHMENT_URL_SECONDS", 60, minimum=5),
            "file_overwrite": False,
        },
    }
else:
    _attachments_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base URL: files are served only through the checked download view, never as /media/.
        "OPTIONS": {"location": env_str("ATTACHMENTS_ROOT", str(Path(MEDIA_ROOT) / "private")), "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": _attachments_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if WHITENOISE_USE_FINDERS:
    # Static files come from the app folders here; no collectstatic run is needed or expected.
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")

# --- Email ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Puente <no-reply@puente.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email = email_from_url(env_str("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]

# --- Security ---------------------------------------------------------------------------------
# Every cookie Puente sets has SameSite, and Secure in production (tests/test_cookies.py): the session,
# CSRF and language cookies from their settings, the messages cookie from the session's.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# Served on every HTML response by infra.middleware: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# --- Logging ----------------------------------------------------------------------------------
# One line per request and per websocket (infra/logs.py): JSON in production, text on a laptop.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = logging_settings(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))

# --- Puente -------------------------------------------------------------------------------------
PUENTE_PAGE_SIZE = env_int("PUENTE_PAGE_SIZE", 24, minimum=1)
# Mentoring: open requests an aspirant may have at once, days a request stays open, and the matching
# weights that differ from mentoring.matching.DEFAULT_WEIGHTS ("market=5,sector=2").
PUENTE_MAX_OPEN_MENTORSHIP_REQUESTS = env_int("PUENTE_MAX_OPEN_MENTORSHIP_REQUESTS", 3, minimum=1)
PUENTE_MENTORSHIP_REQUEST_DAYS = env_int("PUENTE_MENTORSHIP_REQUEST_DAYS", 14, minimum=1)
PUENTE_MATCH_WEIGHTS = env_weights("PUENTE_MATCH_WEIGHTS")

# Rate limits per person (infra/ratelimit.py, docs/SECURITY.md): at most COUNT per SECONDS, written
# COUNT/SECONDS. Services count an action just before they write it.
# Seconds after posting during which a message's author may edit or delete it.
PUENTE_MESSAGE_EDIT_WINDOW = env_int("PUENTE_MESSAGE_EDIT_WINDOW", 15 * 60, minimum=0)
PUENTE_RATE_LIMITS = {
    "message": env_rate("PUENTE_RATE_MESSAGE", "20/10"),  # messages and edits, by socket or form
    "answer": env_rate("PUENTE_RATE_ANSWER", "10/600"),
    "question": env_rate("PUENTE_RATE_QUESTION", "5/600"),
    "vote": env_rate("PUENTE_RATE_VOTE", "60/600"),
    "mentorship_request": env_rate("PUENTE_RATE_MENTORSHIP_REQUEST", "5/3600"),
    "mentorship_withdraw": env_rate("PUENTE_RATE_MENTORSHIP_WITHDRAW", "5/3600"),
    "mention": env_rate("PUENTE_RATE_MENTION", "20/600"),  # people notified by @mentions
    "report": env_rate("PUENTE_RATE_REPORT", "10/3600"),
    "redemption": env_rate("PUENTE_RATE_REDEMPTION", "5/3600"),
    "join_request": env_rate("PUENTE_RATE_JOIN_REQUEST", "10/3600"),  # asking to join a cluster or a firm
    "api": env_rate("PUENTE_RATE_API", "600/60"),  # agency API calls, per token (docs/API.md)
}
# Attachments (attachments/processing.py): sizes, how many per message, pixels an image may have
# (decompression bombs), quotas per person per day and per cluster, and nginx's internal location
# (X-Accel-Redirect) when the proxy serves the bytes (deploy/nginx.conf), empty to stream them.
PUENTE_ATTACHMENT_MAX_BYTES = env_int("PUENTE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PUENTE_ATTACHMENT_MAX_FILES = env_int("PUENTE_ATTACHMENT_MAX_FILES", 5, minimum=1)
PUENTE_ATTACHMENT_MAX_PIXELS = env_int("PUENTE_ATTACHMENT_MAX_PIXELS", 50_000_000, minimum=1_000_000)
PUENTE_ATTACHMENT_DAILY_BYTES = env_int("PUENTE_ATTACHMENT_DAILY_BYTES", 200 * 1024 * 1024, minimum=1024)
PUENTE_ATTACHMENT_CLUSTER_BYTES = env_int("PUENTE_ATTACHMENT_CLUSTER_BYTES", 20 * 1024**3, minimum=1024)
PUENTE_ATTACHMENT_ACCEL_REDIRECT = env_str("PUENTE_ATTACHMENT_ACCEL_REDIRECT", "")
# A form with five files of the largest size, and then some, goes through (files are checked one by one).
DATA_UPLOAD_MAX_NUMBER_FILES = PUENTE_ATTACHMENT_MAX_FILES * 2
# Notification emails to one person: the first PUENTE_EMAIL_BURST in each PUENTE_EMAIL_WINDOW seconds
# go out at once; the rest wait for `send_notification_digests`, one email that gathers them.
PUENTE_EMAIL_BURST = env_int("PUENTE_EMAIL_BURST", 3, minimum=1)
PUENTE_EMAIL_WINDOW = env_int("PUENTE_EMAIL_WINDOW", 3600, minimum=60)

# Agency webhooks (agency_api/webhooks.py, docs/API.md): seconds per POST, the lease a worker holds on a
# delivery (longer than the timeout), the first retry delay (doubling up to the max), attempts before giving up.
PUENTE_WEBHOOK_TIMEOUT = env_int("PUENTE_WEBHOOK_TIMEOUT", 10, minimum=1)
PUENTE_WEBHOOK_LEASE = env_int("PUENTE_WEBHOOK_LEASE", 60, minimum=2)
PUENTE_WEBHOOK_BACKOFF = env_int("PUENTE_WEBHOOK_BACKOFF", 30, minimum=1)
PUENTE_WEBHOOK_BACKOFF_MAX = env_int("PUENTE_WEBHOOK_BACKOFF_MAX", 6 * 3600, minimum=1)
PUENTE_WEBHOOK_MAX_ATTEMPTS = env_int("PUENTE_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1)
# Plain http:// webhook addresses, for local testing only.
PUENTE_WEBHOOKS_ALLOW_HTTP = env_bool("PUENTE_WEBHOOKS_ALLOW_HTTP", False)
