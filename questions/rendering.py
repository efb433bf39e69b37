"""Rendered pieces of Q&A pages kept as fragments (infra.cache), keyed by their content.

Answers on the question page work the same way, with the reader's part in the key: their vote on the
answer, whether they may vote, accept or edit it. Two readers with the same rights and votes get the
same HTML; the CSRF token of the forms is a marker in memory, replaced by this request's token.

A question row of a list is the same HTML for every reader of a language, except its "asked … ago",
which moves with the clock: it is rendered with a marker in place of the elapsed time, so that a kept
list or search page (questions.page_cache, questions.search_cache) holds its rows once and puts the
elapsed time in at each request. The templates see the reader only as infra.cache.reader.
"""

import hashlib
from types import SimpleNamespace

from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language

from infra import kept
from infra.cache import Kept, reader

ROW_TEMPLATE = "questions/_question_row.html"
CONTENT_TEMPLATE = "questions/_detail_content.html"
ANSWER_TEMPLATE = "questions/_answer.html"
_MARK = "\x00when\x00"  # PostgreSQL text cannot hold NUL, so no title or name can contain it
CONTENTS = Kept("qa-content", timeout=300, alias="fragments")
ANSWERS = Kept("qa-answer", timeout=300, alias="fragments")


def _render_row(question, show_cluster: bool, when: str) -> str:
    return get_template(ROW_TEMPLATE).render({"question": question, "show_cluster": show_cluster, "when": when})


def row_pieces(questions, *, show_cluster: bool = False) -> list[tuple[str, object, str]]:
    """Each question's row as (HTML before the elapsed time, the time it was asked, HTML after): what
    question_rows joins, and what a kept list page (questions.page_cache) stores."""
    pieces = []
    for question in questions:
        parts = _render_row(question, show_cluster, _MARK).split(_MARK)
        if len(parts) != 2:  # not expected; render it whole rather than guess
            pieces.append((_render_row(question, show_cluster, timesince(question.created_at)), None, ""))
            continue
        pieces.append((parts[0], question.created_at, parts[1]))
    return pieces


def join_rows(pieces) -> SafeString:
    """The <li> rows from row_pieces, with each row's elapsed time as of now."""
    return mark_safe("\n".join(
        before if when is None else before + conditional_escape(timesince(when)) + after
        for before, when, after in pieces
    ))


def question_rows(questions, *, show_cluster: bool = False) -> SafeString:
    """The <li> rows of a question list, in order: the same HTML as rendering the row template for each."""
    return join_rows(row_pieces(questions, show_cluster=show_cluster))


def answers_html(request, answers, *, question, can_vote: bool, can_accept: bool, is_facilitator: bool,
                 can_propose: bool = False) -> SafeString:
    """The answers of a question page (each with `my_vote` set): the same HTML as including
    questions/_answer.html for each with the page's context. `can_propose`: the reader may propose
    the accepted answer for the library (a facilitator or mentor of the cluster)."""
    user = request.user
    token = kept.token(request)
    language = get_language()
    keys = []
    for answer in answers:
        can_edit = answer.author_id == user.pk or is_facilitator
        keys.append(ANSWERS.key(
            # The body by its digest: the HTML below holds it once already.
            language, answer.pk, hashlib.blake2b(answer.body_html.encode(), digest_size=16).digest(),
            answer.author.display_name, answer.created_at,
            answer.edited_at is not None, answer.score, answer.my_vote,
            question.pk, question.accepted_answer_id == answer.pk, question.is_closed,
            can_vote, can_accept, can_edit, can_propose,
            tuple((item.key, item.is_removed) for item in getattr(answer, "attachment_list", ())),
        ))
    found, to_keep, parts = ANSWERS.get_many(keys), {}, []
    for answer, key in zip(answers, keys, strict=True):
        when = timesince(answer.created_at)
        pieces = found.get(key)
        if pieces is None:
            html = get_template(ANSWER_TEMPLATE).render({
                "answer": answer, "question": question, "can_vote_answers": can_vote, "can_accept": can_accept,
                "is_facilitator": is_facilitator, "user": reader(user), "csrf_token": kept.CSRF_MARK,
                "when": _MARK, "can_propose": can_propose,
            })
            when_halves = html.split(_MARK)
            if len(when_halves) != 2:  # not expected; render it whole rather than guess
                parts.append(get_template(ANSWER_TEMPLATE).render({
                    "answer": answer, "question": question, "can_vote_answers": can_vote,
                    "can_accept": can_accept, "is_facilitator": is_facilitator, "user": user,
                    "when": when, "can_propose": can_propose,
                }, request))
                continue
            pieces = to_keep[key] = [kept.csrf_split(half) for half in when_halves]
        before, after = pieces
        parts.append(
            kept.with_csrf(before, token) + conditional_escape(when) + kept.with_csrf(after, token)
        )
    ANSWERS.set_many(to_keep)
    return mark_safe("".join(parts))


def kept_render(request, template: str, context: dict, *, key: tuple | None, fills: dict, more=None) -> SafeString:
    """`template` rendered with `context` plus `fills` (name -> this request's HTML for it), and plus
    `more()` (more context, worked out only when the template is rendered).

    With a key (everything else the template shows, in the caller's words), it is rendered once with a
    marker in place of each fill and of the CSRF token, kept in memory under the key, and the request's
    fills and token put in the markers' places; without one (or if a fill does not appear exactly once),
    it is rendered each time."""
    key = None if key is None else CONTENTS.key(template, get_language(), *key)
    stored = CONTENTS.get(key) if key is not None else None
    if stored is None and more is not None:
        context = {**context, **more()}
    if key is None:
        return get_template(template).render({**context, **fills}, request)
    if stored is None:
        marks = {name: f"\x00fill:{name}\x00" for name in fills}
        html = get_template(template).render(
            {**context, **marks, "csrf_token": kept.CSRF_MARK, "user": reader(request.user),
             "request": SimpleNamespace(path=request.path)}
        )
        names = sorted(fills, key=lambda name: html.find(marks[name]))
        if any(html.count(marks[name]) != 1 for name in names):  # not expected; render it whole rather than guess
            return get_template(template).render({**context, **fills}, request)
        parts = []
        for name in names:
            before, html = html.split(marks[name])
            parts.append(kept.csrf_split(before))
        parts.append(kept.csrf_split(html))
        stored = (names, parts)
        CONTENTS.set(key, stored)
    token = kept.token(request)
    names, parts = stored
    out = [kept.with_csrf(parts[0], token)]
    for name, part in zip(names, parts[1:], strict=True):
        out.append(conditional_escape(fills[name]))
        out.append(kept.with_csrf(part, token))
    return mark_safe("".join(out))


def question_content(request, context: dict, *, kept_as: str | None) -> SafeString:
    """The question page's content (questions/_detail_content.html) for this request: the same HTML
    as rendering it with `context`.

    When the page's question and answers came from the cache under `kept_as` (their key, which moves
    with every write to them: questions.page_cache) and the answer form is empty, the content is the
    same for every reader with the same rights, own vote on the question, follow and sign-in, so it is
    kept (kept_render), with the request's CSRF token, the answers (kept per reader rights themselves)
    and the question's elapsed time put in per request. Otherwise it is rendered each time."""
    key = None
    if kept_as is not None and not context["form"].is_bound:
        key = (
            kept_as, request.path, request.user.is_authenticated, context["question_vote"], context["following"],
            context["is_member"], context["is_facilitator"], context["can_accept"], context["can_edit_question"],
            context["can_close"],
        )
    fills = {"answers_html": context["answers_html"], "question_when": timesince(context["question"].created_at)}
    return kept_render(request, CONTENT_TEMPLATE, context, key=key, fills=fills)
