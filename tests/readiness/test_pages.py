"""The readiness pages: what each shows, to whom, and in how many queries (the same however much data)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import services
from tests.conftest import make_person
from tests.library.conftest import write
from tests.readiness.support import answers_with, take
from tests.readiness.test_questionnaire import ANA

# Every signed-in page also reads: the session, the user, the header's unread counts, the header's person.
PAGE = 2  # session, user (the header's values are kept: infra.cache)


@pytest.fixture
def entries(lucia):
    return [
        write(lucia, title="Registro FDA para exportadores de café", topics=("certifications", "customs"),
              markets=("US",)),
        write(lucia, title="Certificación orgánica paso a paso", topics=("certifications",), markets=("DE",)),
        write(lucia, title="Cómo calcular un precio FOB", topics=("pricing",), markets=()),
        write(lucia, title="Ferias de café en Europa", topics=("fairs",), markets=("DE",)),
    ]


def test_the_result_shows_each_gap_with_its_explanation_and_entries(client, ana, entries):
    assessment = take(ana, ANA)
    client.force_login(ana)
    page = client.get(reverse("readiness:result", args=[assessment.pk])).content.decode()
    assert "Compliance and certification" in page
    assert "A shipment without a registration or certificate" in page  # the plain explanation
    assert "We can trace each lot back" in page  # a statement not yet in place
    for entry in entries[:3]:
        assert reverse("library:entry", args=[entry.pk]) in page
    assert "Your progress over time" not in page  # a single take has no history yet


def test_a_retake_shows_progress_per_area(client, ana):
    take(ana, answers_with(compliance=0))
    second = take(ana, answers_with(compliance=1))
    client.force_login(ana)
    response = client.get(reverse("readiness:result", args=[second.pk]))
    assert "Your progress over time" in response.content.decode()
    compliance = {area.key: values for area, values in response.context["progress"]}["compliance"]
    assert compliance == [0, 50]


def test_the_result_page_reads_a_fixed_number_of_queries(client, ana, entries, django_assert_num_queries):
    take(ana, answers_with(compliance=0))
    assessment = take(ana, ANA)
    client.force_login(ana)
    url = reverse("readiness:result", args=[assessment.pk])
    client.get(url)  # the header's values kept, as on every page after the first
    # + the assessment with its firm, the firm's assessments, the entries for the gaps, their texts
    with django_assert_num_queries(PAGE + 4):
        assert client.get(url).status_code == 200
    take(ana, answers_with(finance=0))
    write(make_person("lucia2@example.org", name="L2", is_superuser=True), title="Carta de crédito",
          topics=("payments",))
    with django_assert_num_queries(PAGE + 4):
        assert client.get(url).status_code == 200


def test_the_start_and_step_pages_read_a_fixed_number_of_queries(client, ana, django_assert_num_queries):
    client.force_login(ana)
    client.get(reverse("readiness:index"))  # the header's values kept, as on every page after the first
    with django_assert_num_queries(PAGE + 2):  # + the firm, its assessments
        assert client.get(reverse("readiness:index")).status_code == 200
    assessment = services.assessment_start(user=ana)
    with django_assert_num_queries(PAGE + 1):  # + the assessment with its firm
        assert client.get(reverse("readiness:step", args=[assessment.pk, 1])).status_code == 200


def test_the_steps_resume_where_the_firm_left_off(client, ana):
    client.force_login(ana)
    response = client.post(reverse("readiness:start"))
    assessment_url = response["Location"]
    assert assessment_url.endswith("/step/1/")
    client.post(assessment_url, {"product_volume": 2, "product_quality": 1, "product_packaging": 0,
                                 "product_samples": 2})
    # Coming back later: start continues at step 2, and step 4 is not open yet.
    assert client.post(reverse("readiness:start"))["Location"].endswith("/step/2/")
    assert client.get(assessment_url.replace("/step/1/", "/step/4/"))["Location"].endswith("/step/2/")
    # Step 1 keeps its answers when opened again.
    form = client.get(assessment_url).context["form"]
    assert form["product_quality"].value() == 1 and form["product_packaging"].value() == 0


def test_an_incomplete_step_is_shown_again_with_the_missing_answer(client, ana):
    client.force_login(ana)
    url = client.post(reverse("readiness:start"))["Location"]
    response = client.post(url, {"product_volume": 2})
    assert response.status_code == 200
    assert "Choose an answer." in response.content.decode()


def test_others_cannot_open_a_firms_assessment(client, ana, mateo):
    assessment = take(ana, ANA)
    client.force_login(mateo)
    assert client.get(reverse("readiness:result", args=[assessment.pk])).status_code == 404
    assert client.get(reverse("readiness:step", args=[assessment.pk, 1])).status_code == 404
    assert client.post(reverse("readiness:share", args=[assessment.pk]), {"share": "on"}).status_code == 404


def test_the_firm_profile_shows_level_and_gaps_only_with_consent(client, ana, mateo, django_assert_num_queries):
    assessment = take(ana, ANA)
    firm_url = reverse("clusters:firm", args=[ana.firm_member.firm_id])
    client.force_login(mateo)
    assert "Export readiness" not in client.get(firm_url).content.decode()
    client.force_login(ana)
    page = client.get(firm_url).content.decode()
    assert "Only your firm's people see this part." in page
    client.post(reverse("readiness:share", args=[assessment.pk]), {"share": "on"})
    client.force_login(mateo)
    page = client.get(firm_url).content.decode()
    assert "Preparing to export" in page and "Compliance and certification" in page
    # the firm, its sectors, its people, its clusters, the readiness part
    with django_assert_num_queries(PAGE + 5):
        client.get(firm_url)
    client.force_login(ana)
    client.get(firm_url)  # the header's values kept, as on every page after the first
    # + for the firm's own people: the people asking to join, the profile's changes
    with django_assert_num_queries(PAGE + 7):
        client.get(firm_url)


def test_the_home_shows_the_firms_level_and_gaps_in_one_query(client, ana):
    take(ana, ANA)
    client.force_login(ana)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("home")).content.decode()
    assert "Preparing to export" in page and "Compliance and certification" in page
    assert sum("readiness_assessment" in q["sql"] for q in captured.captured_queries) == 1


def test_the_result_is_in_the_readers_language(client, ana):
    assessment = take(ana, ANA)
    ana.language = "pt-br"
    ana.save(update_fields=["language"])
    client.force_login(ana)
    page = client.get(reverse("readiness:result", args=[assessment.pk])).content.decode()
    assert "Sua prontidão para exportar" in page and "Conformidade e certificação" in page
    assert "Conseguimos rastrear cada lote" in page
    assert "Compliance and certification" not in page and "Your gaps" not in page
