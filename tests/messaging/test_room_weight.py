"""The room page stays light on a slow link (issue #19, item 8): its first load, the HTML and every
stylesheet and script it pulls, is under 150 KB with a full page of messages (fifty) and the most
people the page lists (two hundred). Counted as they travel: the HTML as it is (nginx proxies it
uncompressed), the static files gzipped (nginx serves the .gz that collectstatic writes,
deploy/nginx.conf `gzip_static`)."""

import gzip
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

from clusters.models import ClusterMembership
from messaging import services
from tests.conftest import activate, make_person

BUDGET = 150 * 1024


def _pulled(html: str) -> list[str]:
    """The static files the page links to: stylesheets and scripts (images load lazily or are icons)."""
    links = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    return links + scripts


def test_the_room_pages_first_load_is_under_150_kb(client, general, coffee, ana, mateo, no_rate_limits):
    for i in range(200):
        activate(make_person(f"p{i}@example.org", name=f"Persona Número {i}", country="HN"), coffee,
                 ClusterMembership.Role.MEMBER)
    body = "Una muestra de **café** lavado, 86 puntos, lista para enviar por courier a Portland el lunes. " * 2
    for i in range(60):  # half of them the reader's own, with their edit and delete forms
        services.message_post(room=general, author=mateo if i % 2 else ana, body=f"{i}: {body}")
    client.force_login(ana)
    html = client.get(reverse("messaging:room", args=[general.pk])).content
    files = _pulled(html.decode())
    assert any(name.endswith("room.js") for name in files) and any(name.endswith("messaging.css") for name in files)
    sizes = {name: len(gzip.compress(Path(finders.find(name)).read_bytes())) for name in files}
    total = len(html) + sum(sizes.values())
    assert total < BUDGET, f"{total} bytes: HTML {len(html)}, gzipped {sizes}"
