"""The library's pages kept in the shared cache (infra.cache).

What a page shows to everyone alike (a list of entries, a market's entries, an entry's text, search
matches) is rendered once and kept under a key made of what it shows (page, filters, words, the
reader's language) and of the library's version, which every library write moves forward (at once
and again after its commit: library.services.library_changed). Parts that depend on who reads are
never kept: the cluster questions beside a market or a search are keyed by who may read which
clusters as well (clusters.access) and by the Q&A search version (questions.search_cache), and
buttons and forms (with their CSRF token) are rendered on every request. A draft is never kept.
"""

from infra.cache import Kept, Version

VERSION = Version("library")
PAGES = Kept("library-page", timeout=300)
CURATORS = Kept("library-curator", timeout=60)  # per person


def version_entry() -> tuple:
    """The library's version as an entry for infra.cache.read_many (read with a page's other values)."""
    return VERSION.entry()


def version() -> int:
    return VERSION.read()


def changed() -> None:
    """Call on every library write: kept pages and figures are stale from now on."""
    VERSION.changed()


def kept(parts: tuple, render, *, keep=lambda value: True, version_now: int | None = None):
    """The value kept under `parts` (with the library's version), else render() kept when keep(value)."""
    return kept_many([(parts, render, keep)], version_now=version_now)[0]


def kept_many(wanted: list[tuple], *, version_now: int | None = None) -> list:
    """Several kept values in one round trip: `wanted` are (parts, render, keep) as for kept()."""
    version_now = version() if version_now is None else version_now
    names = [PAGES.key(version_now, *parts) for parts, _render, _keep in wanted]
    found = PAGES.get_many(names)
    values, to_keep = [], {}
    for name, (_parts, render, keep) in zip(names, wanted, strict=True):
        value = found.get(name)
        if value is None:
            value = render()
            if keep(value):
                to_keep[name] = value
        values.append(value)
    PAGES.set_many(to_keep)
    return values


def curator_entry(user, compute) -> tuple:
    """Whether this person curates the library (a facilitator anywhere, or a superuser), as a read_many
    entry, kept briefly: a role given or taken shows on their pages within a minute (the services
    check again on every write)."""
    if not user.is_authenticated:
        return CURATORS.key(0), lambda: False, 0
    return CURATORS.entry(user.pk, read=lambda: bool(compute()))
