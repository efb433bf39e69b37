"""Farming credits with friendly accounts, tried as a hostile pair would, through the real Q&A and ledger.

The rules are keyed on people and on their ties to firms (belonging, asking to join, recorded on an
earlier award), and count every kind of award together. Each hostile sequence ends with ledger_verify.
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from clusters import services as clusters
from incentives.awards import award_approve, award_grant
from incentives.ledger import wallet_for
from incentives.models import Award
from questions import services as questions
from tests.conftest import activate, make_person


@pytest.fixture
def loners(coffee):
    """Two accounts with no firm at all, both members of the coffee cluster."""
    uno = make_person("uno@example.org", name="Uno Sinfirma", country="GT")
    dos = make_person("dos@example.org", name="Dos Sinfirma", country="SV")
    activate(uno, coffee)
    activate(dos, coffee)
    return uno, dos


def accepted(*, asker, answerer, coffee, n):
    """The asker asks, the answerer answers, the asker accepts: through the Q&A services."""
    question = questions.question_ask(cluster=coffee, author=asker, title=f"¿Cómo exporto café verde, parte {n}?",
                                      body="Necesito saber los pasos.")
    answer = questions.answer_post(question=question, author=answerer, body=f"Paso a paso, parte {n}.")
    questions.answer_accept(question=question, answer=answer, acting_user=asker)
    return Award.objects.get(source_ref=f"questions.answer:{answer.pk}")


def ledger_ok(capsys):
    call_command("ledger_verify")
    return "Ledger OK" in capsys.readouterr().out


def test_two_accounts_without_a_firm_accepting_each_others_answers_are_flagged_and_capped(
    funded, loners, coffee, agency, capsys
):
    uno, dos = loners
    type(funded).objects.filter(pk=funded.pk).update(cap_pair_month=120)
    first = accepted(asker=dos, answerer=uno, coffee=coffee, n=1)
    assert first.status == "approved" and first.credits == 50
    back = accepted(asker=uno, answerer=dos, coffee=coffee, n=2)
    # Neither has a firm: each is their own side, and the two sides pay each other.
    assert back.status == "pending" and back.flag_code == "mutual"
    assert back.flag_text.startswith("Uno Sinfirma and Dos Sinfirma pay each other")
    third = accepted(asker=dos, answerer=uno, coffee=coffee, n=3)
    assert third.credits == 20 and third.cut_code == "cap_pair_month"  # 120 - 50 - 50 (the pending one counts)
    assert third.cut_params == {"original": 50, "paid": 20, "cap": 120}
    fourth = accepted(asker=uno, answerer=dos, coffee=coffee, n=4)
    assert fourth.status == "not_paid" and fourth.cut_code == "cap_pair_month"
    assert wallet_for(user=uno, agency=agency).balance + wallet_for(user=dos, agency=agency).balance <= 120
    assert ledger_ok(capsys)


def test_asking_to_join_the_mentors_firm_ties_the_asker_to_it(funded, mateo, coffee, agency, capsys):
    friend = make_person("amiga@example.org", name="Amiga Pendiente", country="CO")
    activate(friend, coffee)
    request = clusters.firm_request_join(firm=mateo.firm_member.firm, user=friend)
    refused = accepted(asker=friend, answerer=mateo, coffee=coffee, n=1)
    assert refused.status == "not_paid" and refused.cut_code == "same_firm"
    assert refused.cut_text == "Nobody earns credits from their own firm: both sides are tied to Tostadores del Quindío."
    # The mentor turns the request down and they try again: the tie was recorded on the refused award.
    clusters.firm_member_reject(member=request, acting_user=mateo)
    again = accepted(asker=friend, answerer=mateo, coffee=coffee, n=2)
    assert again.status == "not_paid" and again.cut_code == "same_firm"
    assert wallet_for(user=mateo, agency=agency).balance == 0
    assert ledger_ok(capsys)


def test_the_pair_cap_counts_every_kind_of_award_together(funded, mateo, ana, coffee):
    type(funded).objects.filter(pk=funded.pk).update(cap_pair_month=200)
    grant = {"beneficiary": mateo, "cluster": coffee, "description": "x", "caused_by": ana}
    assert award_grant(kind="mentoring_session", source_ref="mentoring.session:1", minutes=90, **grant).credits == 150
    assert award_grant(kind="helpful_vote", source_ref="questions.vote:1", **grant).credits == 5
    # Anything the ledger pays by a source reference counts too, whichever app it comes from.
    cut = award_grant(kind="accepted_answer", source_ref="library.answer:1", **grant)
    assert cut.credits == 45 and cut.cut_code == "cap_pair_month" and cut.cut_params["original"] == 50


def test_flagged_awards_wait_for_review_in_an_auto_approve_program_and_staff_can_pay_them(
    funded, mateo, ana, coffee, rafael, agency, capsys
):
    assert funded.auto_approve
    award_grant(kind="helpful_vote", beneficiary=ana, cluster=coffee, source_ref="questions.vote:1",
                description="Helpful", caused_by=mateo)
    award = award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee,
                        source_ref="mentoring.session:1", description="Session", caused_by=ana, minutes=60)
    assert award.status == "pending" and award.flag_code == "mutual"
    assert wallet_for(user=mateo, agency=agency).balance == 0
    award_approve(award=award, acting_user=rafael, reason="Sesión real, revisada.")
    assert wallet_for(user=mateo, agency=agency).balance == 100
    assert ledger_ok(capsys)


def in_spanish(*people):
    for person in people:
        person.language = "es"
        person.save(update_fields=["language"])


def test_the_queue_the_wallet_and_the_csv_say_why_in_the_readers_language(
    client, funded, mateo, ana, coffee, rafael, agency
):
    type(funded).objects.filter(pk=funded.pk).update(cap_pair_month=70)
    grant = {"beneficiary": mateo, "cluster": coffee, "description": "Respuesta aceptada", "caused_by": ana}
    award_grant(kind="accepted_answer", source_ref="questions.answer:1", **grant)  # 50, paid
    award_grant(kind="accepted_answer", source_ref="questions.answer:2", **grant)  # cut to 20, paid
    award_grant(kind="helpful_vote", beneficiary=ana, cluster=coffee, source_ref="questions.vote:1",
                description="Voto útil", caused_by=mateo)  # 0 left: not paid
    type(funded).objects.filter(pk=funded.pk).update(cap_pair_month=0)
    award_grant(kind="accepted_answer", beneficiary=ana, cluster=coffee, source_ref="questions.answer:3",
                description="Respuesta de Ana", caused_by=mateo)  # they pay each other: flagged

    cut_es = "El límite mensual entre dos empresas (70 créditos) redujo 50 créditos a 20."
    flag_es = "Tostadores del Quindío y Café Montaña Lenca se pagan entre sí"
    in_spanish(rafael, mateo, ana)
    client.force_login(rafael)
    queue = client.get(reverse("incentives:awards", args=[agency.slug])).content.decode()
    assert flag_es in queue
    everything = client.get(reverse("incentives:awards", args=[agency.slug]) + "?status=approved").content.decode()
    assert cut_es in everything
    response = client.get(reverse("incentives:export_awards", args=[agency.slug]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_ref = {row["source_ref"]: row for row in rows}
    assert by_ref["questions.answer:2"]["cut_code"] == "cap_pair_month"
    assert by_ref["questions.answer:2"]["cut_reason"] == cut_es
    assert (by_ref["questions.answer:2"]["credits_due"], by_ref["questions.answer:2"]["credits"]) == ("50", "20")
    assert by_ref["questions.answer:3"]["flag_reason"].startswith(flag_es)

    client.force_login(mateo)
    wallet = client.get(reverse("incentives:wallet")).content.decode()
    assert cut_es in wallet
    client.force_login(ana)
    wallet = client.get(reverse("incentives:wallet")).content.decode()
    assert "El límite mensual entre dos empresas (70 créditos) redujo 5 créditos a 0." in wallet
    assert flag_es in wallet
    with translation.override("en"):
        assert Award.objects.get(source_ref="questions.answer:2").cut_text == (
            "The monthly cap between two firms (70 credits) cut 50 credits to 20.")
