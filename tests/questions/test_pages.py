from django.urls import reverse

from clusters.models import Cluster
from questions import page_cache, services
from questions.models import Answer, Question, Vote
from tests.conftest import activate, make_person


def detail_url(question) -> str:
    return reverse("questions:detail", args=[question.pk])


def test_asking_without_javascript_posts_and_redirects(client, coffee, ana):
    client.force_login(ana)
    url = reverse("questions:ask", args=[coffee.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "¿Cómo cotizo un flete a Rotterdam?", "body": "Un contenedor de 20'",
                                 "language": "es", "topics": ["logistics"], "target_markets": ["NL"],
                                 "tags": "flete, Rotterdam", "post": "1"})
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(question)
    assert question.tags == ["flete", "rotterdam"] and [c.code for c in question.target_markets] == ["NL"]


def test_check_for_similar_questions_rerenders_the_form_with_suggestions(client, coffee, question, ana):
    client.force_login(ana)
    response = client.post(reverse("questions:ask", args=[coffee.slug]),
                           {"title": "¿Qué documentos pide la aduana?", "language": "es", "check": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and question.title in page
    assert Question.objects.count() == 1  # nothing posted


def test_the_similar_fragment_for_the_script(client, coffee, question, ana):
    client.force_login(ana)
    response = client.get(reverse("questions:similar", args=[coffee.slug]), {"title": "documentos FDA"})
    assert question.title in response.content.decode()
    response = client.get(reverse("questions:similar", args=[coffee.slug]), {"title": "tostado"})
    assert question.title not in response.content.decode()


def test_a_refused_question_shows_the_reason(client, coffee, ana):
    client.force_login(ana)
    response = client.post(reverse("questions:ask", args=[coffee.slug]), {"title": "¿FDA? ok", "language": "es",
                                                                          "post": "1"})
    assert "at least 10 characters" in response.content.decode()
    assert not Question.objects.exists()


def test_answering_voting_and_accepting_with_plain_forms(client, question, ana, mateo):
    client.force_login(mateo)
    response = client.post(detail_url(question), {"body": "Registra la bodega en la FDA"})
    answer = Answer.objects.get()
    assert response["Location"] == f"{detail_url(question)}#a{answer.pk}"
    client.force_login(ana)
    client.post(reverse("questions:answer_action", args=[answer.pk, "up"]))
    assert Vote.objects.get(user=ana).value == 1
    response = client.post(reverse("questions:answer_action", args=[answer.pk, "up"]), follow=True)
    assert "already voted" in response.content.decode()
    client.post(reverse("questions:answer_action", args=[answer.pk, "accept"]))
    question.refresh_from_db()
    assert question.accepted_answer == answer
    page = client.get(detail_url(question)).content.decode()
    assert "Accepted answer" in page and "Withdraw acceptance" in page


def test_someone_who_may_not_accept_sees_an_error_and_nothing_changes(client, question, answer, mateo):
    client.force_login(mateo)
    response = client.post(reverse("questions:answer_action", args=[answer.pk, "accept"]), follow=True)
    assert "Only the asker or a facilitator" in response.content.decode()
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_by_approval_questions_are_404_for_outsiders_and_anonymous(client, question, answer, otto):
    urls = [detail_url(question), reverse("questions:cluster", args=["cafe"]),
            reverse("questions:history", args=[question.pk])]
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(otto)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("questions:answer_action", args=[answer.pk, "up"])).status_code == 404
    assert client.post(detail_url(question), {"body": "hola"}).status_code == 404
    search = client.get(reverse("questions:search"), {"q": "FDA"}).content.decode()
    assert question.title not in search
    assert not Vote.objects.exists() and Answer.objects.count() == 1


def test_open_cluster_questions_are_public_but_only_members_take_part(client, seafood, otto, nadie):
    question = services.question_ask(cluster=seafood, author=otto, title="How do I get an EU approval number for shrimp?",
                                     language="en")
    page = client.get(detail_url(question))
    assert page.status_code == 200 and "Log in to answer" in page.content.decode()
    assert question.title in client.get(reverse("questions:search"), {"q": "shrimp"}).content.decode()
    client.force_login(nadie)
    assert "Join the cluster to answer" in client.get(detail_url(question)).content.decode()
    response = client.post(detail_url(question), {"body": "Ask your competent authority"}, follow=True)
    assert "Only active members" in response.content.decode()
    assert not Answer.objects.exists()


def test_list_filters_and_sorting(client, coffee, ana, mateo):
    a = services.question_ask(cluster=coffee, author=ana, title="¿Cómo calculo el precio FOB del café?",
                              topics=["pricing"], target_markets=["DE"])
    b = services.question_ask(cluster=coffee, author=mateo, title="¿Qué carta de crédito conviene para Japón?",
                              topics=["payments"], target_markets=["JP"])
    services.answer_post(question=b, author=ana, body="Una confirmada")
    services.vote_cast(user=ana, question=b, value=Vote.UP)
    client.force_login(ana)
    url = reverse("questions:cluster", args=[coffee.slug])

    def titles(**params):
        page = client.get(url, params).context["page"]
        return [q.pk for q in page.object_list]

    assert titles() == [b.pk, a.pk]
    assert titles(unanswered="on") == [a.pk]
    assert titles(topic="payments") == [b.pk]
    assert titles(market="DE") == [a.pk]
    assert sorted(titles(mine="on")) == sorted([a.pk, b.pk])
    assert titles(sort="votes") == [b.pk, a.pk]
    services.question_edit(question=a, acting_user=ana, title="¿Cómo calculo el precio FOB del café verde?",
                           topics=["pricing"], target_markets=["DE"])
    assert titles(sort="activity") == [a.pk, b.pk]


def _many_answers(question, count: int) -> None:
    cluster = question.cluster
    people = [make_person(f"p{i}@example.org", name=f"P{i}") for i in range(5)]
    for person in people:
        activate(person, cluster)
    Answer.objects.bulk_create(
        Answer(question=question, author=people[i % 5], body=f"answer {i}", body_html=f"<p>answer {i}</p>")
        for i in range(count)
    )
    Question.objects.filter(pk=question.pk).update(answer_count=count + 1)
    # Bulk writes send no signals: move the versions as the services' writes do (questions.page_cache).
    page_cache.question_changed(question.pk)
    page_cache.cluster_changed(cluster.pk)


def test_the_question_page_query_count_stays_the_same_with_1000_answers(
    client, question, answer, ana, django_assert_num_queries
):
    client.force_login(ana)
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    url = detail_url(question)
    client.get(url)  # warm the session, the header's values and the role
    page_cache.question_changed(question.pk)  # the page is built afresh, as after any write to it
    # 1 session, 1 user, 1 question (+cluster, author, duplicate_of, source message),
    # 1 answers page with authors (31 rows: no COUNT), 1 files of the question and those answers,
    # 1 my votes on them and whether I follow it
    expected = 6
    with django_assert_num_queries(expected):
        first = client.get(url)
    _many_answers(question, 1000)
    with django_assert_num_queries(expected):
        second = client.get(url)
    assert len(first.context["answers"]) == 1 and len(second.context["answers"]) == 30
    assert second.context["answers"][0].pk == answer.pk  # the accepted answer comes first


def test_the_question_page_carries_its_live_update_marker(client, question, ana, mateo):
    """The newest answer id and the time, read before the answers: the socket's resync starts there
    (docs/PROTOCOL.md, "Question pages")."""
    import re

    from django.utils.dateparse import parse_datetime

    client.force_login(ana)
    page = client.get(detail_url(question)).content.decode()
    assert 'data-last-answer-id="0"' in page
    assert parse_datetime(re.search(r'data-synced-at="([^"]+)"', page).group(1)) is not None
    _many_answers(question, 40)
    newest = Answer.objects.filter(question=question).latest("pk")
    # Page 1 shows 30 answers; the marker still names the newest, which the page accounts for on page 2.
    page = client.get(detail_url(question)).content.decode()
    assert f'id="a{newest.pk}"' not in page and f'data-last-answer-id="{newest.pk}"' in page


def test_the_list_page_query_count_stays_the_same_with_1000_answers(
    client, coffee, question, ana, django_assert_num_queries, no_rate_limits
):
    client.force_login(ana)
    url = reverse("questions:cluster", args=[coffee.slug])
    client.get(url)  # warm the session, the header's values and the role
    page_cache.cluster_changed(coffee.pk)  # the list is built afresh, as after any write to the cluster
    # 1 session, 1 user, 1 questions page with authors (21 rows: no COUNT); the cluster is kept
    expected = 3
    with django_assert_num_queries(expected):
        client.get(url)
    _many_answers(question, 1000)
    for i in range(30):
        services.question_ask(cluster=coffee, author=ana, title=f"¿Pregunta número {i} sobre fletes?")
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20


def test_answers_are_ordered_accepted_then_votes_then_oldest(client, question, ana, mateo, lucia):
    first = services.answer_post(question=question, author=mateo, body="primera")
    second = services.answer_post(question=question, author=lucia, body="segunda")
    third = services.answer_post(question=question, author=mateo, body="tercera")
    services.vote_cast(user=ana, answer=third, value=Vote.UP)
    services.answer_accept(question=question, answer=second, acting_user=ana)
    client.force_login(ana)
    answers = client.get(detail_url(question)).context["answers"]
    assert [a.pk for a in answers] == [second.pk, third.pk, first.pk]


def test_the_waiting_queue_ranks_fitting_and_older_questions_first(client, coffee, ana, mateo):
    from datetime import timedelta

    from django.utils import timezone

    from mentoring.models import MentorProfile

    MentorProfile.objects.create(user=mateo, topics=["certifications"])
    fresh_fit = services.question_ask(cluster=coffee, author=ana, title="¿Cuánto cuesta la certificación GlobalG.A.P.?",
                                      topics=["certifications"])
    old_other = services.question_ask(cluster=coffee, author=ana, title="¿Qué feria de compradores recomiendan?",
                                      topics=["fairs"])
    answered = services.question_ask(cluster=coffee, author=ana, title="¿Quién me cotiza un flete aéreo?")
    services.answer_post(question=answered, author=mateo, body="Yo")
    mine = services.question_ask(cluster=coffee, author=mateo, title="¿Alguien usa cartas de crédito?")
    Question.objects.filter(pk=old_other.pk).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(mateo)
    questions = client.get(reverse("questions:waiting")).context["questions"]
    ids = [q.pk for q in questions]
    assert answered.pk not in ids and mine.pk not in ids
    assert set(ids) == {fresh_fit.pk, old_other.pk}
    Question.objects.filter(pk=fresh_fit.pk).update(created_at=timezone.now() - timedelta(days=2))
    questions = client.get(reverse("questions:waiting")).context["questions"]
    assert questions[0].pk == fresh_fit.pk
    assert questions[0].fit_topics == ["Certifications and standards"]


def test_promoting_a_room_message_links_both_ways(client, coffee, ana, lucia, mateo):
    from messaging import services as messaging_services
    from messaging.models import Room

    room = Room.objects.filter(cluster=coffee, is_general=True).first() or Room.objects.create(
        kind=Room.Kind.CLUSTER, cluster=coffee, name="General", slug="general", is_general=True)
    message = messaging_services.message_post(room=room, author=ana, body="¿Alguien sabe cómo se hace el Prior Notice?")
    url = reverse("questions:promote", args=[message.pk])
    client.force_login(mateo)
    assert client.get(url).status_code == 403
    client.force_login(lucia)
    page = client.get(url)
    assert "Prior Notice" in page.content.decode()
    client.post(url, {"title": "¿Cómo se hace el Prior Notice de la FDA?", "body": message.body, "language": "es",
                      "post": "1"})
    question = Question.objects.get()
    assert question.source_message == message and question.author == ana
    assert f"#m{message.pk}" in client.get(detail_url(question)).content.decode()
    response = client.post(url, {"title": "¿Cómo se hace el Prior Notice de la FDA?", "language": "es", "post": "1"})
    assert "already a question" in response.content.decode() and Question.objects.count() == 1


def test_the_cluster_page_links_to_its_questions(client, coffee, ana, otto):
    client.force_login(ana)
    page = client.get(reverse("clusters:detail", args=[coffee.slug])).content.decode()
    assert reverse("questions:cluster", args=[coffee.slug]) in page
    client.force_login(otto)
    page = client.get(reverse("clusters:detail", args=[coffee.slug])).content.decode()
    assert reverse("questions:cluster", args=[coffee.slug]) not in page


def test_the_edit_history_lists_previous_versions(client, question, ana):
    services.question_edit(question=question, acting_user=ana, title="¿Qué pide la FDA para el café verde tostado?")
    client.force_login(ana)
    page = client.get(reverse("questions:history", args=[question.pk])).content.decode()
    assert "¿Qué documentos pide la FDA para café verde?" in page


def test_search_finds_words_in_answers_and_respects_membership(client, question, answer, ana, otto, seafood):
    Cluster.objects.filter(pk=seafood.pk).update(access=Cluster.Access.APPROVAL)
    client.force_login(ana)
    results = client.get(reverse("questions:search"), {"q": "Prior Notice"}).context["page"].object_list
    assert [q.pk for q in results] == [question.pk]
    client.force_login(otto)
    results = client.get(reverse("questions:search"), {"q": "Prior Notice"}).context["page"].object_list
    assert list(results) == []


def test_only_the_author_or_a_facilitator_may_open_the_edit_forms(client, question, answer, ana, mateo, lucia):
    question_edit, answer_edit = (reverse("questions:edit", args=[question.pk]),
                                  reverse("questions:answer_edit", args=[answer.pk]))
    client.force_login(mateo)
    assert client.get(question_edit).status_code == 403
    assert client.post(question_edit, {"title": "¿Cambiado por otra persona?", "language": "es"}).status_code == 403
    assert client.get(answer_edit).status_code == 200
    client.force_login(ana)
    assert client.get(answer_edit).status_code == 403
    client.force_login(lucia)
    assert client.get(question_edit).status_code == 200 and client.get(answer_edit).status_code == 200
    question.refresh_from_db()
    assert question.title == "¿Qué documentos pide la FDA para café verde?"


def test_the_waiting_queue_query_count_stays_the_same_as_questions_grow(
    client, coffee, ana, mateo, django_assert_num_queries, no_rate_limits
):
    from mentoring.models import MentorProfile

    MentorProfile.objects.create(user=mateo, topics=["customs"])
    services.question_ask(cluster=coffee, author=ana, title="¿Qué pide la aduana de Alemania?", topics=["customs"])
    client.force_login(mateo)
    url = reverse("questions:waiting")
    client.get(url)
    # 1 session, 1 user, 1 mentor profile, 1 its sectors, 1 my clusters, 1 candidates with clusters and
    # authors (the header's values are kept)
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(40):
        services.question_ask(cluster=coffee, author=ana, title=f"¿Pregunta de aduana número {i}?", topics=["customs"])
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["questions"]) == 41


def test_my_votes_and_follow_in_one_query(question, answer, ana, mateo, lucia, django_assert_num_queries):
    from questions import selectors

    other = services.answer_post(question=question, author=lucia, body="Y el agente en EE. UU.")
    services.vote_cast(user=mateo, question=question, value=Vote.DOWN)
    services.vote_cast(user=mateo, answer=other, value=Vote.UP)
    services.question_follow(question=question, user=mateo)
    with django_assert_num_queries(1):
        mine = selectors.my_votes_and_follow(user=mateo, question=question, answers=[answer, other])
    assert mine == (-1, {other.pk: 1}, True)
    services.question_unfollow(question=question, user=ana)  # the asker followed it on asking
    assert selectors.my_votes_and_follow(user=ana, question=question, answers=[answer, other]) == (0, {}, False)
    services.vote_cast(user=ana, answer=answer, value=Vote.UP)
    assert selectors.my_votes_and_follow(user=ana, question=question, answers=[answer]) == (0, {answer.pk: 1}, False)
