"""Staff and member writes of the incentive ledger: programs, funding, redemptions, catalog.

Each is one transaction, checks rights inside (PermissionDenied) and rules (ValidationError), and
records staff actions in the audit log. Award decisions are in `incentives.awards` and re-exported here.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from clusters.models import Agency, Cluster, User
from incentives.awards import award_approve, award_reject, award_reverse, is_agency_staff  # noqa: F401
from incentives.ledger import accounts_lock, agency_account, program_accounts, transfer_post, wallet_for
from incentives.models import Account, AuditEntry, Award, CatalogItem, Program, ProgramFunder, Redemption, Transfer
from incentives.signals import announce_agency_event
from infra.ratelimit import rate_limit
from infra.words import stored


def _require_staff(*, user: User, agency: Agency) -> None:
    if not is_agency_staff(user=user, agency_id=agency.pk):
        raise PermissionDenied(_("Only staff of this agency can do that."))


def audit(*, agency: Agency, actor: User | None, action: str, target: str, reason: str = "", **data) -> AuditEntry:
    return AuditEntry.objects.create(agency=agency, actor=actor, action=action, target=target[:200],
                                     reason=reason[:300], data=data)


@transaction.atomic
def program_create(
    *, agency: Agency, acting_user: User, name: str, clusters: list[Cluster], starts_on: datetime.date,
    ends_on: datetime.date | None = None, budget: int = 0, description: str = "",
    rate_accepted_answer: int = 0, rate_mentoring_hour: int = 0, rate_helpful_vote: int = 0,
    rate_library_entry: int = 0, cap_mentor_day: int = 0, cap_mentor_month: int = 0, cap_pair_month: int = 0, auto_approve: bool = False,
    reason: str = "",
) -> Program:
    _require_staff(user=acting_user, agency=agency)
    # A program that pays no credits (export credit, a trade-fair delegation) is one firms are referred
    # to: it needs no cluster.
    pays = any((rate_accepted_answer, rate_mentoring_hour, rate_helpful_vote, rate_library_entry))
    if not clusters and pays:
        raise ValidationError(_("A program covers at least one cluster."), code="clusters")
    foreign = [c for c in clusters if c.agency_id != agency.pk]
    if foreign:
        raise ValidationError(
            _("%(cluster)s is not sponsored by this agency.") % {"cluster": foreign[0].name}, code="clusters"
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(_("The program cannot end before it starts."), code="dates")
    program = Program.objects.create(
        agency=agency, name=name, description=description, budget=budget, starts_on=starts_on, ends_on=ends_on,
        rate_accepted_answer=rate_accepted_answer, rate_mentoring_hour=rate_mentoring_hour,
        rate_helpful_vote=rate_helpful_vote, rate_library_entry=rate_library_entry,
        cap_mentor_day=cap_mentor_day, cap_mentor_month=cap_mentor_month,
        cap_pair_month=cap_pair_month, auto_approve=auto_approve, created_by=acting_user,
    )
    program.clusters.set(clusters)
    program_accounts(program=program)
    audit(agency=agency, actor=acting_user, action="program.create", target=f"program {program.pk}: {name}",
          reason=reason, program=program.pk, budget=budget)
    return program


def _funder_agency_ids(program: Program) -> list[int]:
    """The program's agency and its accepted co-funders."""
    return [program.agency_id, *ProgramFunder.objects.filter(program=program, accepted_at__isnull=False)
            .exclude(agency_id=program.agency_id).values_list("agency_id", flat=True)]


@transaction.atomic
def program_fund(*, program: Program, acting_user: User, amount: int, reason: str = "",
                 idempotency_key: str = "", agency: Agency | None = None) -> Transfer:
    """Moves credits mint → pool of one funding agency (the program's own when not given); never beyond the
    program's budget, counted over every funder's mint (all locked). A form's key makes a double submit safe."""
    agency = agency or program.agency
    _require_staff(user=acting_user, agency=agency)
    funder_ids = _funder_agency_ids(program)
    if agency.pk not in funder_ids:
        raise PermissionDenied(_("This agency does not fund this program."))
    mint, pool = program_accounts(program=program, agency_id=agency.pk)
    mints = [program_accounts(program=program, agency_id=a)[0] for a in funder_ids if a != agency.pk]
    locked = accounts_lock(account_ids=[mint.pk, pool.pk, *(m.pk for m in mints)])
    key = f"program:{program.pk}:fund:{idempotency_key or uuid.uuid4().hex}"
    if not Transfer.objects.filter(idempotency_key=key).exists():
        funded = -sum(locked[m.pk].balance for m in (mint, *mints))
        if program.budget and funded + amount > program.budget:
            raise ValidationError(
                _("That would fund %(total)s credits, beyond the budget of %(budget)s.")
                % {"total": funded + amount, "budget": program.budget}, code="budget",
            )
    transfer = transfer_post(
        from_account=locked[mint.pk], to_account=locked[pool.pk], amount=amount, kind=Transfer.Kind.FUND,
        idempotency_key=key, caused_by=acting_user, source_ref=f"incentives.program:{program.pk}",
        memo=reason or _("Funding of %(program)s") % {"program": program.name},
        memo_params={} if reason else stored(N_("Funding of %(program)s"), program=program.name),
    )
    if not AuditEntry.objects.filter(action="program.fund", data__transfer=transfer.pk).exists():
        audit(agency=agency, actor=acting_user, action="program.fund",
              target=f"program {program.pk}: {program.name}", reason=reason, transfer=transfer.pk, amount=amount)
    return transfer


@transaction.atomic
def program_funder_set(*, program: Program, agency: Agency, acting_user: User, share: int = 1, cap: int | None = None,
                       requires_approval: bool = True, split: str = "") -> ProgramFunder:
    """The program's agency adds a co-funder or changes a funder's terms (and, with `split`, how awards are
    split). A partner's new or changed terms wait for its staff to accept them (`program_funder_accept`);
    until then its pool pays nothing. The program's agency gets its own row, accepted, when the first
    partner is added (its approval rule then follows `auto_approve`)."""
    _require_staff(user=acting_user, agency=program.agency)
    program = Program.objects.select_for_update(no_key=True).get(pk=program.pk)
    if split:
        if split not in Program.Split.values:
            raise ValidationError(_("Choose how awards are split."), code="split")
        program.split = split
        program.save(update_fields=["split"])
    if share < 0 or (cap is not None and cap < 0):
        raise ValidationError(_("Shares and caps are whole numbers from 0."), code="share")
    now = timezone.now()
    lead, _created = ProgramFunder.objects.get_or_create(
        program=program, agency=program.agency,
        defaults={"position": 0, "requires_approval": not program.auto_approve, "accepted_at": now,
                  "accepted_by": acting_user},
    )
    funder = lead if agency.pk == program.agency_id else ProgramFunder.objects.filter(program=program, agency=agency).first()
    if funder is None:
        last = ProgramFunder.objects.filter(program=program).order_by("-position").values_list("position", flat=True)
        funder = ProgramFunder(program=program, agency=agency, position=(last.first() or 0) + 1)
    funder.share, funder.cap, funder.requires_approval = share, cap, requires_approval
    if funder.agency_id != program.agency_id:
        funder.accepted_at, funder.accepted_by = None, None  # new terms: the partner agrees again
    funder.save()
    for each in {program.agency, agency}:
        audit(agency=each, actor=acting_user, action="program.funder_set",
              target=f"program {program.pk}: {program.name}", program=program.pk, funder=agency.pk, share=share,
              cap=cap, requires_approval=requires_approval, split=program.split)
    return funder


@transaction.atomic
def program_funder_accept(*, funder: ProgramFunder, acting_user: User) -> ProgramFunder:
    """A partner agency's staff accept the terms: from now on its pool pays its share of new awards."""
    funder = ProgramFunder.objects.select_for_update(no_key=True).select_related("program", "program__agency",
                                                                                 "agency").get(pk=funder.pk)
    _require_staff(user=acting_user, agency=funder.agency)
    if funder.accepted_at is None:
        funder.accepted_at, funder.accepted_by = timezone.now(), acting_user
        funder.save(update_fields=["accepted_at", "accepted_by"])
        for each in {funder.program.agency, funder.agency}:
            audit(agency=each, actor=acting_user, action="program.funder_accept",
                  target=f"program {funder.program_id}: {funder.program.name}", program=funder.program_id,
                  funder=funder.agency_id, share=funder.share, cap=funder.cap)
    return funder


@transaction.atomic
def catalog_item_save(*, agency: Agency, acting_user: User, kind: str, name: str, price: int, stock: int | None,
                      description: str = "", valid_from: datetime.date | None = None,
                      valid_until: datetime.date | None = None, item: CatalogItem | None = None) -> CatalogItem:
    """Adds or changes a benefit. `stock` None means no limit; the validity dates are inclusive."""
    _require_staff(user=acting_user, agency=agency)
    if item is None:
        item = CatalogItem(agency=agency)
    elif item.agency_id != agency.pk:
        raise PermissionDenied(_("Only staff of this agency can do that."))
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError(_("A benefit cannot stop being offered before it starts."), code="dates")
    item.kind, item.name, item.price, item.stock, item.description = kind, name, price, stock, description
    item.valid_from, item.valid_until = valid_from, valid_until
    item.full_clean()
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # The same name saved by someone else a moment ago: now that it is committed, the checks above
        # give the answer a later save would get.
        item.full_clean()
        raise
    audit(agency=agency, actor=acting_user, action="catalog.save", target=f"item {item.pk}: {name}",
          price=price, stock=stock, valid_from=valid_from and valid_from.isoformat(),
          valid_until=valid_until and valid_until.isoformat())
    return item


def redemption_balance_after(*, item: CatalogItem, wallet: Account | None) -> int:
    """What the wallet would hold after requesting the item (negative: it does not hold enough)."""
    return (wallet.balance if wallet is not None else 0) - item.price


@transaction.atomic
def redemption_request(*, item: CatalogItem, person: User, idempotency_key: str = "") -> Redemption:
    """Moves the price wallet → hold and takes one from the stock (both locked, stock first).

    Refused when the item is not offered today (inactive, before or after its dates), out of stock, or
    when the person already waits for the same item. The item's row lock serialises every request for
    it, so the stock is taken exactly and a second identical request made at the same moment is refused.
    """
    if not person.is_authenticated:
        raise PermissionDenied(_("Sign in to redeem credits."))
    # The item row is locked before the accounts, always in this order.
    item = CatalogItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    key = f"redeem:{person.pk}:{idempotency_key or uuid.uuid4().hex}"
    existing = Redemption.objects.filter(request_transfer__idempotency_key=key).first()
    if existing is not None:
        return existing  # a double submit of the same confirmation
    if not item.is_active:
        raise ValidationError(_("This benefit is no longer offered."), code="inactive")
    today = timezone.localdate()
    if item.valid_from and today < item.valid_from:
        raise ValidationError(_("“%(item)s” is offered from %(date)s.")
                              % {"item": item.name, "date": date_format(item.valid_from)}, code="not_yet")
    if item.valid_until and item.valid_until < today:
        raise ValidationError(_("“%(item)s” was offered until %(date)s.")
                              % {"item": item.name, "date": date_format(item.valid_until)}, code="expired")
    if not item.in_stock:
        raise ValidationError(_("“%(item)s” is out of stock.") % {"item": item.name}, code="stock")
    if Redemption.objects.filter(item=item, person=person, status=Redemption.Status.REQUESTED).exists():
        raise ValidationError(
            _("You already asked for “%(item)s”: the agency has not answered that request yet.")
            % {"item": item.name}, code="duplicate",
        )
    rate_limit(action="redemption", user=person)  # only requests that would go through count
    wallet = wallet_for(user=person, agency=item.agency)
    hold = agency_account(agency=item.agency, kind=Account.Kind.HOLD)
    transfer = transfer_post(
        from_account=wallet, to_account=hold, amount=item.price, kind=Transfer.Kind.REDEEM_REQUEST,
        idempotency_key=key, caused_by=person, source_ref=f"incentives.item:{item.pk}",
        memo=_("Requested: %(item)s") % {"item": item.name},
        memo_params=stored(N_("Requested: %(item)s"), item=item.name),
    )
    if item.stock is not None:
        CatalogItem.objects.filter(pk=item.pk).update(stock=F("stock") - 1)
    redemption = Redemption.objects.create(item=item, person=person, credits=item.price, request_transfer=transfer)
    announce_agency_event(agency_id=item.agency_id, event="redemption.requested", ids={"redemption": redemption.pk})
    return redemption


def _staff_redemption(*, redemption: Redemption, acting_user: User) -> Redemption:
    redemption = Redemption.objects.select_for_update(no_key=True, of=("self",)).select_related("item", "item__agency").get(pk=redemption.pk)
    _require_staff(user=acting_user, agency=redemption.item.agency)
    if redemption.person_id == acting_user.pk:
        raise PermissionDenied(_("Nobody can decide on their own redemption."))
    if redemption.status != Redemption.Status.REQUESTED:
        raise ValidationError(_("This redemption was already decided."), code="status")
    return redemption


@transaction.atomic
def redemption_approve(*, redemption: Redemption, acting_user: User, reason: str = "") -> Redemption:
    redemption = _staff_redemption(redemption=redemption, acting_user=acting_user)
    agency = redemption.item.agency
    hold = agency_account(agency=agency, kind=Account.Kind.HOLD)
    sink = agency_account(agency=agency, kind=Account.Kind.REDEEMED)
    redemption.settle_transfer = transfer_post(
        from_account=hold, to_account=sink, amount=redemption.credits, kind=Transfer.Kind.REDEEM_APPROVE,
        idempotency_key=f"redemption:{redemption.pk}:settle", caused_by=acting_user,
        source_ref=f"incentives.redemption:{redemption.pk}",
        memo=_("Redeemed: %(item)s") % {"item": redemption.item.name},
        memo_params=stored(N_("Redeemed: %(item)s"), item=redemption.item.name),
    )
    redemption.status = Redemption.Status.APPROVED
    redemption.decided_by, redemption.decided_at, redemption.decision_reason = acting_user, timezone.now(), reason
    redemption.save(update_fields=["settle_transfer", "status", "decided_by", "decided_at", "decision_reason"])
    audit(agency=agency, actor=acting_user, action="redemption.approve",
          target=f"redemption {redemption.pk}: {redemption.item.name}", reason=reason, redemption=redemption.pk)
    return redemption


@transaction.atomic
def redemption_reject(*, redemption: Redemption, acting_user: User, reason: str) -> Redemption:
    if not reason.strip():
        raise ValidationError(_("Say why the redemption is rejected."), code="reason")
    redemption = _staff_redemption(redemption=redemption, acting_user=acting_user)
    agency = redemption.item.agency
    CatalogItem.objects.filter(pk=redemption.item_id, stock__isnull=False).update(stock=F("stock") + 1)
    hold = agency_account(agency=agency, kind=Account.Kind.HOLD)
    wallet = wallet_for(user=redemption.person, agency=agency)
    redemption.settle_transfer = transfer_post(
        from_account=hold, to_account=wallet, amount=redemption.credits, kind=Transfer.Kind.REDEEM_REJECT,
        idempotency_key=f"redemption:{redemption.pk}:settle", caused_by=acting_user,
        source_ref=f"incentives.redemption:{redemption.pk}",
        memo=_("Returned (%(item)s): %(reason)s") % {"item": redemption.item.name, "reason": reason},
        memo_params=stored(N_("Returned (%(item)s): %(reason)s"), item=redemption.item.name, reason=reason),
    )
    redemption.status = Redemption.Status.REJECTED
    redemption.decided_by, redemption.decided_at, redemption.decision_reason = acting_user, timezone.now(), reason
    redemption.save(update_fields=["settle_transfer", "status", "decided_by", "decided_at", "decision_reason"])
    audit(agency=agency, actor=acting_user, action="redemption.reject",
          target=f"redemption {redemption.pk}: {redemption.item.name}", reason=reason, redemption=redemption.pk)
    return redemption


@transaction.atomic
def redemption_fulfil(*, redemption: Redemption, acting_user: User, voucher_code: str = "", reference: str = "",
                      note: str = "") -> Redemption:
    """Staff record what the person was given for an approved redemption (a voucher code, a booking
    reference, a note); the person sees it in their wallet. A later call corrects it; each is audited."""
    redemption = Redemption.objects.select_for_update(of=("self",)).select_related("item", "item__agency").get(
        pk=redemption.pk)
    _require_staff(user=acting_user, agency=redemption.item.agency)
    if redemption.person_id == acting_user.pk:
        raise PermissionDenied(_("Nobody can decide on their own redemption."))
    if redemption.status != Redemption.Status.APPROVED:
        raise ValidationError(_("Only an approved redemption can be fulfilled."), code="status")
    voucher_code, reference, note = voucher_code.strip()[:120], reference.strip()[:120], note.strip()[:500]
    if not (voucher_code or reference or note):
        raise ValidationError(_("Say what was given: a voucher code, a reference or a note."), code="empty")
    redemption.voucher_code, redemption.reference, redemption.fulfilment_note = voucher_code, reference, note
    redemption.fulfilled_by, redemption.fulfilled_at = acting_user, timezone.now()
    redemption.save(update_fields=["voucher_code", "reference", "fulfilment_note", "fulfilled_by", "fulfilled_at"])
    audit(agency=redemption.item.agency, actor=acting_user, action="redemption.fulfil",
          target=f"redemption {redemption.pk}: {redemption.item.name}", reason=note, redemption=redemption.pk,
          voucher_code=voucher_code, reference=reference)
    return redemption


@dataclass
class BulkOutcome:
    """What a bulk decision did: the awards decided and, for each one that was not, why."""

    done: list[Award] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


MAX_BULK_AWARDS = 200


def awards_decide_bulk(*, agency: Agency, award_ids: list[int], acting_user: User, decision: str,
                       reason: str = "") -> BulkOutcome:
    """Approves or rejects several awards with one reason, each in its own transaction through
    award_approve / award_reject (same rights, ledger and audit as one at a time), so one that fails
    leaves the others decided. A flagged award is never approved in bulk: it needs its own look.

    Call it outside a transaction (a view does): a failure inside one would otherwise undo the rest.
    """
    _require_staff(user=acting_user, agency=agency)
    if decision not in ("approve", "reject"):
        raise ValidationError(_("Choose to approve or to reject."), code="decision")
    if decision == "reject" and not reason.strip():
        raise ValidationError(_("Say why the awards are rejected."), code="reason")
    ids = list(dict.fromkeys(int(i) for i in award_ids))[:MAX_BULK_AWARDS]
    funded = Program.objects.filter(Q(agency=agency) | Q(funders__agency=agency)).values("pk")
    awards = {a.pk: a for a in Award.objects.filter(pk__in=ids, program__in=funded).select_related("beneficiary")}
    outcome = BulkOutcome()
    for award_id in ids:
        award = awards.get(award_id)
        if award is None:
            outcome.failed.append((award_id, _("No such award in this agency.")))
            continue
        if decision == "approve" and award.flag_code:
            outcome.failed.append((award_id, _("Flagged: decide on it on its own. %(why)s") % {"why": award.flag_text}))
            continue
        try:
            if decision == "approve":
                outcome.done.append(award_approve(award=award, acting_user=acting_user, reason=reason, agency=agency))
            else:
                outcome.done.append(award_reject(award=award, acting_user=acting_user, reason=reason))
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            outcome.failed.append((award_id, message))
    return outcome
