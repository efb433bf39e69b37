"""Every route of the project, found by walking the URL resolver and the websocket routing, so that a
new route shows up in the authorisation matrix without anyone remembering to add it."""

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
