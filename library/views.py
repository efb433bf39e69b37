from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_countries import countries

from clusters import access
from clusters.topics import Topic
from infra.cache import read_many
from library import page_cache, selectors, services
from library import search as forgiving
from library.forms import EntryForm, SearchForm
from library.models import Language
from messaging import header
from questions import search_cache
from questions import selectors as question_selectors

LANGUAGE_NAMES = dict(Language.choices)


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You cannot do that.")


def _market_code(code: str) -> str:
    code = (code or "").upper()
    if code not in countries:
        raise Http404
    return code


def _always(value) -> bool:
    return True


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def _topic(request) -> str:
    topic = request.GET.get("topic", "")
    return topic if topic in Topic.values else ""


def _entries_page(entries, number: int, query: str) -> dict:
    page = Paginator(entries, settings.PUENTE_PAGE_SIZE).get_page(number)
    return {"page": page, "rows": selectors.entry_rows(page.object_list), "query": query,
            "topics": Topic.choices}


def _read(request, *, questions: bool = False) -> dict:
    """What a library page needs from the cache, read in one round trip with the site header's values
    (handed over to it): the library's version, whether the reader curates and, for pages that list
    cluster questions, who may read which clusters and the Q&A search version."""
    user = request.user
    own = [page_cache.version_entry(), page_cache.curator_entry(user, lambda: services.can_curate(user=user))]
    if questions:
        own += [access.member_ids_entry(user=user), search_cache.version_entry()]
    values = read_many([*own, *header.entries(user)])
    header.keep(request, values[len(own):])
    read = {"version": values[0], "curator": values[1]}
    if questions:
        # Who may read which cluster questions (questions.selectors.readable_questions_q), for keys.
        superuser = user.is_authenticated and user.is_superuser
        read["scope"] = ("all",) if superuser else tuple(sorted(values[2]))
        read["qa_version"] = values[3]
    return read


@require_GET
def index(request):
    topic, number = _topic(request), _page_number(request.GET.get("page"))
    query = f"topic={topic}" if topic else ""

    def render_content() -> str:
        context = {"topic": topic, **_entries_page(selectors.published_entries(topic=topic), number, query),
                   "markets": [(code, countries.name(code), n) for code, n in selectors.market_summary()]}
        return render_to_string("library/_index_content.html", context)

    read = _read(request)
    content = page_cache.kept(("index", get_language(), topic, number), render_content, version_now=read["version"])
    return render(request, "library/index.html", {
        "can_curate": read["curator"], "content_html": mark_safe(content),
    })


@require_GET
def market(request, code):
    code = _market_code(code)
    topic, number = _topic(request), _page_number(request.GET.get("page"))
    name = countries.name(code)
    query = f"topic={topic}" if topic else ""

    def render_content() -> str:
        context = {"code": code, "name": name, "topic": topic, "mentors": selectors.market_mentors(market=code),
                   **_entries_page(selectors.published_entries(market=code, topic=topic), number, query)}
        return render_to_string("library/_market_content.html", context)

    def render_questions() -> str:
        return render_to_string("library/_market_questions.html", {
            "questions": selectors.market_questions(user=request.user, market=code)})

    read = _read(request, questions=True)
    content, questions = page_cache.kept_many([
        (("market", get_language(), code, topic, number), render_content, _always),
        (("market-questions", get_language(), code, read["scope"], read["qa_version"]), render_questions, _always),
    ], version_now=read["version"])
    return render(request, "library/market.html", {
        "code": code, "name": name, "content_html": mark_safe(content), "questions_html": mark_safe(questions),
    })


@require_GET
def entry(request, entry_id):
    def render_entry() -> dict:
        item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
        text = item.text
        attachments = selectors.entry_attachments(entry=item)
        html = render_to_string("library/_entry_content.html", {
            "entry": item, "text": text, "attachments": attachments,
            "original_language_name": LANGUAGE_NAMES.get(text.language if text else "", ""),
            "market_names": [(str(market), countries.name(market)) for market in item.markets],
        })
        return {"html": html, "title": text.title if text else "", "text_language": text.language if text else "",
                "status": item.status, "consent": item.credit_consent, "contributor_id": item.contributor_id,
                "source_cluster_id": item.source_cluster_id, "public": item.is_public,
                # For the curators' take-down buttons, rendered on every request (they carry the CSRF token).
                "files": [(row.key, row.name) for row in attachments if not row.is_removed]}

    read = _read(request)
    shown = page_cache.kept(("entry", get_language(), int(entry_id)), render_entry, keep=lambda value: value["public"],
                            version_now=read["version"])
    user = request.user
    curator = read["curator"]
    if curator and shown["source_cluster_id"] and not user.is_superuser:
        # A facilitator curates an entry grown from an answer only in that answer's cluster.
        curator = access.role_in(user=user, cluster_id=shown["source_cluster_id"]) == "facilitator"
    return render(request, "library/entry.html", {
        **shown, "entry_id": int(entry_id), "content_html": mark_safe(shown["html"]), "can_curate": curator,
        "is_contributor": user.is_authenticated and shown["contributor_id"] == user.pk,
    })


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    text = " ".join(text.split())
    context = {"form": form, "text": text}
    if text:
        user = request.user
        read = _read(request, questions=True)
        entries, threads = page_cache.kept_many([
            (("search", get_language(), forgiving.normalise(text)),
             lambda: render_to_string("library/_search_entries.html", {
                 "entries": selectors.search_entries(text=text), "expansions": forgiving.expansions(text)[:6]}),
             _always),
            (("search-threads", get_language(), text, read["scope"], read["qa_version"]),
             lambda: render_to_string("library/_search_threads.html", {
                 "threads": selectors.search_threads(user=user, text=text), "text": text}),
             _always),
        ], version_now=read["version"])
        context["entries_html"], context["threads_html"] = mark_safe(entries), mark_safe(threads)
    return render(request, "library/search.html", context)


@require_POST
@login_required
def propose(request, answer_id):
    answer = question_selectors.answer_get_for_user(user=request.user, answer_id=answer_id)
    try:
        item = services.entry_propose(answer=answer, acting_user=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect(f"{answer.question.get_absolute_url()}#a{answer.pk}")
    messages.success(request, _("A library draft was made from this answer. A facilitator edits and publishes it."))
    return redirect(item.get_absolute_url())


def _save_form(request, *, form, item=None):
    data = form.cleaned_data
    fields = {"language": data["language"], "title": data["title"], "summary": data["summary"],
              "steps": data["steps"], "markets": data["markets"], "topics": data["topics"],
              "sources": data["sources"]}
    if item is None:
        return services.entry_write(acting_user=request.user, **fields)
    return services.entry_edit(entry=item, acting_user=request.user, **fields)


@login_required
def write(request):
    if not services.can_curate(user=request.user):
        raise Http404
    form = EntryForm(request.POST or None, initial={"language": selectors.reader_language()})
    if request.method == "POST" and form.is_valid():
        try:
            item = _save_form(request, form=form)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The draft is saved."))
            return redirect(item.get_absolute_url())
    return render(request, "library/edit.html", {"form": form, "entry": None})


@login_required
def edit(request, entry_id):
    item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
    if not services.can_curate(user=request.user, entry=item):
        raise Http404
    language = request.GET.get("language") or item.original_language
    language = language if language in Language.values else item.original_language
    texts = {text.language: text for text in item.prefetched_texts}
    base = texts.get(language)
    initial = EntryForm.initial_for(item, base or texts.get(item.original_language))
    initial["language"] = language
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _save_form(request, form=form, item=item)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Saved as a new version."))
            return redirect(item.get_absolute_url())
    return render(request, "library/edit.html", {
        "form": form, "entry": item, "translating": base is None, "language_name": LANGUAGE_NAMES[language],
    })


ACTIONS = {
    "publish": (lambda entry, user: services.entry_publish(entry=entry, acting_user=user),
                lambda: _("The entry is published.")),
    "outdated": (lambda entry, user: services.entry_mark_outdated(entry=entry, acting_user=user),
                 lambda: _("The entry is marked outdated.")),
    "checked": (lambda entry, user: services.entry_mark_checked(entry=entry, acting_user=user),
                lambda: _("The entry is marked as checked today.")),
    "consent": (lambda entry, user: services.entry_consent(entry=entry, acting_user=user, given=True),
                lambda: _("Thank you: you are named on this entry.")),
    "decline": (lambda entry, user: services.entry_consent(entry=entry, acting_user=user, given=False),
                lambda: _("You will not be named on this entry.")),
}


@require_POST
@login_required
def entry_action(request, entry_id, action):
    if action not in ACTIONS:
        raise Http404
    item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
    do, said = ACTIONS[action]
    try:
        do(item, request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, said())
    return redirect(item.get_absolute_url())


@require_GET
def history(request, entry_id):
    item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
    return render(request, "library/history.html", {
        "entry": item, "versions": selectors.entry_versions(entry=item), "language_names": LANGUAGE_NAMES,
    })


@require_GET
def diff(request, entry_id, language, number):
    item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
    new, old, rows = selectors.version_diff(entry=item, language=language, number=number)
    return render(request, "library/diff.html", {"entry": item, "new": new, "old": old, "rows": rows,
                                                 "language_name": LANGUAGE_NAMES.get(language, language)})


@login_required
@require_GET
def curate(request):
    curator = services.can_curate(user=request.user)
    months = 12
    return render(request, "library/curate.html", {
        "curator": curator, "months": months,
        "drafts": selectors.entry_rows(selectors.drafts_for_curator(user=request.user)[:50]) if curator else [],
        "due": selectors.entry_rows(selectors.due_for_review(months=months)[:50]) if curator else [],
        "consents": selectors.entry_rows(selectors.consent_requests(user=request.user)[:50]),
    })
