"""The site header (templates/_site_header.html), rendered once per content and kept as a fragment.

Every page shows the header, and rendering it (about twenty links, as many translations, the language
menu) cost more than the rest of a small page. Yet it is the same HTML for everyone who sees the same
things in it: the language, whether someone is signed in and then their name, whether they mentor,
whether they are site staff or agency staff, their firm, and the two badge counts. So it is rendered
from exactly those values (the partial sees nothing else) and kept (infra.cache) under a key made of
them. The two parts that differ per request, the CSRF token of its forms and the page's own address
(the language form's `next`), are markers in the kept HTML, replaced at each request. A change to any
value makes another key, so there is nothing to invalidate and nothing can be stale.
"""

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from clusters.nav import nav_person_entry, with_superuser
from infra import kept
from infra.cache import Kept, read_many
from messaging.selectors import nav_counts_entry

TEMPLATE = "_site_header.html"
_NEXT_MARK = "\x00next\x00"
HEADERS = Kept("header", timeout=300, alias="fragments")


def entries(user) -> list:
    """The header's kept values (badge counts; agency and firm links) as infra.cache.read_many entries,
    so that a view can read them in the same round trip as its own and hand them over with keep()."""
    if user is None or not user.is_authenticated:
        return []
    return [nav_counts_entry(user=user), nav_person_entry(user=user)]


def keep(request, values: list) -> None:
    """The values of entries(request.user), read by the view: the header will not read them again."""
    request._puente_header_values = values


def _person_values(request, user) -> tuple:
    """What the header shows of a signed-in person: handed over by the view, or from the cache in one
    round trip (or a query each)."""
    values = getattr(request, "_puente_header_values", None) or read_many(entries(user))
    counts, bits = values
    bits = with_superuser(bits, user)
    return (
        user.name, bool(user.wants_to_mentor), user.is_staff, bits["agency_staff"], bits["firm_id"],
        counts["messages"], counts["notifications"],
    )


def _render(language: str, person: tuple | None) -> str:
    context = {
        "language_options": [
            {"code": code, "name": settings.LANGUAGE_NATIVE_NAMES.get(code, code), "current": code == language}
            for code, _name in settings.LANGUAGES
        ],
        "csrf_token": kept.CSRF_MARK,
        "next_path": _NEXT_MARK,
        "user": {"is_authenticated": False},
    }
    if person is not None:
        name, mentors, is_staff, agency_staff, firm_id, messages, notifications = person
        context.update({
            "user": {"is_authenticated": True, "display_name": name, "wants_to_mentor": mentors, "is_staff": is_staff},
            "agency_staff": agency_staff,
            "firm_id": firm_id,
            "nav_counts": {"messages": messages, "notifications": notifications},
        })
    return get_template(TEMPLATE).render(context).strip()


def site_header(request) -> SafeString:
    """The header's HTML for this request: the same as rendering the partial with the request's values.
    Without a request (a template rendered outside a view) it is the signed-out header."""
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    user = getattr(request, "user", None)
    person = _person_values(request, user) if user is not None and user.is_authenticated else None
    key = HEADERS.key(language, get_script_prefix(), person)
    pieces = HEADERS.get(key)
    if pieces is None:
        pieces = [part.split(_NEXT_MARK) for part in kept.csrf_split(_render(language, person))]
        HEADERS.set(key, pieces)
    next_path = str(conditional_escape(request.get_full_path())) if request is not None else "/"
    return mark_safe(kept.with_csrf([next_path.join(part) for part in pieces], kept.token(request)))
