"""Flooding through the pages (issue 16, item 4): past a limit a form shows the refusal in the reader's
language and answers 429; an action without a form answers a 429 page. Nothing is written."""

import pytest
from django.urls import reverse

from messaging.services import room_general_for_cluster
from questions import services as questions
from questions.models import Answer, Vote

ANSWER = "Registra la instalación en la FDA y haz el Prior Notice antes de embarcar."


@pytest.fixture
def question(ana, coffee):
    return questions.question_ask(cluster=coffee, author=ana, title="¿Qué documentos pide la FDA para café verde?")


@pytest.fixture
def tight(settings):
    def limit(action, count, seconds=600):
        settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, action: (count, seconds)}

    return limit


def test_the_answer_past_the_limit_is_refused_in_the_form_in_the_readers_language_with_429(
    client, question, mateo, tight
):
    tight("answer", 2)
    mateo.language = "es"
    mateo.save(update_fields=["language"])
    client.force_login(mateo)
    url = reverse("questions:detail", args=[question.pk])
    for _ in range(2):
        assert client.post(url, {"body": ANSWER}).status_code == 302
    response = client.post(url, {"body": ANSWER + " Otra vez."})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Has publicado muchas respuestas en poco tiempo. Vuelve a intentarlo en" in page
    assert "Otra vez." in page  # what they wrote is kept in the form
    assert Answer.objects.count() == 2


def test_a_vote_past_the_limit_answers_a_429_page_with_a_way_back(client, question, mateo, tight):
    tight("vote", 1)
    client.force_login(mateo)
    back = f"http://testserver{question.get_absolute_url()}"
    assert client.post(reverse("questions:question_action", args=[question.pk, "up"])).status_code == 302
    response = client.post(reverse("questions:question_action", args=[question.pk, "down"]), HTTP_REFERER=back)
    assert response.status_code == 429 and "Retry-After" in response
    assert "You have voted many times in a short time." in response.content.decode()
    assert f'href="{back}"' in response.content.decode()
    assert Vote.objects.get().value == Vote.UP


def test_the_way_back_never_leads_to_another_site(client, question, mateo, tight):
    tight("vote", 1)
    client.force_login(mateo)
    client.post(reverse("questions:question_action", args=[question.pk, "up"]))
    response = client.post(reverse("questions:question_action", args=[question.pk, "down"]),
                           HTTP_REFERER="https://evil.example/")
    assert response.status_code == 429 and "evil.example" not in response.content.decode()


def test_a_mentorship_request_past_the_limit_answers_429(client, ana, mateo, tight):
    from mentoring import services as mentoring
    from mentoring.models import MentorshipRequest

    tight("mentorship_request", 1, 3600)
    mentoring.mentor_profile_save(user=mateo, sectors=[], markets=[("DE", 2015)], topics=["pricing"],
                                  languages=["es"], capacity=3, bio="Exportamos café verde desde 2015.")
    client.force_login(ana)
    goal = "Ship our first container of washed coffee to a roaster in Germany this year."
    url = reverse("mentoring:request_create", args=[mateo.pk])
    first = client.post(url, {"goal": goal})
    assert first.status_code == 302
    mentoring.request_withdraw(request=MentorshipRequest.objects.get(), acting_user=ana)
    response = client.post(url, {"goal": goal})
    assert response.status_code == 429
    assert "You have sent many mentorship requests in a short time." in response.content.decode()
    assert MentorshipRequest.objects.count() == 1


def test_a_room_message_past_the_limit_is_refused_on_the_room_page_with_429(client, ana, coffee, settings):
    room = room_general_for_cluster(cluster=coffee)
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "message": (1, 10)}
    client.force_login(ana)
    url = reverse("messaging:room", args=[room.pk])
    assert client.post(url, {"body": "hola"}).status_code == 302
    response = client.post(url, {"body": "hola otra vez"})
    assert response.status_code == 429
    assert "You are sending messages too fast." in response.content.decode()


def test_a_report_past_the_limit_answers_429_and_is_not_stored(client, ana, mateo, coffee, tight):
    from messaging import services as messaging
    from messaging.models import MessageReport

    tight("report", 1, 3600)
    room = room_general_for_cluster(cluster=coffee)
    first, second = (messaging.message_post(room=room, author=mateo, body=f"Oferta {n}") for n in (1, 2))
    client.force_login(ana)
    assert client.post(reverse("messaging:report", args=[first.pk]), {"reason": "spam"}).status_code == 302
    response = client.post(reverse("messaging:report", args=[second.pk]), {"reason": "spam"})
    assert response.status_code == 429
    assert "You have reported many messages in a short time." in response.content.decode()
    assert MessageReport.objects.count() == 1


def test_asking_to_join_is_limited(nadie, coffee, seafood, tight):
    from clusters import services as clusters
    from clusters.models import ClusterMembership
    from infra.ratelimit import RateLimited

    tight("join_request", 1, 3600)
    clusters.membership_join(cluster=seafood, user=nadie)
    with pytest.raises(RateLimited):
        clusters.membership_join(cluster=coffee, user=nadie, message="Exportamos café de Veracruz.")
    assert not ClusterMembership.objects.filter(cluster=coffee, user=nadie).exists()
