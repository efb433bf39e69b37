"""The award API that the apps above incentives call inside their own transaction.

    award_grant(*, kind, beneficiary, cluster, source_ref, description, caused_by, minutes=None,
                description_params=None, work_date=None) -> Award | None
    award_revoke(*, kind, source_ref, reason, acting_user=None) -> None   (reason: a gettext_noop msgid)

`kind` is one of Award.Kind's values: "accepted_answer", "helpful_vote", "mentoring_session" (then
`minutes` is required and credits = the program's rate per hour * minutes // 60), "library_entry" (an
entry published from a member's answer). `source_ref` names what is paid for ("questions.answer:12",
"questions.vote:7", "mentoring.session:3", "library.entry:5"); `description` is the plain words kept
with the award (and its transfer's memo); `description_params` are what pages render in the reader's
language instead (incentives.reasons.award_description: `title` for answers and votes; `mentee`,
`date` (ISO) and `minutes` for sessions). `work_date` is the day of the work (a session's date; today
when not given): the review queue shows and filters on it.

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
from django.utils.translation import gettext_noop as N_

from clusters.models import Agency, Cluster, Firm, FirmMember, User
from incentives import reasons
from incentives.ledger import accounts_lock, program_accounts, transfer_post, transfer_reverse, wallet_for
from incentives.models import AuditEntry, Award, AwardApproval, AwardShare, Program, ProgramFunder
from incentives.signals import announce_award_change
from incentives.split import split_credits
from infra.words import stored

Status = Award.Status

# The gaming patterns (see docs/SECURITY.md, "Anti-gaming model"). Each counts awards of every kind
# together, in the award's program, that were not refused (not paid / cancelled ones do not count).
# "They pay each other": an award in the other direction between the same two sides, this far back.
MUTUAL_WINDOW_DAYS = 90
# "Many awards between the same two sides in a few days": this many (this one included) within this window.
BURST_MIN_AWARDS = 4
BURST_WINDOW_DAYS = 7
# "One side's awards go mostly to one other side": from this many caused, above this share, in this window.
# Weekly sessions of one mentorship (at most five in 30 days) stay below it.
CONCENTRATION_MIN_AWARDS = 6
CONCENTRATION_SHARE = 0.6
CONCENTRATION_WINDOW_DAYS = 30


def is_agency_staff(*, user: User, agency_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.agencies.filter(pk=agency_id).exists()


def may_decide(*, user: User, program: Program) -> bool:
    """Staff of the program's agency or of one of its accepted co-funders (or a superuser): 1 query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.agencies.filter(
        Q(pk=program.agency_id) | Q(funded_programs__program=program, funded_programs__accepted_at__isnull=False)
    ).exists()


def program_funders(*, program: Program) -> list[ProgramFunder]:
    """The accepted funders of a co-funded program, in order; [] when its agency pays alone: 1 query."""
    funders = list(ProgramFunder.objects.filter(program=program, accepted_at__isnull=False)
                   .select_related("agency").order_by("position", "pk"))
    return funders if len(funders) > 1 else []


def required_agencies(*, award: Award, funders: list[ProgramFunder], shares: list[AwardShare]) -> list[int]:
    """The agencies whose approval a co-funded award needs: each funder paying part of it whose rule asks
    for review, and every one of them when the award is flagged."""
    paying = {share.agency_id for share in shares}
    return [f.agency_id for f in funders if f.agency_id in paying and (f.requires_approval or award.flag_code)]


def _may_pay(funders: list[ProgramFunder], *, credits: int, mode: str) -> list[ProgramFunder]:
    """The funders that can pay a part of an award of at most `credits` (the caps only lower it)."""
    if mode == Program.Split.FIRST:
        may, before = [], 0
        for funder in funders:
            if before < credits or not may:
                may.append(funder)
            before += funder.cap if funder.cap is not None else credits
        return may
    return [f for f in funders if f.share > 0] or funders[:1]


def program_for(*, cluster: Cluster, kind: str, on: datetime.date | None = None) -> Program | None:
    """The active program (by dates) covering the cluster with a non-zero rate for this kind: 1 query."""
    on = on or timezone.localdate()
    rate_field = {
        Award.Kind.ACCEPTED_ANSWER: "rate_accepted_answer",
        Award.Kind.HELPFUL_VOTE: "rate_helpful_vote",
        Award.Kind.MENTORING_SESSION: "rate_mentoring_hour",
        Award.Kind.LIBRARY_ENTRY: "rate_library_entry",
    }[kind]
    return (
        Program.objects.filter(clusters=cluster, starts_on__lte=on, **{f"{rate_field}__gt": 0})
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .order_by("starts_on", "pk")
        .first()
    )


class Side:
    """One side of an award for the anti-gaming rules: a person and every firm they are tied to.

    A person's firms are the firm they belong to or have asked to join (a pending FirmMember counts) and
    every firm recorded for them on an earlier award, so a join request withdrawn or rejected after it
    was used still ties them. A person with no firm is their own side: the rules also match by person.
    """

    def __init__(self, *, user: User, firm: Firm | None, firm_ids: set[int]):
        self.user, self.firm, self.firm_ids = user, firm, firm_ids

    @property
    def name(self) -> str:
        return self.firm.name if self.firm is not None else self.user.display_name

    def as_beneficiary(self) -> Q:
        return Q(beneficiary_id=self.user.pk) | Q(beneficiary_firm_id__in=self.firm_ids)

    def as_cause(self) -> Q:
        return Q(caused_by_id=self.user.pk) | Q(caused_by_firm_id__in=self.firm_ids)


def side_of(user: User) -> Side:
    """2 queries: the person's firm (any status), and the firms recorded for them on their awards."""
    member = FirmMember.objects.filter(user=user).select_related("firm").first()
    firm = member.firm if member else None
    firm_ids = {firm.pk} if firm else set()
    recorded = (
        Award.objects.filter(Q(beneficiary=user, beneficiary_firm__isnull=False)
                             | Q(caused_by=user, caused_by_firm__isnull=False))
        .values_list("beneficiary_id", "beneficiary_firm_id", "caused_by_id", "caused_by_firm_id").distinct()
    )
    for beneficiary_id, beneficiary_firm_id, caused_by_id, caused_by_firm_id in recorded:
        if beneficiary_id == user.pk and beneficiary_firm_id:
            firm_ids.add(beneficiary_firm_id)
        if caused_by_id == user.pk and caused_by_firm_id:
            firm_ids.add(caused_by_firm_id)
    return Side(user=user, firm=firm, firm_ids=firm_ids)


def _between(beneficiary: Side, cause: Side) -> Q:
    """Awards between the two sides, in either direction."""
    return (beneficiary.as_beneficiary() & cause.as_cause()) | (cause.as_beneficiary() & beneficiary.as_cause())


def _live_sum(awards) -> int:
    return awards.filter(status__in=Award.LIVE).aggregate(total=Sum("credits"))["total"] or 0


def _capped(*, program: Program, beneficiary: Side, cause: Side | None, credits: int,
            now: datetime.datetime) -> tuple[int, str, int]:
    """Credits left after the caps, which cap cut them ('' when none did) and that cap's value."""
    today = timezone.localtime(now).date()
    month_start = today.replace(day=1)
    mine = Award.objects.filter(program=program, beneficiary=beneficiary.user)
    limits = []
    if program.cap_mentor_day:
        used = _live_sum(mine.filter(created_at__date=today))
        limits.append((program.cap_mentor_day - used, Award.Cut.CAP_MENTOR_DAY, program.cap_mentor_day))
    if program.cap_mentor_month:
        used = _live_sum(mine.filter(created_at__date__gte=month_start))
        limits.append((program.cap_mentor_month - used, Award.Cut.CAP_MENTOR_MONTH, program.cap_mentor_month))
    if program.cap_pair_month and cause is not None:
        pair = Award.objects.filter(program=program, created_at__date__gte=month_start).filter(
            _between(beneficiary, cause)
        )
        limits.append((program.cap_pair_month - _live_sum(pair), Award.Cut.CAP_PAIR_MONTH, program.cap_pair_month))
    which, cap = "", 0
    for left, code, value in limits:
        if left < credits:
            credits, which, cap = max(left, 0), code, value
    return credits, which, cap


def _gaming_flag(*, program: Program, beneficiary: Side, cause: Side | None,
                 now: datetime.datetime) -> tuple[str, dict]:
    """Why this award looks like gaming, as a code and its parameters (('', {}) when it does not)."""
    if cause is None:
        return "", {}
    counted = Award.objects.filter(program=program).exclude(status__in=[Status.NOT_PAID, Status.CANCELLED])
    names = {"a": cause.name, "b": beneficiary.name}
    since = now - datetime.timedelta(days=MUTUAL_WINDOW_DAYS)
    if counted.filter(created_at__gte=since).filter(cause.as_beneficiary() & beneficiary.as_cause()).exists():
        return Award.Flag.MUTUAL, {**names, "days": MUTUAL_WINDOW_DAYS}
    since = now - datetime.timedelta(days=BURST_WINDOW_DAYS)
    recent = counted.filter(created_at__gte=since).filter(_between(beneficiary, cause)).count() + 1
    if recent >= BURST_MIN_AWARDS:
        return Award.Flag.PAIR_BURST, {**names, "n": recent, "days": BURST_WINDOW_DAYS}
    since = now - datetime.timedelta(days=CONCENTRATION_WINDOW_DAYS)
    counts = counted.filter(created_at__gte=since).filter(cause.as_cause()).aggregate(
        total=Count("pk"), to_this=Count("pk", filter=beneficiary.as_beneficiary())
    )
    total, to_this = counts["total"] + 1, counts["to_this"] + 1  # this award included
    if total >= CONCENTRATION_MIN_AWARDS and to_this / total > CONCENTRATION_SHARE:
        return Award.Flag.CONCENTRATION, {
            "asker": cause.name, "mentor": beneficiary.name, "n": to_this, "total": total,
            "days": CONCENTRATION_WINDOW_DAYS,
        }
    return "", {}


@transaction.atomic
def award_grant(*, kind: str, beneficiary: User, cluster: Cluster, source_ref: str, description: str,
                caused_by: User | None, minutes: int | None = None, description_params: dict | None = None,
                work_date: datetime.date | None = None) -> Award | None:
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
    if caused_by is not None and caused_by.pk == beneficiary.pk:
        cause = side = side_of(beneficiary)
    else:
        side = side_of(beneficiary)
        cause = side_of(caused_by) if caused_by is not None else None
    now = timezone.now()
    fields = {
        "program": program, "kind": kind, "beneficiary": beneficiary, "caused_by": caused_by, "cluster": cluster,
        "source_ref": source_ref[:120], "description": description[:300], "minutes": minutes,
        "description_params": dict(description_params or {}), "work_date": work_date or timezone.localdate(now),
        "beneficiary_firm": side.firm, "caused_by_firm": cause.firm if cause else None, "created_at": now,
    }
    full = max(credits, 0)

    def not_paid(code: str, **params) -> None:
        Award.objects.create(credits=0 if code.startswith("cap_") else full, status=Status.NOT_PAID,
                             cut_code=code, cut_params={"original": full, "paid": 0, **params}, **fields)
        return None

    if credits <= 0:
        return not_paid(Award.Cut.TOO_SHORT)
    if caused_by is not None and caused_by.pk == beneficiary.pk:
        return not_paid(Award.Cut.OWN_SOURCE)
    shared = side.firm_ids & cause.firm_ids if cause is not None else set()
    if shared:
        firm = next((f for f in (side.firm, cause.firm) if f is not None and f.pk in shared), None)
        name = firm.name if firm else Firm.objects.filter(pk__in=shared).values_list("name", flat=True).first()
        return not_paid(Award.Cut.SAME_FIRM, firm=name or "")

    funders = program_funders(program=program)
    if funders:
        pools = {f.agency_id: program_accounts(program=program, agency_id=f.agency_id)[1] for f in funders}
        # Wallets are made before any lock (as for a single pool), only at the agencies that may pay a part.
        wallets = {f.agency_id: wallet_for(user=beneficiary, agency=f.agency)
                   for f in _may_pay(funders, credits=credits, mode=program.split)}
        pool = pools[funders[0].agency_id]
        locked = accounts_lock(account_ids=[a.pk for a in (*pools.values(), *wallets.values())])
    else:
        _mint, pool = program_accounts(program=program)
        wallet = wallet_for(user=beneficiary, agency=program.agency)
        # The pool lock serialises every grant of this program: caps, patterns and the pool's reserve are exact.
        locked = accounts_lock(account_ids=[pool.pk, wallet.pk])
    live = Award.objects.filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE).first()
    if live is not None:
        return live
    credits, cut, cap = _capped(program=program, beneficiary=side, cause=cause, credits=credits, now=now)
    if credits <= 0:
        return not_paid(cut, cap=cap)
    if funders:
        # Each pool pays its part; each part is reserved in its pool while the award waits.
        parts = split_credits(credits, [(f.share, f.cap) for f in funders], program.split)
        reserved = dict(AwardShare.objects.filter(award__program=program, award__status=Status.PENDING)
                        .values_list("agency").annotate(total=Sum("credits")))
        for funder, part in zip(funders, parts, strict=True):
            if part and locked[pools[funder.agency_id].pk].balance - reserved.get(funder.agency_id, 0) < part:
                return not_paid(Award.Cut.POOL_EMPTY, original=credits)
    else:
        reserved = _live_sum(Award.objects.filter(program=program, status=Status.PENDING))
        if locked[pool.pk].balance - reserved < credits:
            return not_paid(Award.Cut.POOL_EMPTY, original=credits)
    flag, flag_params = _gaming_flag(program=program, beneficiary=side, cause=cause, now=now)
    award = Award.objects.create(
        credits=credits, status=Status.PENDING, flag_code=flag, flag_params=flag_params,
        cut_code=cut, cut_params={"original": full, "paid": credits, "cap": cap} if cut else {}, **fields,
    )
    if funders:
        shares = AwardShare.objects.bulk_create([
            AwardShare(award=award, agency_id=funder.agency_id, credits=part)
            for funder, part in zip(funders, parts, strict=True) if part
        ])
        if not required_agencies(award=award, funders=funders, shares=shares):
            _pay_shares(award=award, acting_user=None)
            announce_award_change(award=award, change="approved")
        elif flag:
            announce_award_change(award=award, change="flagged")
        return award
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
        memo=award.description, memo_params=reasons.award_sentence(award.kind, award.description_params),
    )
    award.status = Status.APPROVED
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["payment", "status", "decided_by", "decided_at"])


def _pay_shares(*, award: Award, acting_user: User | None) -> None:
    """Pays each funder's share of a co-funded award from its pool to the beneficiary's wallet at it.

    All the pools and wallets are locked in one go, in id order, after the award (the lock order)."""
    shares = list(award.shares.select_related("agency").order_by("pk"))
    pools = {s.agency_id: program_accounts(program=award.program, agency_id=s.agency_id)[1] for s in shares}
    wallets = {s.agency_id: wallet_for(user=award.beneficiary, agency=s.agency) for s in shares}
    locked = accounts_lock(account_ids=[a.pk for a in (*pools.values(), *wallets.values())])
    for share in shares:
        if locked[pools[share.agency_id].pk].balance < share.credits:
            raise ValidationError(_("%(agency)s's pool for this program does not hold enough credits for its share.")
                                  % {"agency": share.agency.name}, code="pool")
    for share in shares:
        share.payment = transfer_post(
            from_account=locked[pools[share.agency_id].pk], to_account=locked[wallets[share.agency_id].pk],
            amount=share.credits, kind="award", idempotency_key=f"award:{award.pk}:pay:{share.agency_id}",
            caused_by=award.caused_by, source_ref=award.source_ref, memo=award.description,
            memo_params=reasons.award_sentence(award.kind, award.description_params),
        )
        share.save(update_fields=["payment"])
    award.payment = shares[0].payment
    award.status = Status.APPROVED
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["payment", "status", "decided_by", "decided_at"])


def _reverse_shares(*, award: Award, reason: str, said: dict | str, acting_user: User | None) -> bool:
    """Reverses every share's payment; False (nothing done) when one wallet no longer holds its share."""
    shares = list(award.shares.select_related("payment").filter(payment__isnull=False).order_by("pk"))
    locked = accounts_lock(account_ids=[a for s in shares for a in (s.payment.from_account_id, s.payment.to_account_id)])
    if any(locked[s.payment.to_account_id].balance < s.credits for s in shares):
        return False
    for share in shares:
        share.reversal = transfer_reverse(
            original=share.payment, idempotency_key=f"award:{award.pk}:reverse:{share.agency_id}",
            caused_by=acting_user, memo=_("Reversed: %(reason)s") % {"reason": reason},
            memo_params=stored(N_("Reversed: %(reason)s"), reason=said),
        )
        share.save(update_fields=["reversal"])
    award.reversal = shares[0].reversal
    return True


def _tell_of_reversal(award: Award) -> None:
    """Plain email to the mentor, in their language, after the commit."""
    person = award.beneficiary

    def send():
        with translation.override(person.language or None):
            what = award.description_text
            subject = _("Credits reversed: %(what)s") % {"what": what[:80]}
            body = _(
                "Hello %(name)s,\n\nThe %(credits)s credits you received for “%(what)s” were reversed.\n"
                "Reason: %(reason)s\n\nYour statement: %(url)s\n"
            ) % {"name": person.display_name, "credits": award.credits, "what": what,
                 "reason": award.decision_text, "url": settings.SITE_URL + award.get_absolute_url()}
        send_mail(subject, body, None, [person.email], fail_silently=True)

    transaction.on_commit(send)


def _reverse(*, award: Award, reason: str, acting_user: User | None, said: dict | None = None) -> bool:
    """Reverses an approved award's payment; False when the wallet no longer holds the credits. `said` is
    the reason as a stored sentence when the code wrote it (shown in each reader's language), else the
    staff member's own words are kept as typed."""
    said = said or reason
    if award.shares.exists():
        if not _reverse_shares(award=award, reason=reason, said=said, acting_user=acting_user):
            return False
    else:
        _mint, pool = program_accounts(program=award.program)
        payment = award.payment
        locked = accounts_lock(account_ids=[pool.pk, payment.to_account_id])
        if locked[payment.to_account_id].balance < award.credits:
            return False
        award.reversal = transfer_reverse(
            original=payment, idempotency_key=f"award:{award.pk}:reverse", caused_by=acting_user,
            memo=_("Reversed: %(reason)s") % {"reason": reason},
            memo_params=stored(N_("Reversed: %(reason)s"), reason=said),
        )
    award.status = Status.REVERSED
    award.decision_reason = reason[:300]
    award.decision_params = said if isinstance(said, dict) else {}
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["reversal", "status", "decision_reason", "decision_params", "decided_by", "decided_at"])
    announce_award_change(award=award, change="reversed")
    _tell_of_reversal(award)
    return True


@transaction.atomic
def award_revoke(*, kind: str, source_ref: str, reason: str, acting_user: User | None = None) -> None:
    """The source no longer deserves credits (answer un-accepted, vote withdrawn, session disputed).

    `reason` is the caller's own sentence, an English msgid marked with gettext_noop: the audit log keeps
    it as a sentence (infra.words) and shows it in the reader's language."""
    award = (
        Award.objects.select_for_update(no_key=True, of=("self",))
        .filter(kind=kind, source_ref=source_ref, status__in=Award.LIVE)
        .select_related("program", "beneficiary")  # not the payment: see _staff_award
        .first()
    )
    if award is None:
        return
    said = stored(reason)
    if award.status == Status.PENDING:
        award.status = Status.CANCELLED
        award.decision_reason, award.decision_params = reason[:300], said
        award.decided_by, award.decided_at = acting_user, timezone.now()
        award.save(update_fields=["status", "decision_reason", "decision_params", "decided_by", "decided_at"])
        _audit(award=award, acting_user=acting_user, action="award.cancel", reason=reason, said=said,
               agency_ids=_share_agencies(award))
        return
    if _reverse(award=award, reason=reason, acting_user=acting_user, said=said):
        _audit(award=award, acting_user=acting_user, action="award.revoke", reason=reason, said=said,
               agency_ids=_share_agencies(award))
    else:
        # The mentor already redeemed the credits: the source's change must not fail, so staff decide.
        award.flag_code, award.flag_params = Award.Flag.REVOKED_SPENT, {"reason": said}
        award.save(update_fields=["flag_code", "flag_params"])
        _audit(award=award, acting_user=acting_user, action="award.revoke_unpaid", reason=reason, said=said)


def _staff_award(*, award_id: int, acting_user: User) -> Award:
    # The lock joins only rows that never change: after waiting for a lock PostgreSQL re-reads the locked
    # row alone, so a payment joined here could be the one from before an approval we waited for.
    award = Award.objects.select_for_update(no_key=True, of=("self",)).select_related("program", "beneficiary").filter(
        pk=award_id
    ).first()
    if award is None or not may_decide(user=acting_user, program=award.program):
        raise PermissionDenied(_("Only staff of the program's agencies can decide on its awards."))
    if award.beneficiary_id == acting_user.pk:
        raise PermissionDenied(_("Nobody can decide on their own award."))
    return award


def _audit(*, award: Award, acting_user: User | None, action: str, reason: str, agency_ids=None, change: str = "",
           said: dict | None = None) -> None:
    """Writes the decision to the log of the program's agency, or of each agency given (every funder of a
    co-funded award), with the code's reason as a sentence when there is one (`said`), and, with `change`,
    announces it (award_changed)."""
    data = {"award": award.pk, "credits": award.credits, "beneficiary": award.beneficiary_id}
    if said:
        data["reason_params"] = said
    AuditEntry.objects.bulk_create([
        AuditEntry(agency_id=agency_id, actor=acting_user, action=action,
                   target=f"award {award.pk}: {award.description}"[:200], reason=reason[:300], data=data)
        for agency_id in (agency_ids or [award.program.agency_id])
    ])
    if change:
        announce_award_change(award=award, change=change)


def _share_agencies(award: Award) -> list[int]:
    return list(award.shares.order_by("pk").values_list("agency_id", flat=True))


def _approve_share(*, award: Award, funders: list[ProgramFunder], acting_user: User, reason: str,
                   agency: Agency | None) -> Award:
    """One funder's approval of a co-funded award; the last required one pays every share.

    The approval counts for the first funder (in order, or the one given) that still has to approve and
    that the person works for. Nobody approves twice, so two agencies' approvals are two people's."""
    shares = list(award.shares.order_by("pk"))
    approvals = {a.agency_id: a.approved_by_id for a in award.approvals.all()}
    if acting_user.pk in approvals.values():
        raise PermissionDenied(_("You already approved this award for one agency: another person approves for the next."))
    required = required_agencies(award=award, funders=funders, shares=shares)
    waiting = [agency_id for agency_id in required if agency_id not in approvals
               and (agency is None or agency_id == agency.pk) and is_agency_staff(user=acting_user, agency_id=agency_id)]
    if not waiting:
        raise PermissionDenied(_("This award does not wait for your agency's approval."))
    AwardApproval.objects.create(award=award, agency_id=waiting[0], approved_by=acting_user)
    approvals[waiting[0]] = acting_user.pk
    final = all(agency_id in approvals for agency_id in required)
    if final:
        _pay_shares(award=award, acting_user=acting_user)
    if reason:
        award.decision_reason = reason[:300]
        award.save(update_fields=["decision_reason"])
    _audit(award=award, acting_user=acting_user, action="award.approve" if final else "award.approve_share",
           reason=reason, agency_ids=[s.agency_id for s in shares] if final else [waiting[0]],
           change="approved" if final else "")
    return award


def _award_to_decide(*, award: Award, acting_user: User, status: str, refused: str, reason: str = "",
                     reason_needed: str | None = None) -> Award:
    """The award locked for a staff decision, after the checks every one makes: a reason when one is
    needed, the acting person's right (_staff_award) and the status the decision starts from."""
    if reason_needed is not None and not reason.strip():
        raise ValidationError(reason_needed, code="reason")
    award = _staff_award(award_id=award.pk, acting_user=acting_user)
    if award.status != status:
        raise ValidationError(refused, code="status")
    return award


@transaction.atomic
def award_approve(*, award: Award, acting_user: User, reason: str = "", agency: Agency | None = None) -> Award:
    """Approves a waiting award. For a co-funded one this is the approval of one funder (`agency`, or the
    first the person works for that still has to approve); it is paid once every required one is given."""
    award = _award_to_decide(award=award, acting_user=acting_user, status=Status.PENDING,
                             refused=_("Only a waiting award can be approved."))
    if award.shares.exists():
        funders = list(ProgramFunder.objects.filter(program=award.program, accepted_at__isnull=False)
                       .order_by("position", "pk"))
        return _approve_share(award=award, funders=funders, acting_user=acting_user, reason=reason, agency=agency)
    _mint, pool = program_accounts(program=award.program)
    wallet = wallet_for(user=award.beneficiary, agency=award.program.agency)
    locked = accounts_lock(account_ids=[pool.pk, wallet.pk])
    _pay(award=award, pool=locked[pool.pk], wallet=locked[wallet.pk], acting_user=acting_user)
    if reason:
        award.decision_reason = reason[:300]
        award.save(update_fields=["decision_reason"])
    _audit(award=award, acting_user=acting_user, action="award.approve", reason=reason, change="approved")
    return award


@transaction.atomic
def award_reject(*, award: Award, acting_user: User, reason: str) -> Award:
    """Rejects a waiting award. A co-funded one may be rejected by the staff of any funder whose approval it
    needs (`required_agencies`), as the console offers; a funder that leaves the review to the others may not."""
    award = _award_to_decide(award=award, acting_user=acting_user, status=Status.PENDING, reason=reason,
                             refused=_("Only a waiting award can be rejected."),
                             reason_needed=_("Say why the award is rejected."))
    shares = list(award.shares.all())
    if shares:
        funders = list(ProgramFunder.objects.filter(program=award.program, accepted_at__isnull=False))
        required = required_agencies(award=award, funders=funders, shares=shares)
        if not any(is_agency_staff(user=acting_user, agency_id=agency_id) for agency_id in required):
            raise PermissionDenied(_("This award does not wait for your agency's decision."))
    award.status = Status.REJECTED
    award.decision_reason = reason[:300]
    award.decided_by, award.decided_at = acting_user, timezone.now()
    award.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    _audit(award=award, acting_user=acting_user, action="award.reject", reason=reason,
           agency_ids=_share_agencies(award), change="rejected")
    return award


@transaction.atomic
def award_reverse(*, award: Award, acting_user: User, reason: str) -> Award:
    award = _award_to_decide(award=award, acting_user=acting_user, status=Status.APPROVED, reason=reason,
                             refused=_("Only an approved award can be reversed."),
                             reason_needed=_("Say why the award is reversed."))
    if not _reverse(award=award, reason=reason, acting_user=acting_user):
        raise ValidationError(
            _("The mentor's wallet no longer holds these credits; they were already redeemed."), code="spent"
        )
    _audit(award=award, acting_user=acting_user, action="award.reverse", reason=reason,
           agency_ids=_share_agencies(award))
    return award
