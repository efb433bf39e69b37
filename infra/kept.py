"""Rendered HTML kept in a process's memory, keyed by everything it shows.

The site header (messaging.header), a room page's rows (messaging.rendering) and the Q&A rows,
answers and pages (questions.rendering) are each rendered once and kept under a key made of all that
they show and all that decides their links: another value makes another key, so a kept piece is
never stale and there is nothing to invalidate (the old entry just stops being asked for). What
differs per request, above all the CSRF token of its forms, is a marker in the kept HTML, put in at
each request.

Each `Store` is bounded by the characters it holds and is emptied when a new entry would overflow
it: keys follow content, so the entries of a full store are mostly ones nobody asks for any more.
"""

from django.middleware.csrf import get_token

# PostgreSQL text cannot hold NUL, so no message, name, title or path can contain a marker.
CSRF_MARK = "\x00csrf\x00"

_stores: list["Store"] = []


class Store:
    __slots__ = ("chars", "entries", "limit")

    def __init__(self, limit: int):
        self.limit = limit  # characters
        self.entries: dict = {}
        self.chars = 0
        _stores.append(self)

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value, size: int):
        """Keeps `value` (`size` characters of HTML) under `key` and returns it."""
        if self.chars + size > self.limit:
            self.clear()
        self.entries[key] = value
        self.chars += size
        return value

    def clear(self) -> None:
        self.entries.clear()
        self.chars = 0

    def __len__(self) -> int:
        return len(self.entries)


def csrf_split(html: str) -> list[str]:
    """HTML rendered with CSRF_MARK as its `csrf_token`, in the pieces that `with_csrf` joins."""
    return html.split(CSRF_MARK)


def token(request) -> str:
    """This request's CSRF token (the same one Django's `{% csrf_token %}` would put in)."""
    return str(get_token(request)) if request is not None else ""


def with_csrf(pieces: list[str], csrf_token: str) -> str:
    return csrf_token.join(pieces)


def forget_all() -> None:
    """For tests: everything kept (ids start again in every test's database)."""
    for store in _stores:
        store.clear()
