"""The site header (messaging.header): rendered once per content and kept, so it must be exactly what
rendering the partial for the request gives, for everyone, and never someone else's or an old one."""

import re
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from clusters.nav import nav_person
from messaging import header, services
from messaging.selectors import nav_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_store():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def header_of(html: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def without_tokens(html: str) -> str:
    # A token is masked afresh for each use; that the page's token is valid is tested below.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="TOKEN"', html)


def expected_header(response) -> str:
    """The partial rendered directly for the response's request, with its real values (no markers)."""
    request = response.wsgi_request
    user = request.user
    language = translation.get_language().lower()
    context = {
        "language_options": [
            {"code": code, "name": settings.LANGUAGE_NATIVE_NAMES[code], "current": code == language}
            for code, _ in settings.LANGUAGES
        ],
        "csrf_token": get_token(request),
        "next_path": request.get_full_path(),
        "user": user,
    }
    if user.is_authenticated:
        context.update(nav_person(user=user), nav_counts=nav_counts(user=user))
    return get_template(header.TEMPLATE).render(context).strip()


@pytest.mark.parametrize("who", ["visitor", "ana", "mateo", "rafael", "superuser"])
@pytest.mark.parametrize("language", ["es", "pt-br", "en"])
def test_the_kept_header_is_the_partial_rendered_for_the_request(who, language, request, client, settings):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for path in (reverse("clusters:directory"), reverse("clusters:directory") + "?q=caf%C3%A9&sector=1"):
        response = client.get(path)  # the second time from the store
        assert without_tokens(header_of(response.content.decode())) == without_tokens(expected_header(response))


def test_each_person_sees_their_own_name_and_links(client, ana, mateo, rafael):
    url = reverse("clusters:directory")
    client.force_login(ana)
    assert "Ana Martínez" in header_of(client.get(url).content.decode())
    client.force_login(mateo)  # a mentor: "Questions" leads to the questions waiting for them
    page = header_of(client.get(url).content.decode())
    assert "Mateo Restrepo" in page and "Ana Martínez" not in page
    assert f'href="{reverse("questions:waiting")}"' in page
    client.force_login(rafael)  # agency staff, no firm
    page = header_of(client.get(url).content.decode())
    assert f'href="{reverse("incentives:console_index")}"' in page
    assert "/firms/" not in page


def test_a_new_name_or_badge_count_shows_on_the_next_page(client, ana, mateo):
    client.force_login(ana)
    url = reverse("clusters:directory")
    assert 'data-count="0" data-notifications-badge>' in header_of(client.get(url).content.decode())
    services.notification_create(recipient=ana, actor=mateo, kind="answer", text="Mateo answered", url="/")
    assert 'data-count="1" data-notifications-badge>1<' in header_of(client.get(url).content.decode())
    ana.name = "Ana M. Martínez"
    ana.save()
    assert "Ana M. Martínez" in header_of(client.get(url).content.decode())


def test_the_header_is_rendered_once_for_the_same_content(client, ana):
    client.force_login(ana)
    with mock.patch.object(header, "_render", wraps=header._render) as render:
        client.get(reverse("clusters:directory"))
        client.get(reverse("clusters:mine"))
        client.get(reverse("clusters:directory") + "?page=2")
    assert render.call_count == 1


def test_the_forms_carry_this_requests_token_and_address(ana):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    response = client.get(reverse("clusters:directory"), QUERY_STRING="q='><script>alert(1)</script>&sector=1")
    page = header_of(response.content.decode())
    assert "<script>alert" not in page
    assert ('<input type="hidden" name="next" value="/clusters/?q=&#x27;%3E%3Cscript%3Ealert(1)%3C/script%3E&amp;sector=1">'
            in page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("set_language"), {"csrfmiddlewaretoken": token, "language": "es",
                                                     "next": "/clusters/"})
    assert response.status_code == 302  # a wrong or kept token would be refused with 403
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert "_auth_user_id" not in client.session
