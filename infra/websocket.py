"""The edge of every websocket: the origin check and the refusal of paths that no route serves.

A browser sends the page's origin with the handshake, and cookies go with it whatever site the page
came from, so the origin is what tells our own pages from another site's. It is compared exactly
(scheme, host and port), the way Django's CSRF check compares a POST's Origin: the site's own origin
(the scheme of the connection, `wss` behind a proxy that says so through SECURE_PROXY_SSL_HEADER, and
the Host header, which must be in ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS. (Channels'
AllowedHostsOriginValidator compares the host only: `http://localhost:9999` would pass for a site at
`http://127.0.0.1:8000`.) A handshake without an Origin header is refused (browsers always send one).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host
from django.urls import re_path


def _header(scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", ()) if key == name]
    if len(values) != 1:
        return None  # absent, or sent twice: nothing to trust
    return values[0].decode("latin1")


def _allowed_hosts() -> list[str]:
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        return [".localhost", "127.0.0.1", "[::1]"]  # as Django's HttpRequest.get_host()
    return hosts


def _is_secure(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, secure_value = proxy
        name = header.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        value = _header(scope, name)
        return value is not None and value.split(",", 1)[0].strip() == secure_value
    return False


def _own_origin(scope) -> str | None:
    host = _header(scope, b"host")
    if host is None:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return f"{'https' if _is_secure(scope) else 'http'}://{host}"


def origin_allowed(scope) -> bool:
    origin = _header(scope, b"origin")
    if not origin:
        return False
    if origin == _own_origin(scope) or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    # CSRF_TRUSTED_ORIGINS may name every subdomain: "https://*.example.org".
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, trusted.split("://", 1)[1][1:])
        for trusted in settings.CSRF_TRUSTED_ORIGINS
        if "://*." in trusted and trusted.split("://", 1)[0] == parsed.scheme
    )


class ExactOriginValidator:
    """Lets a websocket through only from the site's own origin or a trusted one (a 403 handshake otherwise)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def refuse_everything_else() -> list:
    """The last route: a path no consumer serves (`/ws/notifications/2/`, an id beyond 64 bits) is
    refused at the handshake (403), as Channels would otherwise raise and the server log a traceback."""
    return [re_path(r"", WebsocketDenier.as_asgi())]
