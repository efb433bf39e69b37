"""The console's "API and webhooks" page: a token is shown once and then only its prefix; revoking
works; other agencies' staff get 404; the page's query count stays put."""

import pytest
from django.urls import reverse

from agency_api import services as api_services
from agency_api.models import ApiToken, WebhookEndpoint
from agency_api.services import token_hash
from tests.agency_api.conftest import Api, make_token

LAYOUT = 2  # session, user (the header's counts and agency check are kept: infra.cache)


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(client, agency, rafael):
    client.force_login(rafael)
    url = reverse("agency_api:console", args=[agency.slug])
    response = client.post(url, {"name": "CRM sync", "scopes": ["read", "write:awards"], "expires_in_days": 30})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.context["new_token"]
    assert text.startswith("pte_") and text in response.content.decode()
    token = ApiToken.objects.get()
    assert token.token_hash == token_hash(text) and text not in str(ApiToken.objects.values().get())
    assert token.scopes == ["read", "write:awards"]
    page = client.get(url).content.decode()
    assert text not in page and token.prefix in page
    assert Api(client, text).get("/programs").status_code == 200


def test_revoking_a_token_from_the_console_stops_it(client, agency, rafael):
    token, text = make_token(agency, rafael)
    client.force_login(rafael)
    response = client.post(reverse("agency_api:token_revoke", args=[agency.slug, token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == rafael
    client.logout()
    assert Api(client, text).get("/programs").status_code == 401


def test_a_webhook_is_added_with_its_secret_shown_once(client, agency, rafael):
    client.force_login(rafael)
    response = client.post(reverse("agency_api:webhook_create", args=[agency.slug]),
                           {"url": "https://crm.example/puente", "events": ["award.approved"]})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(reverse("agency_api:console", args=[agency.slug])).content.decode()
    bad = client.post(reverse("agency_api:webhook_create", args=[agency.slug]),
                      {"url": "http://crm.example/puente", "events": ["award.approved"]})
    assert bad.status_code == 400 and WebhookEndpoint.objects.count() == 1


def test_other_agencies_staff_and_outsiders_get_404(client, agency, rafael, nadie):
    from tests.conftest import make_person

    token, _text = make_token(agency, rafael)
    olga = make_person("olga@example.org", name="Olga Otra", country="CL")
    for person in (olga, nadie):
        client.force_login(person)
        assert client.get(reverse("agency_api:console", args=[agency.slug])).status_code == 404
        assert client.post(reverse("agency_api:token_revoke", args=[agency.slug, token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_has_a_fixed_query_count(client, agency, rafael, django_assert_num_queries, settings):
    from agency_api import webhooks

    settings.PUENTE_WEBHOOKS_ALLOW_HTTP = True
    client.force_login(rafael)
    url = reverse("agency_api:console", args=[agency.slug])

    def grow(n):
        for _ in range(n):
            make_token(agency, rafael)
            endpoint = api_services.webhook_endpoint_create(agency=agency, acting_user=rafael,
                                                            url="https://crm.example/h", events=["award.approved"])
            webhooks.on_agency_event(None, agency_id=agency.pk, event="outcome.reported", ids={"mentorship": 1})
            endpoint.events = ["outcome.reported"]
            endpoint.save()

    client.get(url)  # the header's values kept, as on every page after the first
    for n in (1, 10):
        grow(n)
        webhooks.on_agency_event(None, agency_id=agency.pk, event="outcome.reported", ids={"mentorship": 2})
        # agency (staff check), queue counts (awards + redemptions), tokens with their makers, endpoints,
        # latest deliveries with their endpoints
        with django_assert_num_queries(LAYOUT + 3 + 3):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize(("lang", "title"), [("es", "API y webhooks"), ("pt-br", "API e webhooks")])
def test_the_page_speaks_the_readers_language(client, agency, rafael, lang, title):
    rafael.language = lang
    rafael.save(update_fields=["language"])
    client.force_login(rafael)
    page = client.get(reverse("agency_api:console", args=[agency.slug])).content.decode()
    assert title in page


def test_the_console_nav_links_the_page(client, agency, rafael):
    client.force_login(rafael)
    page = client.get(reverse("incentives:console", args=[agency.slug])).content.decode()
    assert reverse("agency_api:console", args=[agency.slug]) in page


@pytest.mark.parametrize(("lang", "scope", "event"), [
    ("es", "Aprobar y rechazar canjes", "Se solicitó un canje"),
    ("pt-br", "Aprovar e rejeitar resgates", "Foi solicitado um resgate"),
])
def test_scopes_and_events_are_named_in_the_readers_language(client, agency, rafael, lang, scope, event):
    make_token(agency, rafael, scopes=["read", "write:redemptions"])
    api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url="https://crm.example.org/hook",
                                         events=["redemption.requested"])
    rafael.language = lang
    rafael.save(update_fields=["language"])
    client.force_login(rafael)
    page = client.get(reverse("agency_api:console", args=[agency.slug])).content.decode()
    tokens = page[page.index("<tbody>"):page.index("</tbody>")]  # the first table: the tokens
    assert scope in tokens and "write:redemptions" not in tokens
    endpoints = page[page.index("https://crm.example.org/hook"):]
    endpoints = endpoints[:endpoints.index("</tr>")]
    assert event in endpoints and "redemption.requested" not in endpoints
