"""What a GET may change (docs/SECURITY.md): a person's own read position and nothing else. A link
from another site, a prefetching browser or a crawler follows GETs freely, so an award, a membership,
a notification's state or anything another person sees is only ever changed by a POST.

Every GET route of the project (walked from the URL resolver) is opened by each persona against the
demo world, with the SQL it runs captured; a write (INSERT, UPDATE, DELETE) to any table but those
listed in ALLOWED fails.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.security.routes import fill, http_routes
from tests.security.test_app_routes_matrix import _client, demo_world  # noqa: F401  (the module's world)
from tests.security.test_hostile_input import _valid_kwargs

# Table -> why a GET may write it.
ALLOWED = {
    # Opening a room moves the reader's own read position (the unread badge): nobody else sees it.
    "messaging_readposition": "the reader's own place in a room",
    # Signing in, the session and allauth's bookkeeping belong to the reader's own visit.
    "django_session": "the reader's own session",
}
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
PERSONAS = ["anonymous", "member", "mentor", "facilitator", "staff", "superuser"]


def _get_routes():
    """Every route but allauth's and the admin's own; POST-only ones too (they must answer 405)."""
    return [route for route in http_routes() if not route.name.startswith(("admin:", "account_"))]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_get_changes_anything_but_the_readers_own_read_position(demo_world, db, persona):  # noqa: F811
    client = _client(persona, demo_world)
    written = []
    for route in _get_routes():
        url = fill(route, _valid_kwargs(route, demo_world))
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        for query in queries.captured_queries:
            match = WRITE.match(query["sql"])
            if match and match[1] not in ALLOWED:
                written.append(f"GET {url} writes {match[1]}: {query['sql'][:120]}")
    assert not written, "\n".join(written)
