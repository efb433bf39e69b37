"""The account pages and mails (allauth's) speak like the rest of Puente: "tú" in Spanish, and the
person's own language once they are signed in."""

from pathlib import Path

import allauth
import pytest
from django.urls import reverse

from clusters.account_texts import TEXTS
from tests.test_translations import read_po

ALLAUTH_ES = Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_every_listed_text_is_still_one_of_allauths():
    theirs = {entry["msgid"] for entry in read_po(ALLAUTH_ES)}
    assert [text for text in TEXTS if text not in theirs] == []


def test_the_spanish_login_and_sign_up_pages_say_tu_not_usted(client):
    login = client.get(reverse("account_login"), headers={"accept-language": "es"}).content.decode()
    assert "regístrate" in login and "¿Olvidaste tu contraseña?" in login
    assert "regístrese" not in login and "¿Ha olvidado su contraseña?" not in login
    signup = client.get(reverse("account_signup"), headers={"accept-language": "es"}).content.decode()
    assert "¿Ya tienes una cuenta?" in signup and "¿Ya tiene una cuenta?" not in signup


def test_signing_in_from_an_english_browser_greets_a_spanish_reader_in_spanish(client, ana):
    ana.language = "es"
    ana.save(update_fields=["language"])
    response = client.post(
        reverse("account_login"), {"login": "ana@example.org", "password": "puente-test-pw"},
        headers={"accept-language": "en-US"}, follow=True,
    )
    page = response.content.decode()
    assert "Iniciaste sesión como Ana Martínez." in page
    assert "Successfully signed in" not in page
