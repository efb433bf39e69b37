"""The award API that the apps above incentives call inside their own transaction.

    award_grant(*, kind, beneficiary, cluster, source_ref, description, caused_by, minutes=None) -> Award | None
    award_revoke(*, kind, source_ref, reason, acting_user=None) -> None

`kind` is one of Award.Kind's values: "accepted_answer", "helpful_vote", "mentoring_session" (then
`minutes` is required and credits = the program's rate per hour * minutes // 60). `source_ref` names
what is paid for ("questions.answer:12", "questions.vote:7", "mentoring.session:3"); `description` is
the plain words shown on the mentor's statement.

At most one live (pending or approved) award exists per (kind, source_ref): granting while one is live
returns it and pays nothing twice. Revoking cancels a pending award or reverses an approved one; a grant
after a revoke makes a new award (its payment key contains the new award's id).

The staff decisions (approve, reject, reverse) live here too, because they share the payment and
reversal steps; `incentives.services` exposes them to views with the audit log.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clusters.models import Cluster, Firm, FirmMember, User
from incentives.ledger import accounts_lock, program_accounts, transfer_post, transfer_reverse, wallet_for
from incentives.models import AuditEntry, Award, Program
from incentives.signals import announce_award_change

Status = Award.Status

# Gaming patterns look back this far.
PATTERN_WINDOW = datetime.timedelta(days=90)
# "One asker accepting most answers from one mentor": from this many acceptances, above this share.
CONCENTRATION_MIN_ACCEPTS = 4
CONCENTRATION_SHARE = 0.6


def is_agency_staff(*, user: User, agency_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.agencies.filter(pk=agency_id).exists()


def program_for(*, cluster: Cluster, kind: str, on: datetime.date | None = None) -> Program | None:
    """The active program (by dates) covering the cluster with a non-zero rate for this kind: 1 query."""
    on = on or timezone.localdate()
    rate_field = {
        Award.Kind.ACCEPTED_ANSWER: "rate_accepted_answer",
        Award.Kind.HELPFUL_VOTE: "rate_helpful_vote",
        Award.Kind.MENTORING_SESSION: "rate_mentoring_hour",
    }[kind]
    return (
        Program.objects.filter(clusters=cluster, starts_on__lte=on, **{f"{rate_field}__gt": 0})
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .order_by("starts_on", "pk")
        .first()
    )


def _firm_of(user: User | None) -> Firm | None:
    if user is None:
        return None
    member = FirmMember.objects.filter(user=user, status=FirmMember.Status.ACTIVE).select_related("firm").first()
    return member.firm if member else None


def _live_sum(awards) -> int:
    return awards.filter(status__in=Award.LIVE).aggregate(total=Sum("credits"))["total"] or 0


def _capped(*, program: Program, beneficiary: User, credits: int, beneficiary_firm, caused_by_firm,
            now: datetime.datetime) -> tuple[int, str]:
    """Credits left after the caps, and which cap cut them (empty when none did)."""
    today = timezone.localtime(now).date()
    month_start = today.replace(day=1)
    mine = Award.objects.filter(program=program, beneficiary=beneficiary)
    limits = []
    if program.cap_mentor_day:
        used = _live_sum(mine.filter(created_at__date=today))
        limits.append((program.cap_mentor_day - used, _("the daily cap per mentor")))
    if program.cap_mentor_month:
        used = _live_sum(mine.filter(created_at__date__gte=month_start))
        limits.append((program.cap_mentor_month - used, _("the monthly cap per mentor")))
    if program.cap_pair_month and beneficiary_firm and caused_by_firm:
        pair = Award.objects.filter(program=program, created_at__date__gte=month_start).filter(
            Q(beneficiary_firm=beneficiary_firm, caused_by_firm=caused_by_firm)
            | Q(beneficiary_firm=caused_by_firm, caused_by_firm=beneficiary_firm)
        )
        limits.append((program.cap_pair_month - _live_sum(pair), _("the monthly cap between two firms")))
    which = ""
    for left, name in limits:
        if left < credits:
            credits, which = max(left, 0), name
    return credits, which


def _gaming_flag(*, kind: str, beneficiary: User, caused_by: User | None, beneficiary_firm, caused_by_firm,
                 now: datetime.datetime) -> str:
    """Why this award looks like gaming ('' when it does not)."""
    if kind != Award.Kind.ACCEPTED_ANSWER or caused_by is None:
        return ""
    since = now - PATTERN_WINDOW
    accepted = Award.objects.filter(kind=Award.Kind.ACCEPTED_ANSWER, created_at__gte=since).exclude(
        status__in=[Status.NOT_PAID, Status.CANCELLED]
    )
    if beneficiary_firm and caused_by_firm and accepted.filter(
        beneficiary_firm=caused_by_firm, caused_by_firm=beneficiary_firm
    ).exists():
        return _("%(a)s and %(b)s accept each other's answers.") % {"a": beneficiary_firm, "b": caused_by_firm}
    counts = accepted.filter(caused_by=caused_by).aggregate(
        total=Count("pk"), to_this=Count("pk", filter=Q(beneficiary=beneficiary))
    )
    total, to_this = counts["total"] + 1, counts["to_this"] + 1  # this award included
    if total >= CONCENTRATION_MIN_ACCEPTS and to_this / total > CONCENTRATION_SHARE:
        return _("%(asker)s accepted %(n)s of %(total)s answers from %(mentor)s.") % {
            "asker": caused_by.display_name, "n": to_this, "total": total, "mentor": beneficiary.display_name,
        }
    return ""


@transaction.atomic
def award_grant(*, kind: str, beneficiary: User, cluster: Cluster, source_ref: str, description: str,
                caused_by: User | None, minutes: int | None = None) -> Award | None:
    """Pays (or queues for review) credits for something a person did; None when nothing is paid.

    Call it inside your own transaction: if yours rolls back, so does the award and its payment.
    """
    try:
        kind = Award.Kind(kind)
    except ValueError:
        raise ValidationError(_("Unknown award kind “%(kind)s”.") % {"kind": kind}, code="kind") from None
    if not source_ref:
        raise ValidationError(_("An award needs a source reference."), code="source_ref")
    if kind == Award.Kind.MENTORING_SESSION and not minutes:
        raise ValidationError(_("A mentoring session award needs its minutes."), code="minutes")

    live = Award.objects.filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE).first()
    if live is not None:
        return live
    program = program_for(cluster=cluster, kind=kind)
    if program is None:
        return None
    rate = program.rate_for(kind)
    credits = rate * minutes // 60 if kind == Award.Kind.MENTORING_SESSION else rate
    beneficiary_firm, caused_by_firm = _firm_of(beneficiary), _firm_of(caused_by)
    now = timezone.now()
    fields = {
        "program": program, "kind": kind, "beneficiary": beneficiary, "caused_by": caused_by, "cluster": cluster,
        "source_ref": source_ref[:120], "description": description[:300], "minutes": minutes,
        "beneficiary_firm": beneficiary_firm, "caused_by_firm": caused_by_firm, "created_at": now,
    }

    def not_paid(reason: str) -> None:
        Award.objects.create(credits=max(credits, 0), status=Status.NOT_PAID, not_paid_reason=reason[:300], **fields)
        return None

    if credits <= 0:
        return not_paid(_("Too short to earn a whole credit."))
    if caused_by is not None and caused_by.pk == beneficiary.pk:
        return not_paid(_("Nobody earns credits from their own questions or sessions."))
    if beneficiary_firm is not None and beneficiary_firm == caused_by_firm:
        return not_paid(_("Nobody earns credits from their own firm."))

    _mint, pool = program_accounts(program=program)
    wallet = wallet_for(user=beneficiary, agency=program.agency)
    # The pool lock serialises every grant of this program: caps and the pool's reserve are exact.
    locked = accounts_lock(account_ids=[pool.pk, wallet.pk])
    live = Award.objects.filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE).first()
    if live is not None:
        return live
    credits, cap = _capped(program=program, beneficiary=beneficiary, credits=credits,
                           beneficiary_firm=beneficiary_firm, caused_by_firm=caused_by_firm, now=now)
    if credits <= 0:
        return not_paid(_("Nothing paid: %(cap)s is reached.") % {"cap": cap})
    reserved = _live_sum(Award.objects.filter(program=program, status=Status.PENDING))
    if locked[pool.pk].balance - reserved < credits:
        return not_paid(_("Nothing paid: the program's pool is empty."))
    flag = _gaming_flag(kind=kind, beneficiary=beneficiary, caused_by=caused_by,
                        beneficiary_firm=beneficiary_firm, caused_by_firm=caused_by_firm, now=now)
    award = Award.objects.create(credits=credits, status=Status.PENDING, flag_reason=flag[:300], **fields)
    if program.auto_approve and not flag:
        _pay(award=award, pool=locked[pool.pk], wallet=locked[wallet.pk], acting_user=None)
        announce_award_change(award=award, change="approved")
    elif flag:
        announce_award_change(award=award, change="flagged")
    return award


def _pay(*, award: Award, pool, wallet, acting_user: User | None) -> None:
    if pool.balance < award.credits:
        raise ValidationError(_("The program's pool does not hold enough credits for this award."), code="pool")
    award.payment = transfer_post(
        from_account=pool, to_account=wallet, amount=award.credits, kind="award",
        idempotency_key=f"award:{award.pk}:pay", caused_by=award.caused_by, source_ref=award.source_ref,
        memo=award.description,
    )
    award.status = Status.APPROVED
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["payment", "status", "decided_by", "decided_at"])


def _tell_of_reversal(award: Award) -> None:
    """Plain email to the mentor, in their language, after the commit."""
    person = award.beneficiary

    def send():
        with translation.override(person.language or None):
            subject = _("Credits reversed: %(what)s") % {"what": award.description[:80]}
            body = _(
                "Hello %(name)s,\n\nThe %(credits)s credits you received for “%(what)s” were reversed.\n"
                "Reason: %(reason)s\n\nYour statement: %(url)s\n"
            ) % {"name": person.display_name, "credits": award.credits, "what": award.description,
                 "reason": award.decision_reason, "url": settings.SITE_URL + award.get_absolute_url()}
        send_mail(subject, body, None, [person.email], fail_silently=True)

    transaction.on_commit(send)


def _reverse(*, award: Award, reason: str, acting_user: User | None) -> bool:
    """Reverses an approved award's payment; False when the wallet no longer holds the credits."""
    _mint, pool = program_accounts(program=award.program)
    payment = award.payment
    locked = accounts_lock(account_ids=[pool.pk, payment.to_account_id])
    if locked[payment.to_account_id].balance < award.credits:
        return False
    award.reversal = transfer_reverse(
        original=payment, idempotency_key=f"award:{award.pk}:reverse", caused_by=acting_user,
        memo=_("Reversed: %(reason)s") % {"reason": reason},
    )
    award.status = Status.REVERSED
    award.decision_reason = reason[:300]
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["reversal", "status", "decision_reason", "decided_by", "decided_at"])
    announce_award_change(award=award, change="reversed")
    _tell_of_reversal(award)
    return True


@transaction.atomic
def award_revoke(*, kind: str, source_ref: str, reason: str, acting_user: User | None = None) -> None:
    """The source no longer deserves credits (answer un-accepted, vote withdrawn, session disputed)."""
    award = (
        Award.objects.select_for_update(no_key=True, of=("self",))
        .filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE)
        .select_related("program", "beneficiary")  # not the payment: see _staff_award
        .first()
    )
    if award is None:
        return
    if award.status == Status.PENDING:
        award.status = Status.CANCELLED
        award.decision_reason = reason[:300]
        award.decided_by, award.decided_at = acting_user, timezone.now()
        award.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        return
    if not _reverse(award=award, reason=reason, acting_user=acting_user):
        # The mentor already redeemed the credits: the source's change must not fail, so staff decide.
        award.flag_reason = (_("Revoked at the source (%(reason)s) but the credits were already spent.")
                             % {"reason": reason})[:300]
        award.save(update_fields=["flag_reason"])
        AuditEntry.objects.create(
            agency_id=award.program.agency_id, actor=acting_user, action="award.revoke_unpaid",
            target=f"award {award.pk}", reason=reason[:300],
        )


def _staff_award(*, award_id: int, acting_user: User) -> Award:
    # The lock joins only rows that never change: after waiting for a lock PostgreSQL re-reads the locked
    # row alone, so a payment joined here could be the one from before an approval we waited for.
    award = Award.objects.select_for_update(no_key=True, of=("self",)).select_related("program", "beneficiary").filter(
        pk=award_id
    ).first()
    if award is None or not is_agency_staff(user=acting_user, agency_id=award.program.agency_id):
        raise PermissionDenied(_("Only staff of the program's agency can decide on its awards."))
    if award.beneficiary_id == acting_user.pk:
        raise PermissionDenied(_("Nobody can decide on their own award."))
    return award


def _audit(*, award: Award, acting_user: User, action: str, reason: str) -> None:
    AuditEntry.objects.create(
        agency_id=award.program.agency_id, actor=acting_user, action=action,
        target=f"award {award.pk}: {award.description}"[:200], reason=reason[:300],
        data={"award": award.pk, "credits": award.credits, "beneficiary": award.beneficiary_id},
    )


@transaction.atomic
def award_approve(*, award: Award, acting_user: User, reason: str = "") -> Award:
    award = _staff_award(award_id=award.pk, acting_user=acting_user)
    if award.status != Status.PENDING:
        raise ValidationError(_("Only a waiting award can be approved."), code="status")
    _mint, pool = program_accounts(program=award.program)
    wallet = wallet_for(user=award.beneficiary, agency=award.program.agency)
    locked = accounts_lock(account_ids=[pool.pk, wallet.pk])
    _pay(award=award, pool=locked[pool.pk], wallet=locked[wallet.pk], acting_user=acting_user)
    if reason:
        award.decision_reason = reason[:300]
        award.save(update_fields=["decision_reason"])
    _audit(award=award, acting_user=acting_user, action="award.approve", reason=reason)
    announce_award_change(award=award, change="approved")
    return award


@transaction.atomic
def award_reject(*, award: Award, acting_user: User, reason: str) -> Award:
    if not reason.strip():
        raise ValidationError(_("Say why the award is rejected."), code="reason")
    award = _staff_award(award_id=award.pk, acting_user=acting_user)
    if award.status != Status.PENDING:
        raise ValidationError(_("Only a waiting award can be rejected."), code="status")
    award.status = Status.REJECTED
    award.decision_reason = reason[:300]
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    _audit(award=award, acting_user=acting_user, action="award.reject", reason=reason)
    announce_award_change(award=award, change="rejected")
    return award


@transaction.atomic
def award_reverse(*, award: Award, acting_user: User, reason: str) -> Award:
    if not reason.strip():
        raise ValidationError(_("Say why the award is reversed."), code="reason")
    award = _staff_award(award_id=award.pk, acting_user=acting_user)
    if award.status != Status.APPROVED:
        raise ValidationError(_("Only an approved award can be reversed."), code="status")
    if not _reverse(award=award, reason=reason, acting_user=acting_user):
        raise ValidationError(
            _("The mentor's wallet no longer holds these credits; they were already redeemed."), code="spent"
        )
    _audit(award=award, acting_user=acting_user, action="award.reverse", reason=reason)
    return award
