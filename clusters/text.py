"""User text: Markdown rendered to HTML once, on write, then cleaned with an allow-list.

Templates show the stored HTML; they never mark raw user text safe. Raw HTML in the Markdown source is
not interpreted (it shows as text), and nh3 removes anything outside the allow-list that could still
come through: scripts, event handlers, style, and links to anything but http, https and mailto.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_ALLOWED_CLASSES = {"span": {"mention"}}


def render_markdown(text: str) -> str:
    """The sanitised HTML for a piece of user Markdown."""
    html = _markdown.render(text or "")
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        strip_comments=True,
    )
