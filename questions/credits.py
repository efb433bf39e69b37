"""Q&A's calls into the incentive program: credits for accepted answers and helpful (up-)votes.

The award service decides whether a program covers the cluster, applies caps and anti-gaming rules,
and keeps at most one live award per (kind, source_ref); we only say what happened, inside our own
transaction, so a rolled-back acceptance never pays. The description is stored as the question's title
and rendered in each reader's language; the date of the work is the day of the acceptance or the vote.
"""

from clusters.models import User
from incentives import awards
from incentives.models import Award


def answer_ref(answer) -> str:
    return f"questions.answer:{answer.pk}"


def vote_ref(vote) -> str:
    return f"questions.vote:{vote.pk}"


def _has_live_award(*, kind: str, source_ref: str) -> bool:
    # Most clusters have no program, so most sources have no award: one plain query instead of the
    # award service's locking transaction. A race is harmless: the service revokes only a live award.
    return Award.objects.filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE).exists()


def _grant(*, kind: str, source_ref: str, answer, what: str, acting_user: User) -> None:
    """Credits to the answer's author for `kind`; `what` names it in the stored fallback description."""
    awards.award_grant(
        kind=kind, beneficiary=answer.author, cluster=answer.question.cluster, source_ref=source_ref,
        description=f"{what} to “{answer.question.title}”"[:200],
        description_params={"title": answer.question.title[:200]}, caused_by=acting_user,
    )


def _revoke(*, kind: str, source_ref: str, acting_user: User | None, reason: str) -> None:
    if _has_live_award(kind=kind, source_ref=source_ref):
        awards.award_revoke(kind=kind, source_ref=source_ref, reason=reason, acting_user=acting_user)


def accepted_answer_grant(*, answer, acting_user: User) -> None:
    _grant(kind="accepted_answer", source_ref=answer_ref(answer), answer=answer, what="Accepted answer",
           acting_user=acting_user)


def accepted_answer_revoke(*, answer, acting_user: User | None, reason: str) -> None:
    _revoke(kind="accepted_answer", source_ref=answer_ref(answer), acting_user=acting_user, reason=reason)


def helpful_vote_grant(*, vote, answer, acting_user: User) -> None:
    _grant(kind="helpful_vote", source_ref=vote_ref(vote), answer=answer, what="Helpful answer",
           acting_user=acting_user)


def helpful_vote_revoke(*, vote, acting_user: User | None, reason: str) -> None:
    _revoke(kind="helpful_vote", source_ref=vote_ref(vote), acting_user=acting_user, reason=reason)
