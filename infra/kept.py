"""The markers of kept HTML fragments (infra.cache, the "fragments" cache).

A fragment is rendered once and served to many requests; what differs per request, above all the CSRF
token of its forms, is a marker in the kept HTML, put in at each request.
"""

from django.middleware.csrf import get_token

# PostgreSQL text cannot hold NUL, so no message, name, title or path can contain a marker.
CSRF_MARK = "\x00csrf\x00"


def csrf_split(html: str) -> list[str]:
    """HTML rendered with CSRF_MARK as its `csrf_token`, in the pieces that `with_csrf` joins."""
    return html.split(CSRF_MARK)


def token(request) -> str:
    """This request's CSRF token (the same one Django's `{% csrf_token %}` would put in)."""
    return str(get_token(request)) if request is not None else ""


def with_csrf(pieces: list[str], csrf_token: str) -> str:
    return csrf_token.join(pieces)
