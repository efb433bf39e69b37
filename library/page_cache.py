"""The library's pages kept in the cache (Redis in production, shared by every process).

What a page shows to everyone alike (a list of entries, a market's entries, an entry's text, search
matches) is rendered once and kept under a key made of what it shows (page, filters, words, the
reader's language) and of the library's version, which every library write moves forward (at once
and again after its commit: library.services.library_changed). Parts that depend on who reads are
never kept: the cluster questions beside a market or a search are keyed by who may read which
clusters as well (clusters.access) and by the Q&A search version (questions.search_cache), and
buttons and forms (with their CSRF token) are rendered on every request. A draft is never kept.
PAGE_TTL only bounds how long an unused page stays in memory.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction

from infra.cache import KEPT_BY_READ, read_many

PREFIX = "library"  # tests give each test its own
PAGE_TTL = 300
CURATOR_TTL = 60


def _version_key() -> str:
    return f"{PREFIX}:version"


def _start() -> int:
    # A fresh start (or an evicted key) begins at the current time, never at a number used before.
    cache.add(_version_key(), time.time_ns(), timeout=None)
    return cache.get(_version_key())


def version_entry() -> tuple:
    """The library's version as an entry for infra.cache.read_many (read with a page's other values)."""
    return _version_key(), _start, KEPT_BY_READ


def version() -> int:
    return read_many([version_entry()])[0]


def _bump() -> None:
    try:
        cache.incr(_version_key())
    except ValueError:  # gone from the cache: the next read starts a new, larger number
        cache.delete(_version_key())


def changed() -> None:
    """Call on every library write: kept pages and figures are stale from now on."""
    _bump()
    transaction.on_commit(_bump)


def key(*parts) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:page:{digest}"


def kept(parts: tuple, render, *, keep=lambda value: True, version_now: int | None = None):
    """The value kept under `parts` (with the library's version), else render() kept when keep(value)."""
    return kept_many([(parts, render, keep)], version_now=version_now)[0]


def kept_many(wanted: list[tuple], *, version_now: int | None = None) -> list:
    """Several kept values in one round trip: `wanted` are (parts, render, keep) as for kept()."""
    version_now = version() if version_now is None else version_now
    names = [key(version_now, *parts) for parts, _render, _keep in wanted]
    found = cache.get_many(names)
    values, to_keep = [], {}
    for name, (_parts, render, keep) in zip(names, wanted, strict=True):
        value = found.get(name)
        if value is None:
            value = render()
            if keep(value):
                to_keep[name] = value
        values.append(value)
    if to_keep:
        cache.set_many(to_keep, PAGE_TTL)
    return values


def curator_entry(user, compute) -> tuple:
    """Whether this person curates the library (a facilitator anywhere, or a superuser), as a read_many
    entry, kept briefly: a role given or taken shows on their pages within CURATOR_TTL seconds (the
    services check again on every write)."""
    if not user.is_authenticated:
        return f"{PREFIX}:curator:0", lambda: False, 0
    return f"{PREFIX}:curator:{user.pk}", lambda: bool(compute()), CURATOR_TTL
