"""No input reaches a 500: every URL pattern (walked from the resolver, tests/security/routes.py) with
hostile values in each of its parameters, in its query string and in every field of the forms its page
shows, GET and POST, as anonymous and as signed-in people, against the demo world.

Hostile values: numbers beyond 64 bits (the ids and OFFSETs of PostgreSQL and SQLite overflow), negative
and zero, NUL (PostgreSQL text cannot hold it), bytes that are not UTF-8, and very long text. A page may
answer 2xx, a redirect, 400, 403, 404 or 405; never 500, and no exception may escape the view.

The world is the demo's, loaded once for the module (test_app_routes_matrix.demo_world) and rolled
back at the end; each test runs in its own savepoint. On PostgreSQL (DATABASE_URL, as in CI) the sweep
also proves the bigint and NUL cases, which SQLite lets through differently.
"""

from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from tests.security.routes import Route, fill, http_routes, parameters
from tests.security.test_app_routes_matrix import ROUTES, demo_world  # noqa: F401  (the module's world)

# Already percent-encoded, so that they reach the server as bytes.
HOSTILE = {
    "beyond 64 bits": "9223372036854775808",
    "far beyond 64 bits": "9" * 40,
    "negative": "-1",
    "zero": "0",
    "NUL": "%00",
    "NUL inside text": "caf%C3%A9%00especial",
    "not UTF-8": "%FF%FE%C3%28",
    "very long": "x" * 5000,
}
# Query string names the views read (and that a form on the page may not show).
QUERY_NAMES = [
    "page", "cluster", "q", "before", "reply", "status", "agency", "sector", "country", "language", "next",
    "session_date", "title", "sort", "topic", "market", "kind", "account", "user", "program", "unanswered",
]
DEFAULTS = {"slug": "cafe-especial", "agency_slug": "red-exporta"}
SIGNED_IN = ["member", "staff"]  # Ana of the coffee cluster; Rafael of the agency that funds it


def _is_admin(route: Route) -> bool:
    return route.name.startswith("admin:")


def _valid_kwargs(route: Route, world) -> dict[str, str]:
    spec = ROUTES.get(route.name)
    known = spec[1](world) if spec and spec[1] else {}
    return {name: str(known.get(name, DEFAULTS.get(name, "1"))) for name in parameters(route)}


def _client(persona: str, world) -> Client:
    client = Client(raise_request_exception=True)
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    return client


def _try(failures: list, persona: str, method: str, client: Client, url: str, **post) -> None:
    try:
        response = client.post(url, **post) if method == "POST" else client.get(url)
    except Exception as exc:  # the view let an exception escape: that is the 500 we look for
        failures.append(f"{persona} {method} {url[:200]}: {type(exc).__name__}: {str(exc)[:200]}")
        return
    if response.status_code >= 500:
        failures.append(f"{persona} {method} {url[:200]}: {response.status_code}")


def _routes(admin: bool) -> list[Route]:
    # Logging out would change the persona for the rest of the sweep.
    return [route for route in http_routes() if _is_admin(route) == admin and not route.name.endswith("logout")]


def _sweep_path_and_query(route: Route, world, personas, values=None) -> list[str]:
    failures = []
    valid = _valid_kwargs(route, world)
    for persona in personas:
        client = _client(persona, world)
        for value in values or HOSTILE.values():
            urls = [fill(route, {**valid, name: value}) for name in parameters(route)]
            urls.append(fill(route, valid) + "?" + "&".join(f"{name}={value}" for name in QUERY_NAMES))
            for url in urls:
                for method in ("GET", "POST"):
                    _try(failures, persona, method, client, url, data=f"action={value}&body={value}",
                         content_type="application/x-www-form-urlencoded")
    return failures


@pytest.mark.parametrize("route", _routes(admin=False), ids=lambda route: route.name)
def test_hostile_path_parameters_and_query_strings_never_give_a_500(demo_world, db, route):  # noqa: F811
    failures = _sweep_path_and_query(route, demo_world, ["anonymous", *SIGNED_IN])
    assert not failures, "\n".join(failures)


def test_hostile_values_on_the_admins_routes_never_give_a_500(demo_world, db):  # noqa: F811
    # Anonymous people and members are sent to the admin's login before anything reads the values, so
    # the kinds that reach a database differently are enough here (200 routes: a minute).
    values = [HOSTILE["beyond 64 bits"], HOSTILE["NUL"], HOSTILE["not UTF-8"]]
    failures = []
    for route in _routes(admin=True):
        failures += _sweep_path_and_query(route, demo_world, ["anonymous", "member"], values)
    assert not failures, "\n".join(failures)


class _Forms(HTMLParser):
    """The forms of a page: (method, action, field names)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").upper(), attrs.get("action") or "", set()))
        elif tag in ("input", "select", "textarea", "button") and self.forms and attrs.get("name"):
            self.forms[-1][2].add(attrs["name"])


# The pages whose forms are filled with hostile values, and who fills them.
FORM_PAGES = {
    "member": ["clusters:onboarding", "clusters:directory", "clusters:detail", "messaging:room",
               "messaging:notifications", "questions:detail", "questions:ask", "questions:edit", "questions:search",
               "questions:cluster", "questions:mine", "mentoring:directory", "mentoring:mentor", "mentoring:needs",
               "mentoring:mentorship", "incentives:wallet"],
    "mentor": ["mentoring:profile", "mentoring:request", "questions:answer_edit", "messaging:room"],
    "facilitator": ["messaging:moderation", "clusters:members", "clusters:pending", "messaging:topic_new"],
    "staff": ["incentives:program_create", "incentives:program", "incentives:awards", "incentives:redemptions",
              "incentives:catalog", "incentives:ledger", "incentives:audit", "incentives:console"],
}


@pytest.mark.parametrize("persona", sorted(FORM_PAGES))
def test_every_form_filled_with_hostile_values_never_gives_a_500(demo_world, db, persona):  # noqa: F811
    routes = {route.name: route for route in http_routes()}
    failures = []
    for name in FORM_PAGES[persona]:
        with transaction.atomic():  # what one page's forms change (leaving the cluster...) is undone for the next
            failures += _fill_forms(persona, routes[name], demo_world)
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def _fill_forms(persona: str, route: Route, world) -> list[str]:
    failures = []
    page = fill(route, _valid_kwargs(route, world))
    client = _client(persona, world)
    response = client.get(page)
    assert response.status_code == 200, f"{persona} cannot open {page}: {response.status_code}"
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = [(method, urlsplit(action).path or page, fields) for method, action, fields in parser.forms]
    assert forms, f"{page} shows no form"
    for method, action, fields in forms:
        if action.startswith(("/accounts/logout", "/language")):
            continue
        for value in HOSTILE.values():
            body = "&".join(f"{quote(field)}={value}" for field in sorted(fields) if field != "csrfmiddlewaretoken")
            if method == "GET":
                _try(failures, persona, "GET", client, f"{action}?{body}")
            else:
                _try(failures, persona, "POST", client, action, data=body,
                     content_type="application/x-www-form-urlencoded")
    return failures
