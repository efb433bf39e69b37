"""Acceptances and helpful votes call the incentive award service inside the Q&A transaction.

A recording stand-in for `incentives.awards` with the documented semantics (at most one live award
per kind and source reference) shows what is paid and reversed; the real ledger has its own tests.
"""

import types

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from questions import services
from questions.models import Vote


class Ledger:
    def __init__(self):
        self.calls = []
        self.live = {}

    def award_grant(self, *, kind, beneficiary, cluster, source_ref, description, caused_by, minutes=None,
                    description_params=None, work_date=None):
        self.calls.append(("grant", kind, source_ref, beneficiary.pk, caused_by.pk))
        key = (kind, source_ref)
        self.live.setdefault(key, object())
        return self.live[key]

    def award_revoke(self, *, kind, source_ref, reason, acting_user=None):
        self.calls.append(("revoke", kind, source_ref))
        self.live.pop((kind, source_ref), None)


@pytest.fixture
def ledger(monkeypatch):
    recorder = Ledger()
    module = types.SimpleNamespace(award_grant=recorder.award_grant, award_revoke=recorder.award_revoke)
    monkeypatch.setattr("questions.credits.awards", module)
    monkeypatch.setattr("questions.credits._has_live_award",
                        lambda *, kind, source_ref: (kind, source_ref) in recorder.live)
    return recorder


def test_changing_the_accepted_answer_reverses_the_first_award_and_never_pays_twice(
    ledger, question, answer, ana, lucia, mateo
):
    second = services.answer_post(question=question, author=lucia, body="Un agente FDA")
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    services.answer_accept(question=question, answer=second, acting_user=ana)
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    services.answer_unaccept(question=question, acting_user=ana)
    a, b = f"questions.answer:{answer.pk}", f"questions.answer:{second.pk}"
    assert ledger.calls == [
        ("grant", "accepted_answer", a, mateo.pk, ana.pk),
        ("revoke", "accepted_answer", a),
        ("grant", "accepted_answer", b, lucia.pk, ana.pk),
        ("revoke", "accepted_answer", b),
        ("grant", "accepted_answer", a, mateo.pk, ana.pk),
        ("revoke", "accepted_answer", a),
    ]
    assert ledger.live == {}


def test_helpful_votes_pay_while_they_stand(ledger, answer, ana, lucia, mateo):
    vote = services.vote_cast(user=ana, answer=answer, value=Vote.UP)
    ref = f"questions.vote:{vote.pk}"
    assert ledger.calls == [("grant", "helpful_vote", ref, mateo.pk, ana.pk)]
    services.vote_cast(user=ana, answer=answer, value=Vote.DOWN)
    assert ledger.calls[-1] == ("revoke", "helpful_vote", ref) and ledger.live == {}
    services.vote_withdraw(user=ana, answer=answer)  # a down-vote paid nothing, so nothing to reverse
    assert len(ledger.calls) == 2
    vote = services.vote_cast(user=lucia, answer=answer, value=Vote.UP)
    services.vote_withdraw(user=lucia, answer=answer)
    assert ledger.calls[-2:] == [("grant", "helpful_vote", f"questions.vote:{vote.pk}", mateo.pk, lucia.pk),
                                 ("revoke", "helpful_vote", f"questions.vote:{vote.pk}")]
    assert ledger.live == {}


def test_votes_on_questions_and_refused_votes_pay_nothing(ledger, question, answer, mateo):
    services.vote_cast(user=mateo, question=question, value=Vote.UP)
    with pytest.raises(ValidationError):
        services.vote_cast(user=mateo, answer=answer, value=Vote.UP)  # own answer
    assert ledger.calls == []


def test_the_award_rolls_back_with_the_acceptance(ledger, question, answer, ana, monkeypatch):
    def failing_grant(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr("questions.credits.awards.award_grant", failing_grant)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.answer_accept(question=question, answer=answer, acting_user=ana)
    question.refresh_from_db()
    assert question.accepted_answer is None and question.status == "open"


# --- With the real ledger ------------------------------------------------------------------------


@pytest.fixture
def funded_program(agency, coffee, rafael):
    import datetime

    from django.utils import timezone

    from incentives import services as incentive_services

    program = incentive_services.program_create(
        agency=agency, acting_user=rafael, name="Mentores del café 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000,
        rate_accepted_answer=50, rate_mentoring_hour=100, rate_helpful_vote=5, auto_approve=True,
    )
    incentive_services.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program


def _wallet(user, agency) -> int:
    from incentives.ledger import wallet_for

    return wallet_for(user=user, agency=agency).balance


def test_acceptance_and_helpful_votes_pay_the_answerer_once_through_the_ledger(
    funded_program, agency, question, answer, ana, lucia, mateo
):
    from incentives.models import Award

    services.answer_accept(question=question, answer=answer, acting_user=ana)
    vote = services.vote_cast(user=lucia, answer=answer, value=Vote.UP)
    assert _wallet(mateo, agency) == 55
    other = services.answer_post(question=question, author=lucia, body="Contrata un agente FDA")
    services.answer_accept(question=question, answer=other, acting_user=ana)
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    assert _wallet(mateo, agency) == 55  # reversed, then paid again: one live award, never two
    assert Award.objects.filter(kind="accepted_answer", source_ref=f"questions.answer:{answer.pk}",
                                status__in=Award.LIVE).count() == 1
    services.vote_cast(user=lucia, answer=answer, value=Vote.DOWN)
    assert _wallet(mateo, agency) == 50
    assert not Award.objects.filter(source_ref=f"questions.vote:{vote.pk}", status__in=Award.LIVE).exists()
