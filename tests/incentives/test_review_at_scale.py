"""Review at scale: the queue's filters, several awards decided with one reason, the date of the work,
and award descriptions in the reader's language."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from clusters.models import Cluster, Firm
from incentives import services
from incentives.awards import award_grant
from incentives.ledger import wallet_for
from incentives.models import AuditEntry, Award
from tests.conftest import activate, make_person

DAY = datetime.timedelta(days=1)


@pytest.fixture
def reviewed(funded, rafael):
    """The funded program, now waiting for staff to review every award."""
    funded.auto_approve = False
    funded.save(update_fields=["auto_approve"])
    return funded


@pytest.fixture
def bea(coffee):
    """An asker with her own firm, who has never paid or been paid by mateo."""
    firm = Firm.objects.create(name="Cacao Petén", country="GT")
    person = make_person("bea@example.org", name="Bea Ixcot", country="GT", firm=firm)
    activate(person, coffee)
    return person


def in_spanish(*people):
    for person in people:
        person.language = "es"
        person.save(update_fields=["language"])


def answer_award(n, *, mateo, ana, coffee, title="Cartas de crédito", work_date=None):
    return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                       description=f"Accepted answer to “{title}”", description_params={"title": title},
                       caused_by=ana, work_date=work_date)


@pytest.fixture
def flagged(reviewed, mateo, ana, coffee):
    """An award to mateo caused by ana after one to ana caused by mateo: they pay each other."""
    award_grant(kind="helpful_vote", beneficiary=ana, cluster=coffee, source_ref="questions.vote:1",
                description="Helpful", caused_by=mateo)
    award = award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee, source_ref="mentoring.session:1",
                        description="Session", caused_by=ana, minutes=60,
                        description_params={"mentee": "Ana Martínez", "date": "2026-03-03", "minutes": 60})
    assert award.flag_code == "mutual"
    return award


def test_bulk_approval_pays_the_ticked_awards_and_leaves_a_flagged_one_for_its_own_look(
    flagged, reviewed, mateo, bea, coffee, rafael, agency
):
    plain = [answer_award(n, mateo=mateo, ana=bea, coffee=coffee) for n in (1, 2)]
    assert [a.status for a in plain] == ["pending", "pending"] and not plain[0].flag_code
    outcome = services.awards_decide_bulk(agency=agency, award_ids=[plain[0].pk, flagged.pk, plain[1].pk],
                                          acting_user=rafael, decision="approve", reason="Revisadas el lunes")
    assert [a.pk for a in outcome.done] == [plain[0].pk, plain[1].pk]
    assert [award_id for award_id, _why in outcome.failed] == [flagged.pk]
    assert "pay each other" in outcome.failed[0][1]
    statuses = dict(Award.objects.filter(pk__in=[flagged.pk, *[a.pk for a in plain]]).values_list("pk", "status"))
    assert statuses == {plain[0].pk: "approved", plain[1].pk: "approved", flagged.pk: "pending"}
    assert wallet_for(user=mateo, agency=agency).balance == 100
    assert AuditEntry.objects.filter(action="award.approve", reason="Revisadas el lunes").count() == 2


def test_bulk_rejection_needs_one_reason_and_reports_each_award_that_failed(
    flagged, reviewed, mateo, bea, coffee, rafael, agency
):
    plain = answer_award(1, mateo=mateo, ana=bea, coffee=coffee)
    decided = answer_award(2, mateo=mateo, ana=bea, coffee=coffee)
    services.award_approve(award=decided, acting_user=rafael)
    with pytest.raises(Exception, match="Say why"):
        services.awards_decide_bulk(agency=agency, award_ids=[plain.pk], acting_user=rafael, decision="reject")
    outcome = services.awards_decide_bulk(
        agency=agency, award_ids=[plain.pk, flagged.pk, decided.pk, 999_999], acting_user=rafael, decision="reject",
        reason="Preguntas duplicadas",
    )
    assert sorted(a.pk for a in outcome.done) == sorted([plain.pk, flagged.pk])
    assert dict(outcome.failed) == {decided.pk: "Only a waiting award can be rejected.",
                                    999_999: "No such award in this agency."}
    assert set(Award.objects.filter(decision_reason="Preguntas duplicadas").values_list("status", flat=True)) == {
        "rejected"}


def test_only_the_agencys_staff_decide_in_bulk_and_nobody_on_their_own_award(
    reviewed, mateo, ana, coffee, rafael, agency
):
    award = answer_award(1, mateo=mateo, ana=ana, coffee=coffee)
    with pytest.raises(Exception, match="Only staff"):
        services.awards_decide_bulk(agency=agency, award_ids=[award.pk], acting_user=ana, decision="approve")
    agency.staff.add(mateo)
    outcome = services.awards_decide_bulk(agency=agency, award_ids=[award.pk], acting_user=mateo, decision="approve")
    assert outcome.done == [] and "their own award" in outcome.failed[0][1]


def test_the_queue_filters_by_the_period_of_the_work_cluster_program_and_flags(
    client, flagged, reviewed, mateo, bea, coffee, rafael, agency, seafood, otto, django_assert_num_queries
):
    today = timezone.localdate()
    old = answer_award(1, mateo=mateo, ana=bea, coffee=coffee, work_date=today - 40 * DAY)
    recent = answer_award(2, mateo=mateo, ana=bea, coffee=coffee)
    reviewed.clusters.add(seafood)
    activate(mateo, seafood, "mentor")
    at_sea = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=seafood, source_ref="questions.answer:3",
                         description="Sea", caused_by=otto)
    vote = Award.objects.get(source_ref="questions.vote:1")  # the flagged award's other direction
    client.force_login(rafael)
    url = reverse("incentives:awards", args=[agency.slug])

    def shown(**query):
        return [a.pk for a in client.get(url, query).context["page"].object_list]

    assert shown() == [flagged.pk, old.pk, vote.pk, recent.pk, at_sea.pk]  # flagged first, then the oldest work
    assert shown(date_from=(today - 7 * DAY).isoformat()) == [flagged.pk, vote.pk, recent.pk, at_sea.pk]
    assert shown(date_to=(today - 7 * DAY).isoformat()) == [old.pk]
    assert shown(cluster=seafood.pk) == [at_sea.pk]
    assert shown(marked="flagged") == [flagged.pk]
    assert shown(marked="clean", cluster=coffee.pk) == [old.pk, vote.pk, recent.pk]
    other = services.program_create(agency=agency, acting_user=rafael, name="Otro", clusters=[coffee],
                                     starts_on=today, rate_accepted_answer=1)
    assert shown(program=other.pk) == []
    assert shown(program=reviewed.pk, status="pending") == [flagged.pk, old.pk, vote.pk, recent.pk, at_sea.pk]
    page = client.get(url).content.decode()
    assert f'name="award" value="{old.pk}" form="bulk"' in page
    # layout 2 (session, user; the header's values kept), the agency, queue counts (2), the filters' clusters and
    # programs (2), COUNT and the page of awards: the same with every filter on
    with django_assert_num_queries(9):
        response = client.get(url, {"date_from": today.isoformat(), "cluster": coffee.pk, "program": reviewed.pk,
                                    "marked": "flagged", "status": "pending"})
    assert [a.pk for a in response.context["page"].object_list] == [flagged.pk]


def test_a_cut_award_shows_its_rule_and_numbers_on_the_queue(client, reviewed, mateo, ana, coffee, rafael, agency):
    reviewed.cap_mentor_day = 60
    reviewed.save(update_fields=["cap_mentor_day"])
    answer_award(1, mateo=mateo, ana=ana, coffee=coffee)
    cut = award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee, source_ref="mentoring.session:7",
                      description="Session", caused_by=ana, minutes=54)  # 90 credits due, 10 left today
    assert (cut.credits, cut.cut_code) == (10, "cap_mentor_day")
    client.force_login(rafael)
    page = client.get(reverse("incentives:awards", args=[agency.slug]), {"marked": "cut"}).content.decode()
    assert "The daily cap per mentor (60 credits) cut 90 credits to 10." in page


def test_the_queue_page_decides_the_ticked_awards_and_keeps_its_filters(
    client, flagged, reviewed, mateo, bea, coffee, rafael, agency
):
    plain = answer_award(1, mateo=mateo, ana=bea, coffee=coffee)
    client.force_login(rafael)
    response = client.post(reverse("incentives:awards_bulk", args=[agency.slug]), {
        "award": [plain.pk, flagged.pk], "decision": "approve", "reason": "", "query": f"cluster={coffee.pk}",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("incentives:awards", args=[agency.slug]) + f"?cluster={coffee.pk}"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == "1 award approved and paid."
    assert texts[1].startswith(f"Award #{flagged.pk} was not decided: Flagged")


def test_the_date_of_a_session_award_is_the_sessions(reviewed, mateo, ana, coffee):
    worked = timezone.localdate() - 20 * DAY
    award = award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee, source_ref="mentoring.session:9",
                        description="Session", caused_by=ana, minutes=60, work_date=worked)
    assert award.worked_on == worked and timezone.localdate(award.created_at) != worked
    assert answer_award(1, mateo=mateo, ana=ana, coffee=coffee).worked_on == timezone.localdate()


# --- Descriptions in the reader's language ---------------------------------------------------------


def test_award_descriptions_are_rendered_in_the_readers_language(
    client, funded, flagged, mateo, bea, coffee, rafael, agency
):
    answer_award(1, mateo=mateo, ana=bea, coffee=coffee, title="Cartas de crédito")
    services.award_approve(award=Award.objects.get(source_ref="questions.answer:1"), acting_user=rafael)
    in_spanish(mateo, rafael)
    with translation.override("es"):
        assert Award.objects.get(source_ref="questions.answer:1").description_text == (
            "Respuesta aceptada a «Cartas de crédito»")
        assert flagged.description_text.startswith("Sesión de mentoría con Ana Martínez el ")
    with translation.override("pt-br"):
        assert flagged.description_text.startswith("Sessão de mentoria com Ana Martínez")
    with translation.override("en"):
        assert flagged.description_text == "Mentoring session with Ana Martínez on March 3, 2026 (60 min)"
    client.force_login(mateo)
    wallet = client.get(reverse("incentives:wallet")).content.decode()
    assert "Respuesta aceptada a «Cartas de crédito»" in wallet
    client.force_login(rafael)
    queue = client.get(reverse("incentives:awards", args=[agency.slug])).content.decode()
    assert "Sesión de mentoría con Ana Martínez" in queue and "Mentoring session with" not in queue
    response = client.get(reverse("incentives:export_awards", args=[agency.slug]))
    body = b"".join(response.streaming_content).decode()
    assert "Respuesta aceptada a «Cartas de crédito»" in body and "Accepted answer to" not in body


def test_an_award_without_parameters_shows_the_words_stored_with_it(funded, mateo, ana, coffee):
    award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="old.answer:1",
                        description="Accepted answer: Incoterms", caused_by=ana)
    with translation.override("es"):
        assert award.description_text == "Accepted answer: Incoterms"


def test_the_real_qa_stores_the_question_title_as_the_awards_parameter(funded, mateo, ana, coffee):
    from questions import services as questions

    question = questions.question_ask(cluster=coffee, author=ana, title="¿Qué Incoterm uso para Alemania?",
                                      body="Primera venta.")
    answer = questions.answer_post(question=question, author=mateo, body="FCA en tu bodega.")
    questions.answer_accept(question=question, answer=answer, acting_user=ana)
    award = Award.objects.get(source_ref=f"questions.answer:{answer.pk}")
    assert award.description_params == {"title": "¿Qué Incoterm uso para Alemania?"}
    with translation.override("es"):
        assert award.description_text == "Respuesta aceptada a «¿Qué Incoterm uso para Alemania?»"


def test_the_cluster_filter_only_offers_the_agencys_clusters(client, reviewed, rafael, agency, other_agency, sector):
    Cluster.objects.create(sector=sector, slug="ajeno", name="Clúster ajeno", agency=other_agency)
    client.force_login(rafael)
    form = client.get(reverse("incentives:awards", args=[agency.slug])).context["filter_form"]
    assert "Clúster ajeno" not in [label for _value, label in form.fields["cluster"].choices]

