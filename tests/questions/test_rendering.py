"""Rendered pieces kept in memory (questions.rendering, the filter selects): the same HTML as rendering
them afresh, and never stale: a new answer, vote, status, title or author name shows at once."""

import re

import pytest
from django.core.cache import caches
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django_countries import countries

from clusters import access as cluster_access
from clusters.topics import Topic
from questions import rendering, services, views
from questions.forms import SORT_CHOICES
from questions.models import Question, Vote

pytestmark = pytest.mark.django_db


def fresh_row(question, show_cluster=False) -> str:
    return get_template(rendering.ROW_TEMPLATE).render(
        {"question": question, "show_cluster": show_cluster, "when": timesince(question.created_at)}
    )


def list_page(client, coffee, **params) -> str:
    return client.get(reverse("questions:cluster", args=[coffee.slug]), params).content.decode()


def counts(page: str, question) -> tuple[str, str]:
    """The score and the answer count shown on the question's row."""
    row = re.search(r'<li class="card question-row">(?:(?!</li>).)*?/questions/' + str(question.pk) + "/", page, re.S).group(0)
    score, answers = re.findall(r"<strong>(-?\d+)</strong>", row)
    return score, answers


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
@pytest.mark.parametrize("show_cluster", [False, True])
def test_rows_are_the_same_html_as_rendering_each(question, ana, language, show_cluster):
    other = services.question_ask(cluster=question.cluster, author=ana, title="<b>Fletes</b> & \"precios\"",
                                  language="es", topics=["logistics", "pricing"], target_markets=["DE", "JP"])
    Question.objects.filter(pk=other.pk).update(status=Question.Status.CLOSED,
                                                created_at=timezone.now() - timezone.timedelta(days=3, hours=2))
    rows = list(Question.objects.filter(pk__in=[question.pk, other.pk]).select_related("author", "cluster")
                .order_by("pk"))
    caches["fragments"].clear()
    with translation.override(language):
        expected = "\n".join(fresh_row(q, show_cluster) for q in rows)
        assert rendering.question_rows(rows, show_cluster=show_cluster) == expected  # rendered
        assert rendering.question_rows(rows, show_cluster=show_cluster) == expected  # from memory
    assert "&lt;b&gt;Fletes&lt;/b&gt; &amp; &quot;precios&quot;" in expected


def test_the_elapsed_time_is_current_when_a_row_comes_from_memory(question):
    caches["fragments"].clear()
    rows = [Question.objects.select_related("author").get(pk=question.pk)]
    rendering.question_rows(rows)
    rows[0].created_at -= timezone.timedelta(hours=5)  # what the clock moving on looks like to timesince
    Question.objects.filter(pk=question.pk).update(created_at=rows[0].created_at)
    rows = [Question.objects.select_related("author").get(pk=question.pk)]
    assert "5\xa0hours" in rendering.question_rows(rows)


def test_answers_votes_status_title_and_names_show_at_once_on_the_list(client, coffee, question, ana, mateo, lucia):
    client.force_login(ana)
    assert counts(list_page(client, coffee), question) == ("0", "0")
    answer = services.answer_post(question=question, author=mateo, body="Registra la instalación.")
    assert counts(list_page(client, coffee), question) == ("0", "1")
    services.vote_cast(user=mateo, question=question, value=Vote.UP)
    assert counts(list_page(client, coffee), question) == ("1", "1")
    services.vote_cast(user=lucia, question=question, value=Vote.DOWN)
    services.vote_cast(user=mateo, question=question, value=Vote.DOWN)
    assert counts(list_page(client, coffee), question) == ("-2", "1")
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    assert 'class="qa-answered"' in list_page(client, coffee)
    services.question_close(question=question, acting_user=ana)
    assert ">Closed<" in list_page(client, coffee)
    question.refresh_from_db()
    services.question_edit(question=question, acting_user=ana, title="¿Qué pide la FDA para el café tostado?",
                           body=question.body, topics=["pricing"], tags=[], target_markets=["JP"])
    page = list_page(client, coffee)
    assert "¿Qué pide la FDA para el café tostado?" in page and ">Japan<" in page and ">Pricing" in page
    ana.name = "Ana M. Lenca"
    ana.save()
    assert "Ana M. Lenca asked" in list_page(client, coffee)


def reference_options(choices, selected, blank=None):
    """How the selects were built before they were kept in memory."""
    rows = [("", blank)] if blank is not None else []
    rows += [(str(value), str(label)) for value, label in choices]
    return format_html_join("", '<option value="{}"{}>{}</option>',
                            ((v, mark_safe(" selected") if v == selected else "", label) for v, label in rows))


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
def test_filter_selects_are_the_same_html_as_building_them(language):
    with translation.override(language):
        for selected in ("", "customs", "pricing"):
            assert views._options("topic", selected, "Any") == reference_options(
                Topic.choices, selected, "Any")
        for selected in ("", "DE", "HN", "ZW"):
            assert views._options("market", selected, "Any") == reference_options(
                list(countries), selected, "Any")
        for selected in ("newest", "votes", "activity"):
            assert views._options("sort", selected) == reference_options(SORT_CHOICES, selected)


def test_the_list_page_shows_the_chosen_filters_in_the_reader_language(client, coffee, question, ana):
    client.force_login(ana)
    page = list_page(client, coffee, topic="customs", market="US", sort="votes")
    filters = page[page.index('class="filters"'):page.index("</form>", page.index('class="filters"'))]
    assert '<option value="customs" selected>' in filters and '<option value="US" selected>' in filters
    assert '<option value="votes" selected>' in filters and filters.count(" selected>") == 3
    ana.language = "es"
    ana.save()
    page = list_page(client, coffee)
    with translation.override("es"):
        any_topic = str(translation.gettext("Any topic"))
        united_states = str(countries.name("US"))
    assert f'<option value="" selected>{any_topic}</option>' in page and any_topic != "Any topic"
    assert f'<option value="US">{united_states}</option>' in page and united_states != "United States of America"


# --- Answers on the question page ------------------------------------------------------------------

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def answer_html(page: str, answer) -> str:
    start = page.rindex("<article", 0, page.index(f'id="a{answer.pk}"'))
    return page[start:page.index("</article>", start)]


def detail(client, question) -> str:
    return client.get(reverse("questions:detail", args=[question.pk])).content.decode()


def test_answers_are_the_same_html_as_including_the_template(rf, question, answer, ana, mateo, lucia):
    from django.contrib.sessions.middleware import SessionMiddleware

    second = services.answer_post(question=question, author=lucia, body="<script>x</script> y **z**")
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    services.vote_cast(user=mateo, answer=second, value=Vote.DOWN)
    question.refresh_from_db()
    answers = [answer, second]
    for one in answers:
        one.refresh_from_db()
        one.my_vote = Vote.DOWN if one == second else 0
    for viewer, can_accept, facilitator in ((mateo, False, False), (ana, True, False), (lucia, True, True)):
        request = rf.get("/")
        SessionMiddleware(lambda r: None).process_request(request)
        request.user = viewer
        caches["fragments"].clear()
        for _ in range(2):  # rendered, then from memory
            got = rendering.answers_html(request, answers, question=question, can_vote=True,
                                         can_accept=can_accept, is_facilitator=facilitator)
            expected = "".join(get_template(rendering.ANSWER_TEMPLATE).render({
                "answer": one, "question": question, "can_vote_answers": True, "can_accept": can_accept,
                "is_facilitator": facilitator, "when": timesince(one.created_at),
            }, request) for one in answers)
            assert CSRF_VALUE.sub("", got) == CSRF_VALUE.sub("", expected)
            tokens = set(CSRF_VALUE.findall(got))
            assert len(tokens) == 1 and "\x00" not in got and "" not in tokens


def test_each_reader_sees_their_own_votes_and_buttons(client, question, answer, ana, mateo, lucia, otto):
    from clusters.models import Cluster

    Cluster.objects.filter(pk=question.cluster_id).update(access=Cluster.Access.OPEN)  # outsiders may read
    services.vote_cast(user=lucia, answer=answer, value=Vote.UP)
    accept = reverse("questions:answer_action", args=[answer.pk, "accept"])
    edit = reverse("questions:answer_edit", args=[answer.pk])
    unvote = reverse("questions:answer_action", args=[answer.pk, "unvote"])
    up = reverse("questions:answer_action", args=[answer.pk, "up"])
    seen = {}
    for person in (mateo, ana, lucia, otto, None, mateo):
        client.logout()
        if person:
            client.force_login(person)
        html = answer_html(detail(client, question), answer)
        seen[person] = (accept in html, edit in html, unvote in html, up in html, 'aria-pressed="true"' in html)
    #                 accept  edit   unvote  vote   voted up
    assert seen[mateo] == (False, True, False, True, False)  # the author
    assert seen[ana] == (True, False, False, True, False)  # the asker
    assert seen[lucia] == (True, True, True, True, True)  # the facilitator, who voted
    assert seen[otto] == (False, False, False, False, False)  # not a member
    assert seen[None] == (False, False, False, False, False)


def test_new_answers_votes_and_acceptance_show_at_once(client, question, answer, ana, mateo, lucia):
    client.force_login(ana)
    page = detail(client, question)
    assert 'data-score>0<' in answer_html(page, answer) and "is-accepted" not in answer_html(page, answer)
    services.vote_cast(user=lucia, answer=answer, value=Vote.UP)
    assert 'data-score>1<' in answer_html(detail(client, question), answer)
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    html = answer_html(detail(client, question), answer)
    assert "is-accepted" in html and reverse("questions:question_action", args=[question.pk, "unaccept"]) in html
    newer = services.answer_post(question=question, author=lucia, body="Y el Prior Notice antes de zarpar.")
    assert "Prior Notice antes de zarpar" in answer_html(detail(client, question), newer)
    services.answer_edit(answer=newer, acting_user=lucia, body="Prior Notice, 24 horas antes.")
    html = answer_html(detail(client, question), newer)
    assert "24 horas antes" in html and "edited" in html
    services.vote_cast(user=ana, answer=newer, value=Vote.DOWN)
    html = answer_html(detail(client, question), newer)
    assert 'data-score>-1<' in html and reverse("questions:answer_action", args=[newer.pk, "unvote"]) in html
    services.question_close(question=question, acting_user=ana)
    html = answer_html(detail(client, question), newer)
    assert reverse("questions:answer_action", args=[newer.pk, "accept"]) not in html


def test_the_forms_carry_a_working_csrf_token_when_answers_come_from_memory(question, answer, ana):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    detail(client, question)  # the answer now comes from memory on the next page
    html = answer_html(detail(client, question), answer)
    token = CSRF_VALUE.search(html).group(1)
    assert token and "\x00" not in token
    response = client.post(reverse("questions:answer_action", args=[answer.pk, "up"]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Vote.objects.filter(user=ana, answer=answer, value=Vote.UP).exists()


# --- Kept search results (questions.search_cache) ---------------------------------------------------


@pytest.fixture
def kept_searches(monkeypatch):
    from django.core.cache import cache


    cache.clear()
    yield
    cache.clear()


def search(client, text) -> str:
    return client.get(reverse("questions:search"), {"q": text}).content.decode()


def test_kept_search_results_are_the_same_and_cost_no_search_query(
    kept_searches, client, coffee, ana, mateo, django_capture_on_commit_callbacks, django_assert_num_queries,
    no_rate_limits,
):
    from questions import search_cache, selectors

    with django_capture_on_commit_callbacks(execute=True):
        for i in range(25):
            services.question_ask(cluster=coffee, author=ana, title=f"¿Flete de contenedor número {i}?")
    fresh = list(selectors.search_questions(user=ana, text="flete contenedor"))
    first, has_next, questions, _ = search_cache.search_rows(user=ana, text="flete contenedor", cluster=None, offset=0,
                                                          limit=20)
    assert [q.pk for q in questions] == [q.pk for q in fresh[:20]] and has_next
    # none: who may read what (her clusters, the open ones) is kept as well as the rows
    with django_assert_num_queries(0):
        kept, kept_has_next, none, _ = search_cache.search_rows(user=ana, text="flete contenedor", cluster=None,
                                                             offset=0, limit=20)
    assert none is None and kept_has_next
    assert strip_times(kept) == strip_times(first) == strip_times(rendering.question_rows(fresh[:20], show_cluster=True))
    later, later_has_next, _, _ = search_cache.search_rows(user=ana, text="flete contenedor", cluster=None, offset=20,
                                                        limit=20)
    assert later.count("question-row") == 5 and not later_has_next


def strip_times(html: str) -> str:
    return re.sub(r"asked .*? ago", "asked", html)


def test_new_questions_answers_and_votes_show_in_the_next_search(
    kept_searches, client, coffee, question, ana, mateo, lucia, django_capture_on_commit_callbacks
):
    client.force_login(ana)
    assert "Nothing found" in search(client, "consignación")
    with django_capture_on_commit_callbacks(execute=True):
        asked = services.question_ask(cluster=coffee, author=mateo, title="¿Venden en consignación a tostadores?")
    assert asked.title in search(client, "consignación")
    assert question.title not in search(client, "consignación")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_post(question=question, author=mateo, body="Primero una consignación pequeña.")
    page = search(client, "consignación")
    assert question.title in page and asked.title in page
    from questions import search_cache

    before = search_cache.version()
    with django_capture_on_commit_callbacks(execute=True):  # the score orders results of equal rank
        services.vote_cast(user=lucia, question=question, value=Vote.UP)
    assert search_cache.version() > before
    before = search_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_withdraw(user=lucia, question=question)
    assert search_cache.version() > before
    with django_capture_on_commit_callbacks(execute=True):
        services.question_edit(question=asked, acting_user=mateo, title="¿Venden a crédito a tostadores?",
                               body="", topics=[], tags=[], target_markets=[])
    assert "¿Venden a crédito a tostadores?" not in search(client, "consignación")


def test_kept_results_never_reach_someone_who_may_not_read_them(
    kept_searches, client, coffee, question, ana, otto, monkeypatch
):
    from questions import search_cache

    client.force_login(ana)
    assert question.title in search(client, "documentos FDA")
    client.force_login(otto)  # not a member of the by-approval coffee cluster: another key
    assert question.title not in search(client, "documentos FDA")
    # Even an entry under the very same key (as if it were wrong) goes through the visibility check.
    monkeypatch.setattr(search_cache, "scope", lambda **kwargs: "same")
    assert question.title in search_cache.search_rows(user=ana, text="documentos FDA", cluster=None, offset=0,
                                                      limit=20)[0]
    rows, _, questions, _ = search_cache.search_rows(user=otto, text="documentos FDA", cluster=None, offset=0, limit=20)
    assert questions is None  # it was the kept entry
    assert question.title not in rows and "question-row" not in rows


def test_joining_a_cluster_or_a_cluster_opening_changes_the_results_at_once(
    kept_searches, client, coffee, question, otto, django_capture_on_commit_callbacks
):
    from clusters.models import Cluster
    from tests.conftest import activate

    client.force_login(otto)
    assert question.title not in search(client, "documentos FDA")
    membership = activate(otto, coffee)
    assert question.title in search(client, "documentos FDA")
    membership.delete()
    assert question.title not in search(client, "documentos FDA")
    with django_capture_on_commit_callbacks(execute=True):
        coffee.access = Cluster.Access.OPEN
        coffee.save()
    assert question.title in search(client, "documentos FDA")


def test_the_search_page_query_count_is_fixed_kept_or_not_and_with_more_results(
    kept_searches, client, coffee, ana, mateo, django_capture_on_commit_callbacks, django_assert_num_queries,
    no_rate_limits,
):
    client.force_login(ana)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            services.question_ask(cluster=coffee, author=mateo, title=f"¿Flete de contenedor número {i}?")
    search(client, "sin resultados")  # warm the session, the header's values and who may read what
    # 1 session, 1 user, 1 the search (none when kept)
    for expected in (3, 2):  # the search, then the kept rows
        with django_assert_num_queries(expected):
            assert "número 2" in search(client, "flete contenedor")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3, 30):
            services.question_ask(cluster=coffee, author=ana, title=f"¿Flete de contenedor número {i}?")
    for expected in (3, 2):
        with django_assert_num_queries(expected):
            page = search(client, "flete contenedor")
    assert page.count('class="card question-row"') == 20


# --- The question page reads its question by id and decides who may read it itself -----------------


def test_the_question_page_lets_in_exactly_whom_question_get_for_user_lets_in(
    coffee, seafood, ana, mateo, lucia, otto, nadie, superuser
):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from clusters.models import Cluster, ClusterMembership
    from questions import selectors

    pending = ClusterMembership.objects.create(cluster=seafood, user=nadie, status=ClusterMembership.Status.PENDING)
    assert pending.pk
    inactive_person = otto.__class__.objects.get(pk=otto.pk)
    questions = [services.question_ask(cluster=cluster, author=author, title=f"¿Pregunta en {cluster.slug}?")
                 for cluster, author in ((coffee, ana), (seafood, otto))]
    people = [AnonymousUser(), ana, mateo, lucia, otto, nadie, superuser]
    outcomes = set()
    for access in (Cluster.Access.OPEN, Cluster.Access.APPROVAL):
        for active in (True, False):
            Cluster.objects.filter(pk__in=[coffee.pk, seafood.pk]).update(access=access, is_active=active)
            for person in [*people, inactive_person]:
                if person is inactive_person:
                    person.is_active = False
                for question in questions:
                    try:
                        selectors.question_get_for_user(user=person, question_id=question.pk)
                        expected = True
                    except Http404:
                        expected = False
                    try:
                        found, role = selectors.question_for_page(user=person, question_id=question.pk)
                        got = True
                    except Http404:
                        got = False
                    assert got == expected, (access, active, person, question.cluster.slug)
                    outcomes.add(got)
                    if got:
                        cluster = Cluster.objects.get(pk=question.cluster_id)
                        assert found.pk == question.pk
                        assert role == cluster_access.role_in(user=person, cluster_id=cluster.pk)
    assert outcomes == {True, False}
    for missing in (10**9, "x", None):
        with pytest.raises(Http404):
            selectors.question_for_page(user=ana, question_id=missing)
