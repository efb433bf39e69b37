"""Kept Q&A pages (questions.page_cache) and kept roles (clusters.access): the same page as building it
afresh, never stale after any write, and never shown to someone who may not read it.

The writes run in real transactions (transaction=True), so the version numbers move on commit exactly
as they do in production."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from clusters import access
from clusters.models import Cluster, ClusterMembership
from infra.cache import KINDS
from questions import services
from questions.models import Question, Vote
from tests.conftest import activate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept(monkeypatch):
    # The header's counts and links too, as in production (tested in their own modules).
    cache.clear()
    yield
    cache.clear()


def same_page(html: str) -> str:
    """A page without what changes on every request (the CSRF token, the page's read time)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)
    return re.sub(r'data-synced-at="[^"]+"', "SYNCED", html)


def list_page(client, cluster, **params) -> str:
    response = client.get(reverse("questions:cluster", args=[cluster.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def question_page(client, question) -> str:
    response = client.get(reverse("questions:detail", args=[question.pk]))
    assert response.status_code == 200
    return response.content.decode()


def counts(page: str, question) -> tuple[str, str]:
    """The score and the answer count shown on the question's row."""
    score, answers = re.findall(r"<strong>(-?\d+)</strong>", row_of(page, question))
    return score, answers


def row_of(page: str, question) -> str:
    return re.search(r'<li class="card question-row">(?:(?!</li>).)*?/questions/' + str(question.pk) + "/.*?</li>",
                     page, re.S).group(0)


def test_a_kept_list_page_is_the_page_built_afresh_and_costs_no_query_of_its_own(
    kept, client, coffee, question, ana, mateo, monkeypatch, django_assert_num_queries
):
    services.question_ask(cluster=coffee, author=mateo, title="¿Cómo cotizar FOB desde Buenaventura?", language="es")
    client.force_login(ana)
    list_page(client, coffee)  # the header's values and the role kept
    for params in ({}, {"sort": "votes", "topic": "customs"}, {"mine": "on"}, {"page": "2"}):
        first = list_page(client, coffee, **params)
        with django_assert_num_queries(2):  # the session and the person; the rest is kept
            again = list_page(client, coffee, **params)
        monkeypatch.setattr(settings, "PUENTE_CACHE_OFF", frozenset(KINDS))
        fresh = list_page(client, coffee, **params)
        monkeypatch.setattr(settings, "PUENTE_CACHE_OFF", frozenset())
        assert same_page(first) == same_page(again) == same_page(fresh)


def test_every_write_shows_on_the_next_list_page(kept, client, coffee, question, ana, mateo, lucia):
    client.force_login(ana)
    assert counts(list_page(client, coffee), question) == ("0", "0")
    asked = services.question_ask(cluster=coffee, author=mateo, title="¿Sirve el certificado de origen digital?")
    assert asked.title in list_page(client, coffee)
    answer = services.answer_post(question=question, author=mateo, body="Registra la instalación.")
    assert counts(list_page(client, coffee), question) == ("0", "1")
    assert question.title not in list_page(client, coffee, unanswered="on")
    services.vote_cast(user=mateo, question=question, value=Vote.UP)
    assert list_page(client, coffee, sort="votes").index(question.title) < list_page(client, coffee, sort="votes").index(
        asked.title)
    services.vote_cast(user=mateo, question=question, value=Vote.DOWN)
    services.vote_cast(user=lucia, question=question, value=Vote.DOWN)
    assert counts(list_page(client, coffee), question) == ("-2", "1")
    services.vote_withdraw(user=lucia, question=question)
    assert counts(list_page(client, coffee), question) == ("-1", "1")
    services.answer_accept(question=Question.objects.get(pk=question.pk), answer=answer, acting_user=ana)
    assert 'class="qa-answered"' in row_of(list_page(client, coffee), question)
    services.question_close(question=Question.objects.get(pk=question.pk), acting_user=ana)
    assert ">Closed<" in row_of(list_page(client, coffee), question)
    services.question_reopen(question=Question.objects.get(pk=question.pk), acting_user=ana)
    assert ">Closed<" not in row_of(list_page(client, coffee), question)
    services.question_edit(question=Question.objects.get(pk=asked.pk), acting_user=mateo, title="¿Origen digital?",
                           body="", topics=["customs"], tags=[], target_markets=["JP"])
    assert "¿Origen digital?" in list_page(client, coffee, topic="customs", market="JP")
    assert asked.title not in list_page(client, coffee, mine="on")
    services.question_follow(question=asked, user=ana)
    assert "¿Origen digital?" in list_page(client, coffee, mine="on")
    services.question_unfollow(question=asked, user=ana)
    assert "¿Origen digital?" not in list_page(client, coffee, mine="on")
    mateo.name = "Mateo R. Quindío"
    mateo.save()
    assert "Mateo R. Quindío asked" in list_page(client, coffee)
    Question.objects.get(pk=asked.pk).delete()
    assert "¿Origen digital?" not in list_page(client, coffee)


def test_a_kept_question_page_is_the_page_built_afresh(
    kept, client, question, answer, ana, mateo, monkeypatch, django_assert_max_num_queries
):
    client.force_login(ana)
    question_page(client, question)  # learns the question's cluster
    first = question_page(client, question)  # reads and keeps it
    # the session, the person, her votes, whether she follows it: the question and answers are kept
    with django_assert_max_num_queries(4):
        again = question_page(client, question)
    monkeypatch.setattr(settings, "PUENTE_CACHE_OFF", frozenset(KINDS))
    fresh = question_page(client, question)
    assert same_page(first) == same_page(again) == same_page(fresh)


def test_every_write_shows_on_the_next_question_page(kept, client, question, answer, ana, mateo, lucia):
    client.force_login(ana)
    question_page(client, question)
    question_page(client, question)
    second = services.answer_post(question=question, author=lucia, body="Y el Prior Notice antes de embarcar.")
    page = question_page(client, question)
    assert "Prior Notice antes de embarcar" in page and f'data-last-answer-id="{second.pk}"' in page
    services.vote_cast(user=mateo, question=question, value=Vote.UP)
    score = re.search(r'data-score-for="question-\d+">.*?data-score>(-?\d+)<', question_page(client, question), re.S)
    assert score.group(1) == "1"
    services.answer_accept(question=Question.objects.get(pk=question.pk), answer=second, acting_user=ana)
    page = question_page(client, question)
    assert page.index("Prior Notice antes de embarcar") < page.index("Registra la instalación")  # accepted first
    services.answer_edit(answer=answer, acting_user=mateo, body="Registra la instalación y el agente en EE. UU.")
    assert "el agente en EE. UU." in question_page(client, question)
    services.question_close(question=Question.objects.get(pk=question.pk), acting_user=ana)
    assert "This question is closed to new answers." in question_page(client, question)
    lucia.name = "Lucía V. Solís"
    lucia.save()
    assert "Lucía V. Solís" in question_page(client, question)


def test_kept_pages_never_reach_someone_who_may_not_read_them(kept, client, coffee, question, ana, otto, nadie):
    coffee.access = Cluster.Access.APPROVAL
    coffee.save()
    client.force_login(ana)
    for _ in range(2):  # kept now, under the member's request
        list_page(client, coffee)
        question_page(client, question)
    for outsider in (otto, nadie):
        client.force_login(outsider)
        assert client.get(reverse("questions:cluster", args=[coffee.slug])).status_code == 404
        assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404
    # She leaves: her kept role goes with her membership, at once.
    client.force_login(ana)
    ClusterMembership.objects.get(user=ana, cluster=coffee).delete()
    assert client.get(reverse("questions:cluster", args=[coffee.slug])).status_code == 404
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404
    activate(ana, coffee)
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 200
    # The cluster closes down: nobody reads it any more, kept or not.
    coffee.is_active = False
    coffee.save()
    assert client.get(reverse("questions:cluster", args=[coffee.slug])).status_code == 404
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404


def test_a_new_role_shows_at_once(kept, client, coffee, question, mateo):
    client.force_login(mateo)
    close_url = reverse("questions:question_action", args=[question.pk, "close"])
    assert close_url not in question_page(client, question)
    membership = ClusterMembership.objects.get(user=mateo, cluster=coffee)
    membership.role = ClusterMembership.Role.FACILITATOR
    membership.save()
    assert close_url in question_page(client, question)
    assert access.role_in(user=mateo, cluster_id=coffee.pk) == ClusterMembership.Role.FACILITATOR


def test_a_new_slug_moves_the_list_at_once(kept, client, coffee, question, ana):
    client.force_login(ana)
    old = coffee.slug
    assert question.title in list_page(client, coffee)
    coffee.slug = "cafe-especial"
    coffee.name = "Café especial"
    coffee.save()
    assert client.get(reverse("questions:cluster", args=[old])).status_code == 404
    page = list_page(client, coffee)
    assert question.title in page and "Café especial" in page


def test_kept_cluster_sets_follow_memberships_and_clusters_at_once(kept, coffee, seafood, ana, otto):
    assert access.member_cluster_ids(user=ana) == {coffee.pk}
    assert access.open_cluster_ids() == {coffee.pk, seafood.pk} & set(
        Cluster.objects.filter(access=Cluster.Access.OPEN).values_list("pk", flat=True))
    activate(ana, seafood)
    assert access.member_cluster_ids(user=ana) == {coffee.pk, seafood.pk}
    seafood.is_active = False  # closes down: no longer among her clusters, nor the open ones
    seafood.save()
    assert access.member_cluster_ids(user=ana) == {coffee.pk}
    assert seafood.pk not in access.open_cluster_ids()
    coffee.access = Cluster.Access.APPROVAL
    coffee.save()
    assert coffee.pk not in access.open_cluster_ids()
    ClusterMembership.objects.get(user=ana, cluster=coffee).delete()
    assert access.member_cluster_ids(user=ana) == frozenset()
    coffee.delete()
    assert access.member_cluster_ids(user=otto) == frozenset()  # otto's seafood is closed


@pytest.mark.parametrize("who", ["ana", "mateo", "lucia", "otto", "visitor"])
def test_kept_question_content_is_each_readers_own(who, request, kept, client, question, answer, monkeypatch):
    question.cluster.access = Cluster.Access.OPEN  # outsiders and visitors read it too
    question.cluster.save()
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    pages = [question_page(client, question) for _ in range(3)]  # learns, keeps, takes the kept content
    monkeypatch.setattr(settings, "PUENTE_CACHE_OFF", frozenset(KINDS))
    fresh = question_page(client, question)
    assert same_page(pages[0]) == same_page(pages[1]) == same_page(pages[2]) == same_page(fresh)


def test_the_elapsed_time_and_the_token_are_this_requests_in_kept_content(kept, question, answer, ana, monkeypatch):
    from django.test import Client
    from django.utils import timezone
    from django.utils.timesince import timesince

    from questions import rendering

    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    for _ in range(3):
        question_page(client, question)
    # Five hours later (no write moves a version as time goes by):
    later = timezone.now() + timedelta(hours=5)
    monkeypatch.setattr(rendering, "timesince", lambda when: timesince(when, now=later))
    page = question_page(client, question)
    assert "Ana Martínez asked 5\xa0hours ago" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("questions:question_action", args=[question.pk, "follow"]),
                           {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # a kept (someone else's) token would be refused with 403
    assert "Stop following" in question_page(client, question)


def test_readers_with_other_rights_never_get_each_others_kept_content(
    kept, client, question, answer, ana, mateo, lucia, otto, monkeypatch
):
    question.cluster.access = Cluster.Access.OPEN
    question.cluster.save()
    readers = [ana, mateo, lucia, otto, None]  # asker, mentor, facilitator, outsider, visitor
    kept_pages = {}
    for reader in readers:  # one version of the question for all: no write in between
        client.logout()
        if reader:
            client.force_login(reader)
        kept_pages[reader] = [question_page(client, question) for _ in range(3)][-1]
    monkeypatch.setattr(settings, "PUENTE_CACHE_OFF", frozenset(KINDS))
    for reader in readers:
        client.logout()
        if reader:
            client.force_login(reader)
        assert same_page(kept_pages[reader]) == same_page(question_page(client, question)), reader


def test_a_slug_given_to_another_cluster_shows_that_clusters_questions(kept, client, coffee, question, sector, ana):
    client.force_login(ana)
    for _ in range(3):  # the process keeps the cluster under its version
        assert question.title in list_page(client, coffee)
    coffee.slug = "cafe-antiguo"
    coffee.save()
    newcomer = Cluster.objects.create(sector=sector, slug="cafe", name="Café nuevo", access=Cluster.Access.OPEN)
    page = list_page(client, newcomer)
    assert "Café nuevo" in page and question.title not in page
    assert question.title in list_page(client, coffee)
