from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_countries import countries

from clusters.topics import Topic
from library import selectors, services
from library.forms import EntryForm, SearchForm
from library.models import Language
from library.search import expansions
from questions import selectors as question_selectors

PAGE = getattr(settings, "PUENTE_PAGE_SIZE", 20)
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


@require_GET
def index(request):
    form = SearchForm()
    topic = request.GET.get("topic", "")
    topic = topic if topic in Topic.values else ""
    entries = selectors.published_entries(topic=topic)
    page = Paginator(entries, PAGE).get_page(request.GET.get("page"))
    rows = selectors.entry_rows(page.object_list)
    return render(request, "library/index.html", {
        "form": form, "page": page, "rows": rows, "topic": topic, "topics": Topic.choices,
        "markets": [(code, countries.name(code), n) for code, n in selectors.market_summary()],
        "query": f"topic={topic}" if topic else "",
        "can_curate": services.can_curate(user=request.user),
    })


@require_GET
def market(request, code):
    code = _market_code(code)
    topic = request.GET.get("topic", "")
    topic = topic if topic in Topic.values else ""
    entries = selectors.published_entries(market=code, topic=topic)
    page = Paginator(entries, PAGE).get_page(request.GET.get("page"))
    return render(request, "library/market.html", {
        "code": code, "name": countries.name(code), "page": page, "rows": selectors.entry_rows(page.object_list),
        "topic": topic, "topics": Topic.choices, "query": f"topic={topic}" if topic else "",
        "mentors": selectors.market_mentors(market=code),
        "questions": selectors.market_questions(user=request.user, market=code),
    })


@require_GET
def entry(request, entry_id):
    item = selectors.entry_for_reader(user=request.user, entry_id=entry_id)
    return render(request, "library/entry.html", {
        "entry": item, "text": item.text,
        "original_language_name": LANGUAGE_NAMES.get(item.text.language if item.text else "", ""),
        "market_names": [(str(code), countries.name(code)) for code in item.markets],
        "can_curate": request.user.is_authenticated and services.can_curate(user=request.user, entry=item),
        "is_contributor": request.user.is_authenticated and item.contributor_id == request.user.pk,
    })


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    entries = selectors.search_entries(text=text) if text else []
    threads = selectors.search_threads(user=request.user, text=text) if text else []
    return render(request, "library/search.html", {
        "form": form, "text": text, "entries": entries, "threads": threads,
        "expansions": expansions(text)[:6] if text else [],
    })


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
