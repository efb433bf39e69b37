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


def accepted_answer_grant(*, answer, acting_user: User) -> None:
    awards.award_grant(
        kind="accepted_answer", beneficiary=answer.author, cluster=answer.question.cluster,
        source_ref=answer_ref(answer), description=f"Accepted answer to “{answer.question.title}”"[:200],
        description_params={"title": answer.question.title[:200]}, caused_by=acting_user,
    )


def accepted_answer_revoke(*, answer, acting_user: User | None, reason: str) -> None:
    if _has_live_award(kind="accepted_answer", source_ref=answer_ref(answer)):
        awards.award_revoke(kind="accepted_answer", source_ref=answer_ref(answer), reason=reason,
                            acting_user=acting_user)


def helpful_vote_grant(*, vote, answer, acting_user: User) -> None:
    awards.award_grant(
        kind="helpful_vote", beneficiary=answer.author, cluster=answer.question.cluster,
        source_ref=vote_ref(vote), description=f"Helpful answer to “{answer.question.title}”"[:200],
        description_params={"title": answer.question.title[:200]}, caused_by=acting_user,
    )


def helpful_vote_revoke(*, vote, acting_user: User | None, reason: str) -> None:
    if _has_live_award(kind="helpful_vote", source_ref=vote_ref(vote)):
        awards.award_revoke(kind="helpful_vote", source_ref=vote_ref(vote), reason=reason, acting_user=acting_user)
