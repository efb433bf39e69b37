"""Error pages in production (DEBUG off, as in tests): in the site's layout and the reader's language,
with a way on, and never a word about settings."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from home import errors

SPANISH = {"accept-language": "es"}


def _is_ours(page: str) -> None:
    assert 'class="site-header"' in page  # the site's layout
    assert reverse("clusters:directory") in page  # a way on
    assert "DEBUG" not in page and "settings" not in page


def test_a_missing_page_is_a_spanish_404_in_the_sites_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-existe/", headers=SPANISH)
    assert response.status_code == 404
    page = response.content.decode()
    assert "No encontramos esta página" in page and 'lang="es"' in page
    _is_ours(page)


def test_an_outsider_gets_the_same_helpful_404_for_a_cluster_room(client, settings, otto, coffee):
    from messaging.services import room_general_for_cluster

    settings.DEBUG = False
    room = room_general_for_cluster(cluster=coffee)
    otto.language = "es"
    otto.save(update_fields=["language"])
    client.force_login(otto)
    page = client.get(reverse("messaging:room", args=[room.pk])).content.decode()
    assert "No encontramos esta página" in page
    assert "Otto Salinas" in page  # his own header: he is still signed in
    _is_ours(page)


def test_a_refused_form_explains_itself_in_spanish_without_mentioning_debug(settings):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "es"}, headers=SPANISH)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Este formulario caducó" in page
    assert "CSRF" not in page
    _is_ours(page)


@pytest.mark.parametrize("handler, status, title", [
    (errors.bad_request, 400, "No pudimos entender la solicitud"),
    (errors.permission_denied, 403, "Esto no está abierto para ti"),
    (errors.server_error, 500, "Algo falló de nuestro lado"),
])
def test_the_other_error_pages_are_spanish_and_ours(db, handler, status, title):
    request = RequestFactory().get("/", headers=SPANISH)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("es"):
        response = handler(request) if handler is errors.server_error else handler(request, Exception())
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    _is_ours(page)
