"""Parts of a firm's page that apps above clusters add without clusters importing them.

An app registers a function from its AppConfig.ready(): `register("readiness", render)`, where
`render(*, request, firm, is_member)` returns HTML (already escaped, from a template) or "". The firm's
page shows the parts in the order they were registered. Each part decides for itself what the reader
may see (a firm's consent, the reader being one of its people).
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

_PANELS: dict[str, Callable[..., str]] = {}


def register(key: str, render: Callable[..., str]) -> None:
    _PANELS[key] = render


def render_all(*, request, firm, is_member: bool) -> list[SafeString]:
    parts = []
    for render in _PANELS.values():
        html = render(request=request, firm=firm, is_member=is_member)
        if html:
            parts.append(mark_safe(html))  # rendered by the registering app's template (autoescaped)
    return parts
