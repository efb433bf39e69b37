"""infra.cache: the one way Puente keeps values (Django's cache framework, named and versioned keys)."""

import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import RequestFactory

from infra import kept
from infra.cache import KINDS, Kept, Version, reader

pytestmark = pytest.mark.django_db


def test_a_key_names_its_kind_and_short_ids_as_they_are_and_anything_else_by_a_digest():
    kind = Kept("test-kind", timeout=5)
    assert kind.key(3, "es") == "test-kind:3:es"
    long_key = kind.key("Ana López", (1, 2), None)
    assert re.fullmatch(r"test-kind:[0-9a-f]{32}", long_key)
    assert kind.key("Ana López", (1, 2), None) == long_key and kind.key("Ana Lopez", (1, 2), None) != long_key


def test_a_value_is_kept_until_forgotten_and_forgetting_holds_after_the_commit(transactional_db):
    kind, reads = Kept("test-forget", timeout=60), []
    read = lambda: reads.append(1) or len(reads)  # noqa: E731
    assert kind.read(7, read=read) == 1
    assert kind.read(7, read=read) == 1  # kept
    with transaction.atomic():
        kind.forget((7,))
        assert kind.read(7, read=read) == 2  # forgotten at once (a test's own transaction never commits)
    assert kind.read(7, read=read) == 3  # and again after the commit: a page between kept the old value


def test_a_version_moves_at_once_and_again_after_the_commit(transactional_db):
    version = Version("test-version")
    first = version.read(1)
    assert version.read(1) == first
    with transaction.atomic():
        version.changed(1)
        during = version.read(1)
        assert during > first
    assert version.read(1) > during


def test_a_kind_switched_off_reads_every_time(settings):
    kind, reads = Kept("test-off", timeout=60), []
    settings.PUENTE_CACHE_OFF = frozenset({"test-off"})
    kind.read(read=lambda: reads.append(1))
    kind.read(read=lambda: reads.append(1))
    kind.set(kind.key(1), "x")
    assert len(reads) == 2 and kind.get(kind.key(1)) is None


def test_a_fragment_template_sees_the_reader_only_as_signed_in_and_an_id(django_user_model):
    person = django_user_model.objects.create(email="ana@example.com", name="Ana")
    seen = reader(person)
    assert vars(seen) == {"pk": person.pk, "is_authenticated": True}
    assert vars(reader(None)) == {"pk": None, "is_authenticated": False}


def test_the_csrf_marker_is_replaced_by_the_requests_token():
    request = RequestFactory().get("/")
    html = f'<input value="{kept.CSRF_MARK}"><input value="{kept.CSRF_MARK}">'
    token = kept.token(request)
    joined = kept.with_csrf(kept.csrf_split(html), token)
    assert kept.CSRF_MARK not in joined and joined.count(token) == 2 and len(token) == 64
    assert kept.token(None) == ""


def test_every_kind_of_kept_value_is_justified_by_a_figure_in_the_performance_reference():
    import config.urls  # noqa: F401 (every app's modules, and so every kind, loaded)
    from clusters import access, nav  # noqa: F401
    from library import page_cache as library_pages  # noqa: F401
    from messaging import header, rendering  # noqa: F401
    from questions import page_cache, search_cache  # noqa: F401
    from questions import rendering as qa_rendering  # noqa: F401

    text = (Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md").read_text()
    section = text.split("## Caches", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE))
    kinds = {name for name in KINDS if not name.startswith("test-")}
    assert kinds == named, f"kinds without a figure: {kinds - named}; figures for no kind: {named - kinds}"


def test_kept_fragments_are_bounded():
    from django.core.cache import caches

    fragments = caches["fragments"]
    assert fragments._max_entries == 20_000 and fragments.default_timeout == 300
