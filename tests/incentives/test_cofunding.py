"""Programs co-funded by two agencies: split payments, one approval per agency, reversals and the ledger."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from incentives import services
from incentives.awards import award_approve, award_grant, award_reject, award_reverse
from incentives.ledger import program_accounts, wallet_for
from incentives.models import AuditEntry, Award, AwardShare, Program
from incentives.verify import ledger_check
from tests.conftest import make_person


def answer(n, *, mateo, asker, coffee):
    return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                       description=f"Accepted answer {n}", caused_by=asker)


def pool(program, agency):
    return program_accounts(program=program, agency_id=agency.pk)[1].balance


def test_an_award_waits_for_both_agencies_and_is_then_paid_from_both_pools(
        cofunded, mateo, ana, coffee, agency, other_agency, rafael, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert award.status == Award.Status.PENDING
    assert sorted(award.shares.values_list("agency_id", "credits")) == sorted([(agency.pk, 25), (other_agency.pk, 25)])

    award_approve(award=award, acting_user=rafael)
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING and award.approvals.count() == 1
    assert wallet_for(user=mateo, agency=agency).balance == 0

    award_approve(award=award, acting_user=paula)
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED
    assert wallet_for(user=mateo, agency=agency).balance == 25
    assert wallet_for(user=mateo, agency=other_agency).balance == 25
    assert (pool(cofunded, agency), pool(cofunded, other_agency)) == (975, 975)
    # Each agency's log has the final approval; the partial one only in the agency that gave it.
    assert AuditEntry.objects.filter(action="award.approve").count() == 2
    assert AuditEntry.objects.get(action="award.approve_share").agency_id == agency.pk
    assert ledger_check().ok, ledger_check().problems


def test_one_person_on_the_staff_of_both_agencies_approves_only_once(
        cofunded, mateo, ana, coffee, other_agency, rafael):
    other_agency.staff.add(rafael)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael)
    with pytest.raises(PermissionDenied, match="another person"):
        award_approve(award=award, acting_user=rafael)
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING


def test_nobody_approves_their_own_award_even_for_the_other_agency(cofunded, ana, coffee, other_agency, agency, rafael):
    mentor = make_person("mentora@example.org", name="Mentora Staff", country="CL")
    other_agency.staff.add(mentor)
    from tests.conftest import activate
    activate(mentor, coffee, "mentor")
    award = answer(1, mateo=mentor, asker=ana, coffee=coffee)
    with pytest.raises(PermissionDenied):
        award_approve(award=award, acting_user=mentor)


def test_staff_of_an_agency_outside_the_program_cannot_decide(cofunded, mateo, ana, coffee, nadie):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    outsider_agency = type(cofunded.agency).objects.create(slug="tercera", name="Tercera", country="MX")
    outsider_agency.staff.add(nadie)
    with pytest.raises(PermissionDenied):
        award_approve(award=award, acting_user=nadie)


def test_a_partner_that_does_not_review_lets_the_lead_approval_pay(
        cofunded, mateo, ana, coffee, agency, other_agency, rafael):
    services.program_funder_set(program=cofunded, agency=other_agency, acting_user=rafael, share=1,
                                requires_approval=False)
    services.program_funder_accept(funder=cofunded.funders.get(agency=other_agency),
                                   acting_user=other_agency.staff.get())
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael)
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED


def test_when_nobody_reviews_the_award_is_paid_at_once_unless_flagged(cofunded, mateo, ana, coffee, agency,
                                                                        other_agency, rafael, paula):
    cofunded.funders.update(requires_approval=False)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert award.status == Award.Status.APPROVED
    assert wallet_for(user=mateo, agency=other_agency).balance == 25


def test_either_agency_can_reject_and_nothing_is_paid(cofunded, mateo, ana, coffee, agency, other_agency, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_reject(award=award, acting_user=paula, reason="No es una respuesta de exportación")
    award.refresh_from_db()
    assert award.status == Award.Status.REJECTED
    assert (pool(cofunded, agency), pool(cofunded, other_agency)) == (1000, 1000)
    assert AuditEntry.objects.filter(action="award.reject").count() == 2
    assert ledger_check().ok


def test_a_reversal_takes_back_every_share(cofunded, mateo, ana, coffee, agency, other_agency, rafael, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael)
    award_approve(award=award, acting_user=paula)
    award_reverse(award=award, acting_user=paula, reason="Respuesta copiada")
    award.refresh_from_db()
    assert award.status == Award.Status.REVERSED
    assert wallet_for(user=mateo, agency=agency).balance == 0 == wallet_for(user=mateo, agency=other_agency).balance
    assert (pool(cofunded, agency), pool(cofunded, other_agency)) == (1000, 1000)
    assert all(share.reversal_id for share in AwardShare.objects.all())
    assert ledger_check().ok, ledger_check().problems


def test_one_agency_first_up_to_its_cap(cofunded, mateo, ana, coffee, agency, other_agency, rafael, paula):
    services.program_funder_set(program=cofunded, agency=agency, acting_user=rafael, share=1, cap=20,
                                split=Program.Split.FIRST)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert dict(award.shares.values_list("agency_id", "credits")) == {agency.pk: 20, other_agency.pk: 30}


def test_a_partners_empty_pool_means_nothing_is_paid(program, mateo, ana, coffee, agency, other_agency, rafael, paula):
    funder = services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=1)
    services.program_funder_accept(funder=funder, acting_user=paula)
    services.program_fund(program=program, acting_user=rafael, amount=1_000)
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee) is None
    assert Award.objects.get().cut_code == Award.Cut.POOL_EMPTY


def test_a_partner_pays_nothing_until_it_accepts_the_terms(program, mateo, ana, coffee, agency, other_agency, rafael):
    services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=1)
    services.program_fund(program=program, acting_user=rafael, amount=1_000)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert award.status == Award.Status.APPROVED and not award.shares.exists()
    assert wallet_for(user=mateo, agency=agency).balance == 50


def test_changed_terms_wait_for_the_partner_again(cofunded, other_agency, rafael):
    funder = services.program_funder_set(program=cofunded, agency=other_agency, acting_user=rafael, share=3)
    assert funder.accepted_at is None


def test_only_the_lead_agency_sets_the_terms(cofunded, other_agency, paula):
    with pytest.raises(PermissionDenied):
        services.program_funder_set(program=cofunded, agency=other_agency, acting_user=paula, share=9)


def test_pending_shares_reserve_each_pool(program, mateo, ana, lucia, coffee, agency, other_agency, rafael, paula):
    Program.objects.filter(pk=program.pk).update(auto_approve=False)
    program.refresh_from_db()
    funder = services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=1)
    services.program_funder_accept(funder=funder, acting_user=paula)
    services.program_fund(program=program, acting_user=rafael, amount=1_000)
    services.program_fund(program=program, acting_user=paula, amount=30, agency=other_agency)
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee).status == Award.Status.PENDING  # 25 of 30 reserved
    assert answer(2, mateo=mateo, asker=lucia, coffee=coffee) is None


def test_the_budget_counts_every_agencys_funding(cofunded, paula, other_agency):
    with pytest.raises(ValidationError, match="beyond the budget"):
        services.program_fund(program=cofunded, acting_user=paula, amount=8_001, agency=other_agency)


def test_an_agency_that_does_not_fund_the_program_cannot_fund_it(program, paula, other_agency):
    with pytest.raises(PermissionDenied):
        services.program_fund(program=program, acting_user=paula, amount=10, agency=other_agency)


def test_ledger_verify_finds_shares_that_do_not_add_up(cofunded, mateo, ana, coffee, rafael, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael)
    award_approve(award=award, acting_user=paula)
    share = award.shares.first()
    AwardShare.objects.filter(pk=share.pk).update(credits=share.credits + 1)
    report = ledger_check()
    assert any("shares sum to 51, not 50" in p for p in report.problems), report.problems
    assert any("is not paid from agency" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("ledger_verify")
