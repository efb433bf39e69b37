"""The award service: what pays, what doesn't and why, caps, gaming flags, reviews, reversals."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clusters.models import Firm, FirmMember
from incentives import services
from incentives.awards import award_approve, award_grant, award_reject, award_reverse, award_revoke
from incentives.ledger import program_accounts, wallet_for
from incentives.models import AuditEntry, Award
from incentives.signals import award_changed
from tests.conftest import activate, make_person


def answer(n, *, mateo, asker, coffee, kind="accepted_answer", minutes=None):
    return award_grant(kind=kind, beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                       description=f"Accepted answer: FDA registration, part {n}", caused_by=asker, minutes=minutes)


def balance(user, agency):
    return wallet_for(user=user, agency=agency).balance


def test_nothing_is_paid_without_a_program(db, mateo, ana, coffee):
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee) is None
    assert not Award.objects.exists()


def test_a_program_that_has_ended_pays_nothing(funded, mateo, ana, coffee):
    funded.__class__.objects.filter(pk=funded.pk).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee) is None


def test_nobody_earns_from_their_own_question(funded, mateo, coffee, agency):
    assert answer(1, mateo=mateo, asker=mateo, coffee=coffee) is None
    assert Award.objects.get().cut_text.startswith("Nobody earns credits from their own")
    assert balance(mateo, agency) == 0


def test_nobody_earns_from_their_own_firm(funded, mateo, coffee, agency):
    colleague = make_person("juan@example.org", name="Juan Colega", country="CO",
                            firm=mateo.firm_member.firm)
    activate(colleague, coffee)
    assert answer(1, mateo=mateo, asker=colleague, coffee=coffee) is None
    assert "own firm" in Award.objects.get().cut_text


def test_a_mentoring_session_pays_the_hourly_rate_pro_rata(funded, mateo, ana, coffee, agency):
    award = award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee, source_ref="mentoring.session:3",
                        description="Session: preparing the FDA prior notice", caused_by=ana, minutes=90)
    assert award.credits == 150 and balance(mateo, agency) == 150


def test_the_daily_cap_pays_up_to_it_then_nothing(funded, mateo, ana, coffee, agency):
    type(funded).objects.filter(pk=funded.pk).update(cap_mentor_day=120)
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee).credits == 50
    assert answer(2, mateo=mateo, asker=ana, coffee=coffee).credits == 50
    assert answer(3, mateo=mateo, asker=ana, coffee=coffee).credits == 20
    assert answer(4, mateo=mateo, asker=ana, coffee=coffee) is None
    assert "daily cap" in Award.objects.get(source_ref="questions.answer:4").cut_text
    assert balance(mateo, agency) == 120


def test_the_cap_between_two_firms_counts_both_directions(funded, mateo, ana, coffee):
    type(funded).objects.filter(pk=funded.pk).update(cap_pair_month=60)
    answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_grant(kind="helpful_vote", beneficiary=ana, cluster=coffee, source_ref="questions.vote:1",
                description="Helpful answer", caused_by=mateo)
    assert answer(2, mateo=mateo, asker=ana, coffee=coffee).credits == 5  # 60 - 50 - 5
    assert answer(3, mateo=mateo, asker=ana, coffee=coffee) is None
    assert "between two firms" in Award.objects.get(source_ref="questions.answer:3").cut_text


def test_a_program_never_pays_beyond_its_pool(program, rafael, mateo, ana, coffee, agency):
    services.program_fund(program=program, acting_user=rafael, amount=80)
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee).credits == 50
    assert answer(2, mateo=mateo, asker=ana, coffee=coffee) is None
    assert "pool is empty" in Award.objects.get(source_ref="questions.answer:2").cut_text
    _mint, pool = program_accounts(program=program)
    assert pool.balance == 30


def test_pending_awards_reserve_their_credits_in_the_pool(program, rafael, mateo, ana, coffee):
    type(program).objects.filter(pk=program.pk).update(auto_approve=False)
    services.program_fund(program=program, acting_user=rafael, amount=80)
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee).status == "pending"
    assert answer(2, mateo=mateo, asker=ana, coffee=coffee) is None


def test_funding_never_exceeds_the_budget(program, rafael):
    with pytest.raises(ValidationError, match="beyond the budget"):
        services.program_fund(program=program, acting_user=rafael, amount=10_001)


def test_only_the_agencys_staff_fund_a_program(program, mateo):
    with pytest.raises(PermissionDenied):
        services.program_fund(program=program, acting_user=mateo, amount=10)


def test_two_firms_accepting_each_others_answers_are_flagged(funded, mateo, ana, coffee, agency):
    award_grant(kind="accepted_answer", beneficiary=ana, cluster=coffee, source_ref="questions.answer:100",
                description="Accepted answer", caused_by=mateo)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert award.status == "pending" and award.flag_code == "mutual" and "pay each other" in award.flag_text
    assert balance(mateo, agency) == 0


def test_many_awards_between_two_sides_in_a_few_days_are_flagged(funded, mateo, coffee):
    firm = Firm.objects.create(name="Beneficio San Pedro", country="HN")
    asker = make_person("pedro@example.org", name="Pedro", firm=firm)
    statuses = [answer(n, mateo=mateo, asker=asker, coffee=coffee).status for n in range(1, 5)]
    assert statuses == ["approved", "approved", "approved", "pending"]
    award = Award.objects.get(source_ref="questions.answer:4")
    assert award.flag_code == "pair_burst" and award.flag_params["n"] == 4
    assert award.flag_text == "4 awards between Beneficio San Pedro and Tostadores del Quindío within 7 days."


def test_one_asker_whose_awards_go_mostly_to_one_mentor_is_flagged(funded, mateo, ana, coffee):
    firm = Firm.objects.create(name="Beneficio San Pedro", country="HN")
    asker = make_person("pedro@example.org", name="Pedro", firm=firm)
    twenty_days_ago = timezone.now() - datetime.timedelta(days=20)
    for n in range(1, 5):  # spread out: no burst
        answer(n, mateo=mateo, asker=asker, coffee=coffee)
        Award.objects.filter(source_ref=f"questions.answer:{n}").update(
            created_at=twenty_days_ago + datetime.timedelta(days=4 * n))
    award = answer(5, mateo=mateo, asker=asker, coffee=coffee)
    assert award.status == "approved"  # 5 of 5 go to mateo, but six are needed
    award_grant(kind="helpful_vote", beneficiary=ana, cluster=coffee, source_ref="questions.vote:1",
                description="Helpful answer", caused_by=asker)
    award = answer(6, mateo=mateo, asker=asker, coffee=coffee)
    assert award.status == "pending" and award.flag_code == "concentration"
    assert award.flag_params["n"] == 6 and award.flag_params["total"] == 7


def test_approving_pays_and_the_approver_is_never_the_beneficiary(program, rafael, mateo, ana, coffee, agency):
    type(program).objects.filter(pk=program.pk).update(auto_approve=False)
    services.program_fund(program=program, acting_user=rafael, amount=500)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    agency.staff.add(mateo)  # mateo also works at the agency: still not for his own award
    with pytest.raises(PermissionDenied):
        award_approve(award=award, acting_user=mateo)
    award_approve(award=award, acting_user=rafael, reason="ok")
    assert balance(mateo, agency) == 50
    assert AuditEntry.objects.filter(action="award.approve", actor=rafael).exists()


def test_rejecting_needs_a_reason_and_pays_nothing(program, rafael, mateo, ana, coffee, agency):
    type(program).objects.filter(pk=program.pk).update(auto_approve=False)
    services.program_fund(program=program, acting_user=rafael, amount=500)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    with pytest.raises(ValidationError):
        award_reject(award=award, acting_user=rafael, reason=" ")
    award_reject(award=award, acting_user=rafael, reason="Respuesta incompleta")
    award.refresh_from_db()
    assert award.status == "rejected" and award.payment is None and balance(mateo, agency) == 0
    # A rejected award is not live: the source may be paid again later.
    assert answer(1, mateo=mateo, asker=ana, coffee=coffee).pk != award.pk


def test_reversing_an_award_posts_a_reversal_tells_the_mentor_and_is_audited(
    funded, rafael, mateo, ana, coffee, agency, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, award, change, **kwargs):
        heard.append((award.pk, change))

    award_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
        with django_capture_on_commit_callbacks(execute=True):
            award_reverse(award=award, acting_user=rafael, reason="La respuesta copiaba otra")
    finally:
        award_changed.disconnect(listener)
    award.refresh_from_db()
    assert award.status == "reversed" and award.reversal.reverses_id == award.payment_id
    assert heard == [(award.pk, "approved"), (award.pk, "reversed")]
    assert mail.outbox[-1].to == [mateo.email] and "La respuesta copiaba otra" in mail.outbox[-1].body
    assert balance(mateo, agency) == 0
    assert AuditEntry.objects.filter(action="award.reverse", reason="La respuesta copiaba otra").exists()


def test_revoking_a_pending_award_cancels_it(program, rafael, mateo, ana, coffee):
    type(program).objects.filter(pk=program.pk).update(auto_approve=False)
    services.program_fund(program=program, acting_user=rafael, amount=500)
    answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_revoke(kind="accepted_answer", source_ref="questions.answer:1", reason="unaccepted")
    assert Award.objects.get().status == "cancelled"


def test_revoking_after_the_credits_were_spent_leaves_it_to_staff(funded, rafael, mateo, ana, coffee, agency):
    answer(1, mateo=mateo, asker=ana, coffee=coffee)
    item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name="Taller", price=50,
                                      stock=1)
    services.redemption_request(item=item, person=mateo)
    award_revoke(kind="accepted_answer", source_ref="questions.answer:1", reason="unaccepted")
    award = Award.objects.get()
    assert award.status == "approved" and "already spent" in award.flag_text


def test_an_unknown_kind_is_refused(funded, mateo, ana, coffee):
    with pytest.raises(ValidationError):
        answer(1, mateo=mateo, asker=ana, coffee=coffee, kind="likes")


def test_a_person_without_a_firm_can_earn(funded, coffee, ana, agency):
    lone = make_person("sola@example.org", name="Sola", country="GT")
    assert not FirmMember.objects.filter(user=lone).exists()
    assert answer(1, mateo=lone, asker=ana, coffee=coffee).status == "approved"
