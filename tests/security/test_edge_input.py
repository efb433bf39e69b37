"""The hostile inputs that reached a 500, each answered at the edge: a page number or id beyond 64 bits
(an OFFSET or id PostgreSQL and SQLite cannot hold), NUL in a query string or a form (PostgreSQL text
cannot hold it). tests/security/test_hostile_input.py sweeps every route; these name the cases."""

import pytest
from django.urls import reverse

from messaging import services as messaging_services
from questions import services as question_services

HUGE = "9223372036854775808"  # 2^63


@pytest.fixture
def question(coffee, ana):
    return question_services.question_ask(cluster=coffee, author=ana, title="¿Qué pide la FDA para el café verde?",
                                          body="Queremos enviar café verde a Miami.", language="es")


@pytest.mark.parametrize("page", [HUGE, "9" * 30, "100001"])
def test_a_page_beyond_any_list_is_a_404_on_question_lists_search_and_answers(client, coffee, ana, question, page):
    client.force_login(ana)
    for url in [reverse("questions:cluster", args=[coffee.slug]), reverse("questions:mine"),
                reverse("questions:search") + "?q=FDA&", question.get_absolute_url()]:
        joiner = "&" if "?" in url else "?"
        assert client.get(f"{url}{joiner}page={page}").status_code == 404, url


@pytest.mark.parametrize("page", ["-1", "0", "abc", "", "٣", "1e3"])
def test_a_page_number_that_is_not_one_gives_the_first_page(client, coffee, ana, question, page):
    client.force_login(ana)
    response = client.get(reverse("questions:cluster", args=[coffee.slug]), {"page": page})
    assert response.status_code == 200 and response.context["page"].number == 1


def test_nul_in_a_query_string_is_refused_with_a_400(client, coffee, ana):
    assert client.get(reverse("questions:search") + "?cluster=%00").status_code == 400
    assert client.get(reverse("questions:search") + "?q=caf%00e").status_code == 400
    assert client.get(reverse("clusters:directory") + "?q=%00").status_code == 400


def test_nul_in_a_form_is_refused_with_a_400_and_nothing_is_stored(client, coffee, ana, question):
    client.force_login(ana)
    response = client.post(question.get_absolute_url(), "body=Registra%00la+planta",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not question.answers.exists()


def test_ids_beyond_64_bits_in_a_path_or_a_query_string_are_a_404_or_ignored(client, coffee, ana):
    room = messaging_services.room_general_for_cluster(cluster=coffee)
    client.force_login(ana)
    assert client.get(f"/questions/{HUGE}/").status_code == 404
    assert client.get(f"/messages/{'9' * 30}/").status_code == 404
    assert client.get(reverse("messaging:room", args=[room.pk]), {"before": HUGE, "reply": "9" * 30}).status_code == 200
    assert client.get(reverse("messaging:room", args=[room.pk]), {"before": "²", "reply": "-3"}).status_code == 200
