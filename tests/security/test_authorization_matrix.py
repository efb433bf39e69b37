"""The authorisation matrix: every HTTP route, every persona, the outcome each must get.

Routes come from the URL resolver (tests/security/routes.py). A route that appears without an entry
in EXPECTATIONS fails `test_every_route_has_an_expectation`, so nobody can add a page and forget to
decide who may see it. Outsiders get the same 404 as for a missing object.

Outcomes: "ok" (2xx), "login" (redirect to the login page), "redirect" (elsewhere), "403", "404", "405".
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clusters.models import Agency, ClusterMembership, FirmMember
from tests.conftest import activate, make_person
from tests.security.routes import http_routes

User = get_user_model()

PERSONAS = [
    "anonymous", "logged_out", "deactivated", "outsider", "other_member", "member", "mentor",
    "facilitator", "other_staff", "staff", "superuser",
]
ANONYMOUS = {"anonymous", "logged_out", "deactivated"}
SIGNED_IN = [p for p in PERSONAS if p not in ANONYMOUS]


def everyone(outcome: str) -> dict:
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome: str, anonymous: str = "login", **overrides: str) -> dict:
    return {**dict.fromkeys(ANONYMOUS, anonymous), **dict.fromkeys(SIGNED_IN, outcome), **overrides}


def only(allowed: set[str], outcome: str = "ok", others: str = "404", anonymous: str = "login") -> dict:
    return {
        persona: anonymous if persona in ANONYMOUS else (outcome if persona in allowed else others)
        for persona in PERSONAS
    }


FACILITATORS = {"facilitator", "superuser"}

# route name -> (method, kwargs builder, expectations by persona)
EXPECTATIONS: dict[str, tuple[str, object, dict]] = {
    "home": ("get", None, everyone("ok")),
    "set_language": ("post", None, everyone("redirect")),
    "set_time_zone": ("post", None, everyone("400")),  # no zone given; a valid one answers 204 to all
    # allauth
    "account_login": ("get", None, signed_in("redirect", anonymous="ok")),
    "account_logout": ("get", None, signed_in("ok", anonymous="redirect")),
    "account_inactive": ("get", None, everyone("ok")),
    "account_signup": ("get", None, signed_in("redirect", anonymous="ok")),
    "account_reauthenticate": ("get", None, signed_in("ok")),
    # The superuser persona has no verified address to send a code to.
    "account_request_reauthentication_code": ("get", None, signed_in("ok", superuser="redirect")),
    "account_confirm_reauthentication_code": ("get", None, signed_in("redirect")),
    "account_email": ("get", None, signed_in("ok")),
    "account_email_verification_sent": ("get", None, everyone("ok")),
    "account_change_password": ("get", None, signed_in("ok")),
    "account_set_password": ("get", None, signed_in("redirect")),
    "account_reset_password": ("get", None, everyone("ok")),
    "account_confirm_login_code": ("get", None, signed_in("redirect")),
    "account_confirm_email": ("get", lambda w: {"key": "not-a-real-key"}, everyone("ok")),
    "account_reset_password_from_key_done": ("get", None, everyone("ok")),
    "account_reset_password_from_key": ("get", lambda w: {"uidb36": "1", "key": "bad-key"}, everyone("ok")),
    "account_reset_password_done": ("get", None, everyone("ok")),
    # clusters
    "clusters:onboarding": ("get", None, signed_in("ok")),
    "clusters:directory": ("get", None, everyone("ok")),
    "clusters:mine": ("get", None, signed_in("ok")),
    "clusters:pending": ("get", None, signed_in("ok")),
    "clusters:pending_decide": (
        "post", lambda w: {"membership_id": w["pending"].pk, "decision": "approve"},
        only(FACILITATORS, outcome="redirect"),
    ),
    "clusters:detail": ("get", lambda w: {"slug": w["cluster"].slug}, everyone("ok")),
    "clusters:join": ("post", lambda w: {"slug": w["cluster"].slug}, signed_in("redirect")),
    "clusters:leave": ("post", lambda w: {"slug": w["cluster"].slug}, signed_in("redirect")),
    "clusters:members": ("get", lambda w: {"slug": w["cluster"].slug}, only(FACILITATORS, others="403")),
    "clusters:member_manage": (
        "post", lambda w: {"slug": w["cluster"].slug, "membership_id": w["member_membership"].pk, "action": "mentor"},
        only(FACILITATORS, outcome="redirect", others="403"),
    ),
    "clusters:firm": ("get", lambda w: {"firm_id": w["firm"].pk}, everyone("ok")),
    # Only the firm's own people edit its profile.
    "clusters:firm_edit": ("get", lambda w: {"firm_id": w["firm"].pk}, only({"member", "superuser"})),
    "clusters:firm_decide": (
        "post", lambda w: {"firm_id": w["firm"].pk, "member_id": w["firm_pending"].pk, "decision": "approve"},
        # Only the firm's own people decide who joins it.
        only({"member", "superuser"}, outcome="redirect"),
    ),
}

ADMIN = re.compile(r"^admin:")


@pytest.fixture
def world(db, coffee, seafood, agency, ana, mateo, lucia, rafael, otto, nadie, superuser):
    other_agency = Agency.objects.create(slug="otra", name="Otra agencia", country="CL")
    ines = make_person("ines@example.org", name="Inés Staff", country="CL")
    other_agency.staff.add(ines)
    dora = make_person("dora@example.org", name="Dora Deactivated")
    activate(dora, coffee)
    User.objects.filter(pk=dora.pk).update(is_active=False)
    pedro = make_person("pedro@example.org", name="Pedro Pending")
    pending = ClusterMembership.objects.create(cluster=coffee, user=pedro, status=ClusterMembership.Status.PENDING)
    firm = ana.firm_member.firm
    firm_pending = FirmMember.objects.create(firm=firm, user=pedro, role="staff", status=FirmMember.Status.PENDING)
    return {
        "cluster": coffee,
        "pending": pending,
        "member_membership": ClusterMembership.objects.get(cluster=coffee, user=ana),
        "firm": firm,
        "firm_pending": firm_pending,
        "people": {
            "deactivated": dora, "outsider": nadie, "other_member": otto, "member": ana, "mentor": mateo,
            "facilitator": lucia, "other_staff": ines, "staff": rafael, "superuser": superuser,
        },
        "at": timezone.now(),
    }


def _admin_add_routes_refused(superuser) -> set[str]:
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = superuser
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_add"
        for model, model_admin in admin.site._registry.items()
        if not model_admin.has_add_permission(request)
    }


def client_for(persona: str, world) -> Client:
    client = Client()
    if persona == "anonymous":
        return client
    if persona == "logged_out":
        client.force_login(world["people"]["member"])
        client.logout()
        return client
    client.force_login(world["people"][persona])
    return client


def outcome_of(response) -> str:
    if 200 <= response.status_code < 300:
        return "ok"
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        login_pages = (reverse("account_login"), reverse("admin:login"))
        return "login" if location.startswith(login_pages) else "redirect"
    return str(response.status_code)


# Routes whose authorisation has a matrix of its own: the agency API answers tokens, not sessions
# (tests/agency_api/test_authorisation.py: another agency's token, revoked, expired, wrong scope), and the
# console's token and webhook writes are checked per agency in tests/agency_api/test_console_page.py.
COVERED_ELSEWHERE = re.compile(r"^agency_api_v1:|^agency_api:(token_revoke|webhook_create|webhook_disable|delivery_replay)$")


def _app_routes():
    return [route for route in http_routes() if not ADMIN.match(route.name) and not COVERED_ELSEWHERE.match(route.name)]


def test_every_route_has_an_expectation():
    from tests.security.test_app_routes_matrix import ROUTES

    missing = [route.name for route in _app_routes() if route.name not in EXPECTATIONS and route.name not in ROUTES]
    assert not missing, f"routes with no authorisation expectation: {missing}"


@pytest.mark.parametrize("route_name", sorted(EXPECTATIONS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_route_gives_each_persona_the_expected_outcome(world, route_name, persona):
    method, kwargs_for, expectations = EXPECTATIONS[route_name]
    kwargs = kwargs_for(world) if kwargs_for else {}
    url = reverse(route_name, kwargs=kwargs)
    client = client_for(persona, world)
    response = client.post(url) if method == "post" else client.get(url)
    assert outcome_of(response) == expectations[persona], f"{persona} {method.upper()} {url}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_is_for_superusers_only(world, persona):
    client = client_for(persona, world)
    for route in http_routes():
        if not ADMIN.match(route.name) or "<" in route.pattern:
            continue
        if route.name == "admin:logout" or (route.name == "admin:autocomplete" and persona == "superuser"):
            continue  # logging out changes the persona; autocomplete needs a field to complete
        response = client.get(reverse(route.name))
        expected = "ok" if persona == "superuser" else "login"
        if persona == "superuser" and route.name in _admin_add_routes_refused(world["people"]["superuser"]):
            expected = "403"  # ledger rows, votes and the like are written by services only
        if route.name == "admin:login" and persona in SIGNED_IN:
            # Signed in but not staff: allauth's admin guard refuses rather than asking to log in again.
            expected = "redirect" if persona == "superuser" else "403"
        assert outcome_of(response) == expected, f"{persona} GET {route.pattern}"


@pytest.mark.parametrize("route_name", sorted(name for name, spec in EXPECTATIONS.items() if spec[0] == "post"))
def test_every_post_route_refuses_a_request_without_a_csrf_token(world, route_name):
    _method, kwargs_for, _expectations = EXPECTATIONS[route_name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["people"]["superuser"])
    response = client.post(reverse(route_name, kwargs=kwargs_for(world) if kwargs_for else {}))
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_logging_in_never_redirects_off_site(client, ana, target):
    response = client.post(
        reverse("account_login") + f"?next={target}", {"login": ana.email, "password": "puente-test-pw", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))
