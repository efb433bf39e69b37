"""infra.kept: the bounded store behind the kept header, room rows and Q&A pages."""

from django.test import RequestFactory

from infra import kept


def test_a_store_keeps_within_its_limit_and_empties_when_full():
    store = kept.Store(limit=10)
    assert store.put("a", ["4444"], 4) == ["4444"]
    store.put("b", ["55555"], 5)
    assert store.get("a") == ["4444"] and len(store) == 2 and store.chars == 9
    store.put("c", ["333"], 3)  # 12 > 10: what was kept goes, the new entry stays
    assert store.get("a") is None and store.get("c") == ["333"] and store.chars == 3


def test_the_csrf_marker_is_replaced_by_the_requests_token():
    request = RequestFactory().get("/")
    html = f'<input value="{kept.CSRF_MARK}"><input value="{kept.CSRF_MARK}">'
    token = kept.token(request)
    joined = kept.with_csrf(kept.csrf_split(html), token)
    assert kept.CSRF_MARK not in joined and joined.count(token) == 2 and len(token) == 64
    assert kept.token(None) == ""


def test_forget_all_empties_every_store():
    one, two = kept.Store(limit=100), kept.Store(limit=100)
    one.put("a", "x", 1)
    two.put("b", "y", 1)
    kept.forget_all()
    assert len(one) == len(two) == 0 and one.chars == two.chars == 0
