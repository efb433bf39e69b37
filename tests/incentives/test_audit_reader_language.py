"""Every audit line reads in the reader's language: an award approved by staff writing in Spanish shows,
to a reader of Portuguese, the award's description in Portuguese; a reason the code wrote (an answer's
acceptance withdrawn) reads in the reader's language; a reason staff typed stays as typed."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from incentives import selectors, services
from incentives.awards import award_approve, award_grant, award_revoke
from incentives.models import AuditEntry, Award, Program
from tests.conftest import make_person

TITLE = "¿Cómo registro mi empresa ante la FDA?"


@pytest.fixture
def reviewed(program, rafael):
    """Awards of rafael's program wait for review; its pool holds 500 credits."""
    Program.objects.filter(pk=program.pk).update(auto_approve=False)
    services.program_fund(program=program, acting_user=rafael, amount=500)
    return program


@pytest.fixture
def joana(db, agency):
    """Staff of rafael's agency who reads Portuguese."""
    user = make_person("joana@example.org", name="Joana Prado", country="BR")
    user.language = "pt-br"
    user.save(update_fields=["language"])
    agency.staff.add(user)
    return user


def grant_answer(n, *, mateo, ana, coffee) -> Award:
    with translation.override("es"):  # the words stored with the award are the writer's
        return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee,
                           source_ref=f"questions.answer:{n}", description=f"Respuesta aceptada: {TITLE}",
                           description_params={"title": TITLE}, caused_by=ana)


def audit_page(client, reader, agency) -> str:
    client.force_login(reader)
    return client.get(reverse("incentives:audit", args=[agency.slug])).content.decode()


def test_an_award_approved_in_spanish_reads_in_portuguese_on_a_portuguese_page(
    client, reviewed, rafael, joana, mateo, ana, coffee, agency
):
    award = grant_answer(1, mateo=mateo, ana=ana, coffee=coffee)
    with translation.override("es"):
        award_approve(award=award, acting_user=rafael, reason="Revisada: correcta y completa")
    page = audit_page(client, joana, agency)
    assert "Recompensa aprovada" in page  # the action
    assert f"Recompensa #{award.pk}: Resposta aceita para “{TITLE}”" in page  # the award, in Portuguese
    assert "Respuesta aceptada:" not in page  # not the words of the writer
    assert "Revisada: correcta y completa" in page  # a reason staff typed stays as typed


def test_a_reason_the_code_wrote_reads_in_the_readers_language(
    client, funded, rafael, joana, mateo, ana, coffee, agency
):
    grant_answer(1, mateo=mateo, ana=ana, coffee=coffee)  # paid at once: the program approves automatically
    item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name="Taller", price=50,
                                      stock=1)
    services.redemption_request(item=item, person=mateo)  # the credits are spent: staff will decide
    with translation.override("es"):  # the asker withdrew the acceptance from a Spanish page
        award_revoke(kind="accepted_answer", source_ref="questions.answer:1",
                     reason=gettext_noop("The acceptance was withdrawn"), acting_user=ana)
    entry = AuditEntry.objects.get(action="award.revoke_unpaid")
    assert entry.reason == "The acceptance was withdrawn"  # the code's words, for whatever reads the row as is
    page = audit_page(client, joana, agency)
    assert "A aceitação foi retirada" in page and "The acceptance was withdrawn" not in page
    assert "Recompensa não paga retirada" in page and f"Resposta aceita para “{TITLE}”" in page
    with translation.override("es"):
        assert entry.reason_text == "Se retiró la aceptación"


def test_older_entries_without_the_award_or_the_sentence_show_what_was_stored(agency, rafael):
    AuditEntry.objects.create(agency=agency, actor=rafael, action="award.revoke_unpaid", target="award 7",
                              reason="unaccepted")
    AuditEntry.objects.create(agency=agency, actor=rafael, action="award.approve",
                              target="award 8: Respuesta aceptada: algo", data={"award": 999_999})
    with translation.override("pt-br"):
        texts = [(e.target_text, e.reason_text) for e in selectors.audit_for_agency(agency=agency)]
    assert texts == [("Recompensa #8: Respuesta aceptada: algo", ""), ("Recompensa #7", "unaccepted")]


def test_the_audit_names_co_funding_and_referrals_in_the_readers_language():
    with translation.override("es"):
        assert AuditEntry(action="program.funder_set").action_text == "Condiciones de financiador fijadas"
        assert AuditEntry(action="referral.consent", target="referral 3: Café Lenca → Feria").target_text == (
            "Recomendación #3: Café Lenca → Feria")


def test_the_mentors_wallet_reads_a_reason_the_code_wrote_in_the_mentors_language(
    client, funded, rafael, mateo, ana, coffee, agency
):
    """The flag on a revoked award whose credits were spent, and the memo of a reversal, carry the code's
    reason as a sentence of their own: each reader sees it in their language, not in English."""
    grant_answer(1, mateo=mateo, ana=ana, coffee=coffee)
    grant_answer(2, mateo=mateo, ana=ana, coffee=coffee)
    item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name="Taller",
                                      price=Award.objects.get(source_ref="questions.answer:1").credits, stock=1)
    services.redemption_request(item=item, person=mateo)  # one award's worth of credits is spent
    for n in (2, 1):  # 2: still in the wallet, reversed; then 1: spent, flagged for staff
        award_revoke(kind="accepted_answer", source_ref=f"questions.answer:{n}",
                     reason=gettext_noop("The acceptance was withdrawn"), acting_user=ana)
    mateo.language = "pt-br"
    mateo.save(update_fields=["language"])
    client.force_login(mateo)
    page = client.get(reverse("incentives:wallet")).content.decode()
    assert "The acceptance was withdrawn" not in page
    assert "A aceitação foi retirada" in page
    with translation.override("es"):
        flagged = Award.objects.get(source_ref="questions.answer:1")
        assert "Se retiró la aceptación" in flagged.flag_text
        reversed_award = Award.objects.select_related("reversal").get(source_ref="questions.answer:2")
        assert reversed_award.status == Award.Status.REVERSED
        assert "Se retiró la aceptación" in reversed_award.reversal.memo_text


def awards_page(client, reader, agency, status) -> str:
    client.force_login(reader)
    return client.get(reverse("incentives:awards", args=[agency.slug]), {"status": status}).content.decode()


def test_a_paid_award_reversed_by_the_code_is_in_the_audit_and_reads_in_each_language(
    client, funded, rafael, joana, mateo, ana, coffee, agency, mailoutbox, django_capture_on_commit_callbacks
):
    award = grant_answer(1, mateo=mateo, ana=ana, coffee=coffee)  # paid at once
    mateo.language = "es"
    mateo.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(kind="accepted_answer", source_ref="questions.answer:1",
                     reason=gettext_noop("The acceptance was withdrawn"), acting_user=ana)
    entry = AuditEntry.objects.get(action="award.revoke", agency=agency)
    assert entry.data["award"] == award.pk and entry.actor == ana
    page = audit_page(client, joana, agency)
    assert "Recompensa revertida: o que ela pagava foi retirado" in page and "A aceitação foi retirada" in page
    assert "A aceitação foi retirada" in awards_page(client, joana, agency, "reversed")
    assert "The acceptance was withdrawn" not in awards_page(client, joana, agency, "reversed")
    # The mentor's mail is in the mentor's language, reason included.
    assert len(mailoutbox) == 1 and "Motivo: Se retiró la aceptación" in mailoutbox[0].body, mailoutbox[0].body


def test_a_waiting_award_cancelled_by_the_code_is_in_the_audit_and_reads_in_each_language(
    client, reviewed, rafael, joana, mateo, ana, coffee, agency
):
    award = grant_answer(1, mateo=mateo, ana=ana, coffee=coffee)
    assert award.status == Award.Status.PENDING
    award_revoke(kind="accepted_answer", source_ref="questions.answer:1",
                 reason=gettext_noop("The acceptance was withdrawn"), acting_user=ana)
    assert Award.objects.get(pk=award.pk).status == Award.Status.CANCELLED
    assert AuditEntry.objects.filter(action="award.cancel", agency=agency).count() == 1
    assert "Recompensa em espera cancelada" in audit_page(client, joana, agency)
    page = awards_page(client, joana, agency, "cancelled")
    assert "A aceitação foi retirada" in page and "The acceptance was withdrawn" not in page
