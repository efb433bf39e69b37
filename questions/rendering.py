"""Rendered pieces of Q&A pages kept in memory, keyed by their content.

A question row of a list is the same HTML for every reader of a language, except its "asked … ago",
which moves with the clock. So a row is rendered once (questions/_question_row.html, with a marker in
place of the elapsed time), kept under a key made of everything the row shows, and the elapsed time
is put in at each request. A new vote, answer, status, title, topic or author name makes a different
key, so a row can never be shown stale: there is nothing to invalidate, and the old entry just stops
being asked for. The store is per process and bounded (emptied when full).
"""

from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language

ROW_TEMPLATE = "questions/_question_row.html"
MAX_ROWS = 5000
_MARK = "\x00when\x00"  # PostgreSQL text cannot hold NUL, so no title or name can contain it
_rows: dict[tuple, tuple[str, str]] = {}


def _row_key(question, show_cluster: bool) -> tuple:
    return (
        get_language(), show_cluster, question.pk, question.title, question.language, question.status,
        question.score, question.answer_count, tuple(question.topics or ()),
        tuple(country.code for country in question.target_markets),
        question.author.display_name, question.created_at,
        question.cluster.name if show_cluster else None,
    )


def _render_row(question, show_cluster: bool, when: str) -> str:
    return get_template(ROW_TEMPLATE).render({"question": question, "show_cluster": show_cluster, "when": when})


def question_rows(questions, *, show_cluster: bool = False) -> SafeString:
    """The <li> rows of a question list, in order: the same HTML as rendering the row template for each."""
    parts = []
    for question in questions:
        key = _row_key(question, show_cluster)
        halves = _rows.get(key)
        if halves is None:
            html = _render_row(question, show_cluster, _MARK)
            pieces = html.split(_MARK)
            if len(pieces) != 2:  # not expected; render it whole rather than guess
                parts.append(_render_row(question, show_cluster, timesince(question.created_at)))
                continue
            halves = (pieces[0], pieces[1])
            if len(_rows) >= MAX_ROWS:
                _rows.clear()
            _rows[key] = halves
        parts.append(halves[0] + conditional_escape(timesince(question.created_at)) + halves[1])
    return mark_safe("\n".join(parts))


def forget_all() -> None:
    _rows.clear()
