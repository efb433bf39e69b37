"""Q&A pages. Everything works with plain forms (POST, redirect, GET); static/js/questions.js only adds
live updates on the question page and similar-question suggestions while the title is typed."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from clusters import access
from clusters.topics import Topic
from infra.cache import read_many
from infra.params import page_param
from infra.ratelimit import RateLimited, marked_rate_limited
from messaging import header
from messaging import selectors as messaging_selectors
from questions import page_cache, search_cache, selectors, services
from questions.forms import SORT_CHOICES, AnswerForm, AskForm, DuplicateForm, FilterForm, SearchForm
from questions.models import Language, Vote
from questions.rendering import answers_html, join_rows, kept_render, question_content, question_rows, row_pieces

QUESTIONS_PAGE = 20
ANSWERS_PAGE = 30


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def _rights(request, cluster, question=None, role=access.ASK) -> dict:
    """What the person may do here (clusters.access), from one membership query (none when the role is given)."""
    user = request.user
    if role is access.ASK:
        role = access.role_in(user=user, cluster_id=cluster.pk)
    member = access.may_post(user=user, cluster=cluster, role=role)
    facilitator = access.may_facilitate(user=user, cluster=cluster, role=role)
    rights = {"is_member": member, "is_facilitator": facilitator, "role": role}
    if question is not None:
        is_asker = user.is_authenticated and question.author_id == user.pk
        rights["can_accept"] = facilitator or (is_asker and member)
        rights["can_edit_question"] = facilitator or (is_asker and member)
        rights["can_close"] = facilitator or is_asker
    return rights


@functools.cache
def _options_html(name: str, language: str, blank: str | None) -> str:
    """<option> elements for a filter select in `language` (active when called), built in Python once
    per select and language: the widget templates and escaping 250 sorted country names cost more than
    the rest of a list page."""
    choices = {"topic": Topic.choices, "market": countries, "sort": SORT_CHOICES}[name]
    rows = [("", blank)] if blank is not None else []
    rows += [(str(value), str(label)) for value, label in choices]
    return str(format_html_join("", '<option value="{}">{}</option>', rows))


def _options(name: str, selected: str, blank=None) -> str:
    html = _options_html(name, get_language() or "en", None if blank is None else str(blank))
    chosen = format_html('<option value="{}">', selected)
    return mark_safe(html.replace(chosen, chosen[:-1] + " selected>", 1))


def _filter_context(request, form: FilterForm) -> dict:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return {
        "topic_options": _options("topic", data.get("topic", ""), _("Any topic")),
        "market_options": _options("market", data.get("market", ""), _("Any market")),
        "sort_options": _options("sort", data.get("sort") or "newest"),
        "filter_unanswered": data.get("unanswered", False),
        "filter_mine": data.get("mine", False),
    }


def _hand_over_header(request, values: list, *, own: int) -> list:
    """The first `own` of `values`; the rest, read for the site header with them (header.entries),
    handed over to it so that it does not read them again."""
    if len(values) > own:
        header.keep(request, values[own:])
    return values[:own]


def _page_number(value) -> int:
    """The first page for anything that is not a page number; a 404 far beyond any list's end (the
    OFFSET of such a page would not fit in 64 bits)."""
    return value if isinstance(value, int) else page_param(value)


class _NextPage:
    """A page without COUNT(*): it fetches one row more than it shows to know whether a next page exists.
    `queryset` may also be a function of (offset, limit) that returns the rows."""

    def __init__(self, queryset, number, per_page: int):
        self.number = _page_number(number)
        offset = (self.number - 1) * per_page
        if callable(queryset):
            rows = list(queryset(offset, per_page + 1))
        else:
            rows = list(queryset[offset:offset + per_page + 1])
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    @classmethod
    def known(cls, number: int, has_next: bool, object_list=()) -> "_NextPage":
        """A page whose rows were read elsewhere, or kept in the cache (then without its rows' objects)."""
        page = cls.__new__(cls)
        page.number, page.object_list, page._has_next = number, list(object_list), has_next
        return page

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _default_language(user) -> str:
    """The person's language for a new question, else the interface's."""
    language = (getattr(user, "language", "") or get_language() or "es")[:2]
    return language if language in Language.values else Language.ES


# --- Lists ---------------------------------------------------------------------------------------


@require_GET
def cluster_questions(request, slug):
    # The cluster, the person's role in it, the versions of what the list shows and the header's
    # values, in one round trip to the cache.
    cluster, values = page_cache.list_cluster_and_values(slug, lambda cluster_id: [
        access.role_entry(user=request.user, cluster_id=cluster_id), page_cache.CLUSTER.entry(cluster_id),
        page_cache.NAMES.entry(), *header.entries(request.user),
    ])
    kept_role, *versions = _hand_over_header(request, values, own=3)
    rights = _rights(request, cluster, role=access.role_of(kept_role))
    if not access.may_read(user=request.user, cluster=cluster, role=rights["role"]):
        raise Http404  # exactly like a missing cluster
    form = FilterForm(request.GET or None)
    filters = form.filters()
    number = _page_number(request.GET.get("page"))
    key = page_cache.list_key(cluster_id=cluster.pk, versions=tuple(versions), filters=filters, page=number,
                              language=get_language(), user_id=request.user.pk)
    kept = page_cache.LISTS.get(key)
    if kept is None:
        questions = selectors.cluster_questions(cluster=cluster, user=request.user, **filters)
        page = _NextPage(questions, number, QUESTIONS_PAGE)
        kept = {"rows": row_pieces(page.object_list), "has_next": page.has_next()}
        page_cache.LISTS.set(key, kept)
    else:
        page = _NextPage.known(number, kept["has_next"])
    # The page around the rows is the same for everyone with the same membership and query: kept too.
    context = {"cluster": cluster, "page": page, "query": _query_string(request), "has_rows": bool(kept["rows"]),
               **rights}
    content_key = (key, request.path, request.GET.urlencode(), request.user.is_authenticated, rights["is_member"],
                   cluster.name, cluster.slug, context["has_rows"])
    # The filter selects are built only when the content is rendered (they are in its key: the query).
    content = kept_render(request, "questions/_cluster_questions_content.html", context, key=content_key,
                          fills={"rows": join_rows(kept["rows"])}, more=lambda: _filter_context(request, form))
    return render(request, "questions/cluster_questions.html", {**context, "content_html": content})


@login_required
@require_GET
def my_questions(request):
    form = FilterForm(request.GET or None)
    questions = selectors.questions_across_my_clusters(user=request.user, **form.filters())
    page = _NextPage(questions, request.GET.get("page"), QUESTIONS_PAGE)
    return render(request, "questions/my_questions.html", {
        "page": page, "rows": question_rows(page.object_list, show_cluster=True), "query": _query_string(request),
        **_filter_context(request, form),
    })


@login_required
@require_GET
def waiting(request):
    return render(request, "questions/waiting.html", {"questions": selectors.waiting_for_mentor(user=request.user)})


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    cluster = None
    if request.GET.get("cluster"):
        cluster = selectors.cluster_for_questions(user=request.user, slug=request.GET["cluster"])

    number = _page_number(request.GET.get("page"))
    rows, has_next, questions, header_values = search_cache.search_rows(
        user=request.user, text=text, cluster=cluster, offset=(number - 1) * QUESTIONS_PAGE, limit=QUESTIONS_PAGE,
        also=header.entries(request.user),
    )
    _hand_over_header(request, header_values, own=0)
    page = _NextPage.known(number, has_next, questions or ())
    return render(request, "questions/search.html", {
        "form": form, "page": page, "rows": rows,
        "query": _query_string(request), "text": text, "cluster": cluster,
    })


# --- Asking --------------------------------------------------------------------------------------


def _ask_initial(request) -> dict:
    return {"language": _default_language(request.user)}


def _ask_with_form(request, *, cluster, form, template_extra: dict, create):
    """Shared by asking and promoting: "check" re-renders with similar questions, "post" creates."""
    similar, refusal = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "check" in request.POST:
            similar = selectors.similar_questions(user=request.user, cluster=cluster, title=data["title"])
        else:
            try:
                question = create(data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _error_text(exc))
                refusal = exc
            else:
                messages.success(request, _("Your question is posted."))
                return redirect(question.get_absolute_url())
    elif request.method == "POST" and "check" in request.POST:
        similar = selectors.similar_questions(user=request.user, cluster=cluster, title=request.POST.get("title", ""))
    return marked_rate_limited(render(request, "questions/ask.html", {
        "cluster": cluster, "form": form, "similar": similar, **template_extra,
    }), refusal)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request, slug):
    cluster = selectors.cluster_for_questions(user=request.user, slug=slug)
    if not access.may_post(user=request.user, cluster=cluster):
        messages.error(request, _("Join the cluster to ask a question."))
        return redirect("clusters:detail", slug=cluster.slug)
    form = AskForm(request.POST or None, request.FILES or None, initial=_ask_initial(request))

    def create(data):
        return services.question_ask(
            cluster=cluster, author=request.user, title=data["title"], body=data["body"],
            language=data["language"], topics=data["topics"], tags=data["tags"],
            target_markets=data["target_markets"], files=data["files"],
        )

    return _ask_with_form(request, cluster=cluster, form=form, template_extra={}, create=create)


@require_GET
def similar(request, slug):
    """A small HTML fragment of similar questions for the ask form's script."""
    cluster = selectors.cluster_for_questions(user=request.user, slug=slug)
    found = selectors.similar_questions(user=request.user, cluster=cluster, title=request.GET.get("title", "")[:200])
    return render(request, "questions/_similar.html", {"similar": found})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def promote(request, message_id):
    """A room message becomes a question (its author or a facilitator of the room's cluster)."""
    message = messaging_selectors.message_for_user(user=request.user, message_id=message_id)
    room = message.room
    if not room.is_cluster_room or message.is_deleted:
        raise Http404
    if message.author_id != request.user.pk and not access.may_facilitate(user=request.user, cluster=room.cluster):
        raise PermissionDenied
    first_line = " ".join(message.body.split())
    initial = {**_ask_initial(request), "title": first_line[:200], "body": message.body}
    form = AskForm(request.POST or None, initial=initial)

    def create(data):
        return services.question_promote(
            message=message, acting_user=request.user, title=data["title"], body=data["body"],
            language=data["language"], topics=data["topics"], tags=data["tags"],
            target_markets=data["target_markets"],
        )

    return _ask_with_form(request, cluster=room.cluster, form=form, template_extra={"message": message},
                          create=create)


# --- The question page ----------------------------------------------------------------------------


def _question_page_data(request, question_id) -> tuple[dict, str | None]:
    """The question page's shared part, {"question", "answers", "has_next", "number", "synced_at"}, and
    the reader's role; Http404 for those who may not read it.

    The live-update marker (docs/PROTOCOL.md) is the time, then the newest answer id, both read before
    the answers, so the page holds (on this page or another) every answer up to that id, and its
    socket's first resync sends whatever came after, even before the socket connected. A GET reads the
    shared part from the cache when the question's, the names' and the clusters' versions have not
    moved since it was kept (questions.page_cache: every write to the question, its answers, votes or
    follows moves them);
    the versions are read before the data, so data kept under a version is never older than it. The
    kept part carries the time it was read, so a resync starts from there."""
    number = _page_number(request.GET.get("page"))
    key = data = None
    if request.method != "POST":
        # The versions, the question's cluster and the header's values in one round trip to the cache;
        # the kept page and the reader's role in its cluster in a second.
        *versions, cluster_id = _hand_over_header(request, read_many([
            *page_cache.question_entries(question_id),
            page_cache.QUESTION_CLUSTERS.peek(page_cache.QUESTION_CLUSTERS.key(question_id)),
            *header.entries(request.user),
        ]), own=4)
        cluster_id = cluster_id or page_cache.cluster_of_question(question_id)
        if cluster_id:
            key = page_cache.question_key(question_id=question_id, versions=tuple(versions), page=number)
            data, kept_role = read_many([page_cache.QUESTION_PAGES.peek(key),
                                         access.role_entry(user=request.user, cluster_id=cluster_id)])
    if data is not None and data["question"].cluster_id == cluster_id:
        return data, selectors.question_page_role(user=request.user, question=data["question"],
                                                  role=access.role_of(kept_role))
    synced_at = timezone.now()
    question, role = selectors.question_for_page(user=request.user, question_id=question_id)
    page = _NextPage(selectors.question_answers(question=question), number, ANSWERS_PAGE)
    answers = selectors.with_attachments(question, list(page.object_list))
    data = {"question": question, "answers": answers, "has_next": page.has_next(), "number": number,
            "synced_at": synced_at.isoformat()}
    if key:
        data["kept_as"] = key  # its content can be kept too (questions.rendering.question_content)
        page_cache.QUESTION_PAGES.set(key, data)
    return data, role


@require_http_methods(["GET", "HEAD", "POST"])
def detail(request, question_id):
    data, role = _question_page_data(request, question_id)
    question = data["question"]
    rights = _rights(request, question.cluster, question, role=role)
    form, refusal = AnswerForm(), None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={question.get_absolute_url()}")
        form = AnswerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                answer = services.answer_post(question=question, author=request.user, body=form.cleaned_data["body"],
                                              files=form.cleaned_data["files"])
            except PermissionDenied as exc:
                messages.error(request, _error_text(exc))
                return redirect(question.get_absolute_url())
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
                refusal = exc
            else:
                messages.success(request, _("Your answer is posted."))
                return redirect(f"{question.get_absolute_url()}#a{answer.pk}")
    answers = data["answers"]
    question_vote, answer_votes, following = selectors.my_votes_and_follow(
        user=request.user, question=question, answers=answers
    )
    for answer in answers:
        answer.my_vote = answer_votes.get(answer.pk, 0)
    context = {
        "question": question, "answers": answers, "page": _NextPage.known(data["number"], data["has_next"]),
        "form": form, "question_vote": question_vote,
        "answers_html": answers_html(request, answers, question=question, can_vote=rights["is_member"],
                                     can_accept=rights["can_accept"], is_facilitator=rights["is_facilitator"],
                                     can_propose=access.may_mentor(user=request.user, cluster=question.cluster,
                                                                 role=rights["role"])),
        "following": following,
        "duplicate_form": DuplicateForm(), "synced_at": data["synced_at"], **rights,
    }
    return marked_rate_limited(render(request, "questions/detail.html", {
        **context, "content_html": question_content(request, context, kept_as=data.get("kept_as")),
    }), refusal)


@require_GET
def history(request, question_id):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    return render(request, "questions/history.html", {
        "question": question, "revisions": selectors.question_history(question=question)[:200],
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, question_id):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    if not services.can_edit(user=request.user, post=question):
        raise PermissionDenied
    initial = {"title": question.title, "body": question.body, "language": question.language,
               "topics": question.topics, "tags": ", ".join(question.tags),
               "target_markets": [c.code for c in question.target_markets]}
    form = AskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.question_edit(
                question=question, acting_user=request.user, title=data["title"], body=data["body"],
                topics=data["topics"], tags=data["tags"], target_markets=data["target_markets"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The question is updated."))
            return redirect(question.get_absolute_url())
    return render(request, "questions/edit.html", {"question": question, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer_edit(request, answer_id):
    answer = selectors.answer_get_for_user(user=request.user, answer_id=answer_id)
    if not services.can_edit(user=request.user, post=answer):
        raise PermissionDenied
    form = AnswerForm(request.POST or None, initial={"body": answer.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_edit(answer=answer, acting_user=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The answer is updated."))
            return redirect(f"{answer.question.get_absolute_url()}#a{answer.pk}")
    return render(request, "questions/answer_edit.html", {"answer": answer, "question": answer.question,
                                                          "form": form})


def _run(request, action, url: str, success: str):
    try:
        action()
    except RateLimited:
        raise  # a 429 page (infra.ratelimit.RateLimitedMiddleware)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        if success:
            messages.success(request, success)
    return redirect(url)


@login_required
@require_POST
def question_action(request, question_id, action):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    user, url = request.user, question.get_absolute_url()
    if action == "duplicate":
        form = DuplicateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the number of the original question."))
            return redirect(url)
        try:
            original = selectors.question_get_for_user(user=user, question_id=form.cleaned_data["original"])
        except Http404:
            messages.error(request, _("There is no such question."))
            return redirect(url)
        return _run(request, lambda: services.question_mark_duplicate(
            question=question, original=original, acting_user=user), url, _("Marked as a duplicate."))
    actions = {
        "follow": (lambda: services.question_follow(question=question, user=user), _("You follow this question.")),
        "unfollow": (lambda: services.question_unfollow(question=question, user=user), _("You no longer follow it.")),
        "close": (lambda: services.question_close(question=question, acting_user=user), _("The question is closed.")),
        "reopen": (lambda: services.question_reopen(question=question, acting_user=user), _("The question is open.")),
        "unaccept": (lambda: services.answer_unaccept(question=question, acting_user=user), ""),
        "up": (lambda: services.vote_cast(user=user, question=question, value=Vote.UP), ""),
        "down": (lambda: services.vote_cast(user=user, question=question, value=Vote.DOWN), ""),
        "unvote": (lambda: services.vote_withdraw(user=user, question=question), ""),
    }
    if action not in actions:
        raise Http404
    run, success = actions[action]
    return _run(request, run, url, success)


@login_required
@require_POST
def answer_action(request, answer_id, action):
    answer = selectors.answer_get_for_user(user=request.user, answer_id=answer_id)
    question, user = answer.question, request.user
    url = f"{question.get_absolute_url()}#a{answer.pk}"
    actions = {
        "accept": (lambda: services.answer_accept(question=question, answer=answer, acting_user=user),
                   _("The answer is accepted.")),
        "up": (lambda: services.vote_cast(user=user, answer=answer, value=Vote.UP), ""),
        "down": (lambda: services.vote_cast(user=user, answer=answer, value=Vote.DOWN), ""),
        "unvote": (lambda: services.vote_withdraw(user=user, answer=answer), ""),
    }
    if action not in actions:
        raise Http404
    run, success = actions[action]
    return _run(request, run, url, success)
