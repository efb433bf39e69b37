"""Every route of the project, found by walking the URL resolver and the websocket routing, so that a
new route shows up in the authorisation matrix without anyone remembering to add it."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str


def http_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                name = entry.name or entry.lookup_str
                found.append(Route(f"{namespace}:{name}" if namespace else name, prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return found


def websocket_routes() -> list[Route]:
    from config.routing import websocket_urlpatterns

    return [Route(entry.name or str(entry.pattern), str(entry.pattern)) for entry in websocket_urlpatterns]


# A path parameter is `<converter:name>` (path()) or `(?P<name>...)` (re_path()).
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def parameters(route: Route) -> list[str]:
    return [m["name"] or m["group"] for m in PARAMETER.finditer(route.pattern)]


def fill(route: Route, values: dict[str, str], default: str = "1") -> str:
    """The route's path with each parameter replaced by its value in `values` (else `default`), raw:
    nothing is checked against the parameter's converter, so hostile values can be put in."""

    def value(match: re.Match) -> str:
        return values.get(match["name"] or match["group"], default)

    path = PARAMETER.sub(value, route.pattern)
    return "/" + path.replace("^", "").replace("$", "")
