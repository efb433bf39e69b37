"""Every cookie Puente sets is Secure and has SameSite in production.

The cookie settings are read from config.settings loaded with DJANGO_DEBUG=false (in a separate process,
as production loads them), then a person's journey runs under them over HTTPS: sign-up page (CSRF),
sign-in (session, messages), language switch and onboarding (language), sign-out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]

READ_PRODUCTION_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in dir(settings)
                  if "COOKIE" in name or name in ("SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "MESSAGE_STORAGE")}))
"""


@pytest.fixture(scope="module")
def production_cookie_settings():
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ = {**base, "DJANGO_DEBUG": "false", "SECRET_KEY": "cookie-test-" + "k" * 40,
               "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", READ_PRODUCTION_SETTINGS], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {name: tuple(value) if isinstance(value, list) else value for name, value in found.items()}


def _is_deletion(morsel) -> bool:
    return str(morsel["max-age"]) == "0"


def _journey(nadie, ana, sector) -> dict[str, list]:
    """Every Set-Cookie of a person's first visit, by cookie name."""
    seen: dict[str, list] = {}
    client = Client()

    def keep(response):
        assert response.status_code < 400, response
        for name, morsel in response.cookies.items():
            seen.setdefault(name, []).append(morsel)
        return response

    keep(client.get(reverse("account_signup"), secure=True))
    keep(client.post(reverse("set_language"), {"language": "es", "next": "/"}, secure=True))
    keep(client.post(reverse("account_login"), {"login": ana.email, "password": "puente-test-pw"}, secure=True))
    keep(client.get(reverse("clusters:directory"), secure=True))  # shows and clears the sign-in message
    keep(client.post(reverse("account_logout"), secure=True))

    nadie.onboarded_at = None
    nadie.save(update_fields=["onboarded_at"])
    client.force_login(nadie)
    keep(client.post(reverse("clusters:onboarding"), {
        "name": "Nadia", "language": "pt-br", "country": "MX", "wants_to_mentor": "0",
        "firm_choice": "new", "firm_role": "owner", "firm_name": "Nopal Exporta", "firm_country": "MX",
        "firm_sectors": [sector.pk], "firm_size": "micro", "firm_export_stage": "aspirant",
    }, secure=True))
    return seen


def test_every_cookie_set_in_production_is_secure_and_same_site(production_cookie_settings, nadie, ana, sector):
    assert production_cookie_settings["LANGUAGE_COOKIE_SECURE"] is True
    with override_settings(**production_cookie_settings):
        seen = _journey(nadie, ana, sector)

    assert {"csrftoken", "sessionid", "messages", "django_language"} <= set(seen), sorted(seen)
    for name, morsels in seen.items():
        for morsel in morsels:
            assert morsel["samesite"] in ("Lax", "Strict"), f"{name} has no SameSite: {morsel.OutputString()}"
            # Django clears a cookie with an expired copy of it (sign-out, a shown message): nothing is stored.
            if not _is_deletion(morsel):
                assert morsel["secure"] is True, f"{name} is not Secure: {morsel.OutputString()}"
    assert any(not _is_deletion(m) for m in seen["django_language"])
