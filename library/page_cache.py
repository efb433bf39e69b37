"""The library's pages kept in the cache (Redis in production, shared by every process).

What a page shows to everyone alike (a list of entries, a market's entries, an entry's text, search
matches) is rendered once and kept under a key made of what it shows (page, filters, words, the
reader's language) and of the library's version, which every library write moves forward (at once
and again after its commit: library.services.library_changed). Parts that depend on who reads are
never kept: the cluster questions beside a market or a search are keyed by who may read which
clusters as well (clusters.roles) and by the Q&A search version (questions.search_cache), and
buttons and forms (with their CSRF token) are rendered on every request. A draft is never kept.
PAGE_TTL only bounds how long an unused page stays in memory.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction

PREFIX = "library"  # tests give each test its own
PAGE_TTL = 300
CURATOR_TTL = 60


def _version_key() -> str:
    return f"{PREFIX}:version"


def version() -> int:
    key = _version_key()
    value = cache.get(key)
    if value is None:
        # A fresh start (or an evicted key) begins at the current time, never at a number used before.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


def _bump() -> None:
    try:
        cache.incr(_version_key())
    except ValueError:
        cache.delete(_version_key())


def changed() -> None:
    """Call on every library write: kept pages and figures are stale from now on."""
    _bump()
    transaction.on_commit(_bump)


def key(*parts) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:page:{digest}"


def kept(parts: tuple, render, *, keep=lambda value: True):
    """The value kept under `parts` (with the library's version), else render() kept when keep(value)."""
    name = key(version(), *parts)
    value = cache.get(name)
    if value is None:
        value = render()
        if keep(value):
            cache.set(name, value, PAGE_TTL)
    return value


def is_curator(user, compute) -> bool:
    """Whether this person curates the library (a facilitator anywhere, or a superuser), kept briefly:
    a role given or taken shows on their pages within CURATOR_TTL seconds (the services check again)."""
    if not user.is_authenticated:
        return False
    name = f"{PREFIX}:curator:{user.pk}"
    value = cache.get(name)
    if value is None:
        value = bool(compute())
        cache.set(name, value, CURATOR_TTL)
    return value
