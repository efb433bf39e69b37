"""Reads shared by the wallet and the agency console; fixed query counts; outsiders get 404."""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clusters.models import Agency, Cluster, User
from incentives.models import (
    Account,
    AuditEntry,
    Award,
    AwardApproval,
    AwardShare,
    CatalogItem,
    Program,
    ProgramFunder,
    Redemption,
    Referral,
    Transfer,
)


def agencies_for_staff(*, user: User) -> QuerySet[Agency]:
    if user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(staff=user)


def agency_for_staff(*, user: User, slug: str) -> Agency:
    """The agency, if this person works there; otherwise the same 404 as a missing agency: 1 query."""
    if not user.is_authenticated:
        raise Http404
    agency = agencies_for_staff(user=user).filter(slug=slug).first()
    if agency is None:
        raise Http404
    return agency


def funded_program_ids(*, agency: Agency) -> QuerySet:
    """The programs the agency runs or co-funds, as a subquery of ids."""
    return Program.objects.filter(Q(agency=agency) | Q(funders__agency=agency)).values("pk")


def clusters_funded(*, agency: Agency) -> QuerySet[Cluster]:
    """The clusters the agency sponsors and those covered by the programs it co-funds (its filters' choices)."""
    return Cluster.objects.filter(Q(agency=agency) | Q(programs__in=funded_program_ids(agency=agency))).distinct()


def programs_funded(*, agency: Agency) -> QuerySet[Program]:
    """The programs the agency runs or co-funds."""
    return Program.objects.filter(pk__in=funded_program_ids(agency=agency))


def agency_awards_q(*, agency: Agency) -> Q:
    """Awards of the programs the agency runs, and those of co-funded programs it pays a part of."""
    return Q(program__agency=agency) | Q(pk__in=AwardShare.objects.filter(agency=agency).values("award_id"))


def awaiting_agency_q(agency_id) -> Q:
    """Waiting awards whose decision waits for the agency (its id, or `OuterRef` to it from the query one
    level up): those of its programs that nobody else pays a part of, and co-funded ones it pays a part of
    whose rule asks for its approval (`incentives.awards.required_agencies`) that it has not given yet.
    tests/incentives/test_cofunded_console.py checks it against the console, which applies that rule."""
    inner = OuterRef(agency_id) if isinstance(agency_id, OuterRef) else agency_id
    shares = AwardShare.objects.filter(award=OuterRef("pk"))
    reviewing = ProgramFunder.objects.filter(program=OuterRef("program"), agency=inner, accepted_at__isnull=False)
    return Q(status=Award.Status.PENDING) & (
        (Q(program__agency=agency_id) & ~Exists(shares))
        | (Exists(shares.filter(agency=inner))
           & (Exists(reviewing.filter(requires_approval=True)) | (~Q(flag_code="") & Exists(reviewing)))
           & ~Exists(AwardApproval.objects.filter(award=OuterRef("pk"), agency=inner)))
    )


def programs_with_pools(*, agency: Agency) -> list[Program]:
    """Programs the agency runs or co-funds, with its own pool and mint balances and award counts: 2 queries."""
    programs = list(
        Program.objects.filter(pk__in=funded_program_ids(agency=agency))
        .annotate(
            pending=Count("awards", filter=Q(awards__status=Award.Status.PENDING), distinct=True),
        )
        .prefetch_related("clusters")
        .order_by("-starts_on", "name")
    )
    balances = {
        (row["program_id"], row["kind"]): row["balance"]
        for row in Account.objects.filter(program__in=programs, agency=agency).values("program_id", "kind", "balance")
    } if programs else {}
    for program in programs:
        program.pool_balance = balances.get((program.pk, Account.Kind.POOL), 0)
        program.funded = -balances.get((program.pk, Account.Kind.MINT), 0)
    return programs


def program_for_staff(*, agency: Agency, program_id: int) -> Program:
    program = (Program.objects.filter(pk__in=funded_program_ids(agency=agency), pk=program_id)
               .select_related("agency").prefetch_related("clusters").first())
    if program is None:
        raise Http404
    return program


def program_funders_with_pools(*, program: Program) -> list[ProgramFunder]:
    """A co-funded program's funders with what each funded, holds and paid in awards ([] when its agency
    pays alone): 3 queries."""
    funders = list(ProgramFunder.objects.filter(program=program).select_related("agency").order_by("position", "pk"))
    if not funders:
        return []
    balances = {(row["agency_id"], row["kind"]): row["balance"]
                for row in Account.objects.filter(program=program).values("agency_id", "kind", "balance")}
    paid = dict(AwardShare.objects.filter(award__program=program, payment__isnull=False, reversal__isnull=True)
                .values_list("agency_id").annotate(total=Sum("credits")))
    for funder in funders:
        funder.funded = -balances.get((funder.agency_id, Account.Kind.MINT), 0)
        funder.pool_balance = balances.get((funder.agency_id, Account.Kind.POOL), 0)
        funder.paid = paid.get(funder.agency_id, 0)
    return funders


def awards_for_agency(*, agency: Agency, status: str = "") -> QuerySet[Award]:
    """Awards of the programs the agency runs, and of co-funded ones it pays a part of; `agency_share` is what
    the agency pays of a co-funded one (None for an award its program's agency pays alone)."""
    awards = Award.objects.filter(agency_awards_q(agency=agency)).select_related(
        "program", "beneficiary", "caused_by", "cluster", "decided_by"
    ).annotate(
        agency_share=Subquery(AwardShare.objects.filter(award=OuterRef("pk"), agency=agency).values("credits")[:1]),
        cofunded=Exists(AwardShare.objects.filter(award=OuterRef("pk"))),
        approved_here=Exists(AwardApproval.objects.filter(award=OuterRef("pk"), agency=agency)),
    )
    if status:
        awards = awards.filter(status=status)
    return awards


def awards_pending_for_agency(*, agency: Agency) -> QuerySet[Award]:
    # Flagged ones first: they are why the queue exists.
    return awards_for_agency(agency=agency, status=Award.Status.PENDING).order_by(
        Case(When(flag_code="", then=1), default=0), "created_at", "pk"
    )


def awards_queue_for_agency(*, agency: Agency, status: str = "pending", date_from=None, date_to=None,
                            cluster_id: int | None = None, program_id: int | None = None,
                            marked: str = "") -> QuerySet[Award]:
    """The review queue with its filters: status, the period of the work (inclusive dates), cluster,
    program, and marked = "flagged" / "cut" / "clean". Waiting awards come flagged first, then oldest
    work first; decided ones newest work first."""
    awards = awards_for_agency(agency=agency, status=status)
    if date_from:
        awards = awards.filter(work_date__gte=date_from)
    if date_to:
        awards = awards.filter(work_date__lte=date_to)
    if cluster_id:
        awards = awards.filter(cluster_id=cluster_id)
    if program_id:
        awards = awards.filter(program_id=program_id)
    if marked == "flagged":
        awards = awards.exclude(flag_code="")
    elif marked == "cut":
        awards = awards.exclude(cut_code="")
    elif marked == "clean":
        awards = awards.filter(flag_code="", cut_code="")
    if status == Award.Status.PENDING:
        return awards.order_by(Case(When(flag_code="", then=1), default=0), "work_date", "created_at", "pk")
    return awards.order_by("-work_date", "-created_at", "-pk")


def awards_with_approval_state(*, awards, agency: Agency, user: User) -> list[Award]:
    """The awards of a page (from `awards_for_agency`), each with what the agency's staff member may do:
    `awaited_here` (this agency's approval is awaited and this person may give it: the page offers Approve
    and Reject), `required_here` (the award needs this agency's approval at all), `approved_by_me` (the person
    approved it, perhaps for another agency) and `waiting_for` (the names of the funders whose approval is
    still awaited). The rule is `incentives.awards.required_agencies`, the one the service applies.
    0 queries for a page without waiting co-funded awards; 3 otherwise (shares, funders, approvals)."""
    from incentives.awards import required_agencies

    awards = list(awards)
    cofunded = [a for a in awards if a.status == Award.Status.PENDING and getattr(a, "cofunded", False)]
    ids = {a.pk for a in cofunded}
    shares, funders, approvals = {}, {}, {}
    if cofunded:
        for share in AwardShare.objects.filter(award_id__in=ids).only("pk", "award_id", "agency_id", "credits"):
            shares.setdefault(share.award_id, []).append(share)
        for funder in (ProgramFunder.objects.filter(program_id__in={a.program_id for a in cofunded},
                                                    accepted_at__isnull=False)
                       .select_related("agency").order_by("position", "pk")):
            funders.setdefault(funder.program_id, []).append(funder)
        for award_id, agency_id, approved_by_id in AwardApproval.objects.filter(award_id__in=ids).values_list(
                "award_id", "agency_id", "approved_by_id"):
            approvals.setdefault(award_id, {})[agency_id] = approved_by_id
    for award in awards:
        award.waiting_for, award.approved_by_me = [], False
        own = award.beneficiary_id == user.pk
        if award.status != Award.Status.PENDING:
            award.awaited_here = award.required_here = False
        elif award.pk not in ids:
            award.required_here, award.awaited_here = True, not own
        else:
            program_funders = funders.get(award.program_id, [])
            required = required_agencies(award=award, funders=program_funders, shares=shares.get(award.pk, []))
            given = approvals.get(award.pk, {})
            names = {f.agency_id: f.agency.name for f in program_funders}
            award.waiting_for = [names[a] for a in required if a not in given]
            award.approved_by_me = user.pk in given.values()
            award.required_here = agency.pk in required
            award.awaited_here = (award.required_here and agency.pk not in given and not award.approved_by_me
                                  and not own)
    return awards


def queue_filter_choices(*, agency: Agency) -> dict:
    """The agency's clusters and programs for the queue's filters: 2 queries."""
    return {
        "clusters": list(clusters_funded(agency=agency).order_by("name").values_list("pk", "name")),
        "programs": list(programs_funded(agency=agency).order_by("-starts_on", "name").values_list("pk", "name")),
    }


def award_for_staff(*, agency: Agency, award_id: int) -> Award:
    award = awards_for_agency(agency=agency).filter(pk=award_id).first()
    if award is None:
        raise Http404
    return award


def redemptions_for_agency(*, agency: Agency, status: str = "") -> QuerySet[Redemption]:
    redemptions = Redemption.objects.filter(item__agency=agency).select_related("item", "person", "decided_by")
    if status:
        redemptions = redemptions.filter(status=status)
    return redemptions


def redemption_for_staff(*, agency: Agency, redemption_id: int) -> Redemption:
    redemption = redemptions_for_agency(agency=agency).filter(pk=redemption_id).first()
    if redemption is None:
        raise Http404
    return redemption


def queue_counts(*, agency: Agency) -> dict:
    """Awards waiting for the agency's decision (and how many flagged) and redemptions: 2 queries."""
    awards = Award.objects.filter(awaiting_agency_q(agency.pk)).aggregate(
        pending=Count("pk"), flagged=Count("pk", filter=~Q(flag_code=""))
    )
    redemptions = Redemption.objects.filter(item__agency=agency, status=Redemption.Status.REQUESTED).count()
    return {**awards, "redemptions": redemptions}


def transfers_for_agency(*, agency: Agency, kind: str = "", account_kind: str = "", q: str = "",
                         date_from=None, date_to=None) -> QuerySet[Transfer]:
    transfers = Transfer.objects.filter(from_account__agency=agency).select_related(
        "from_account", "from_account__owner", "from_account__program",
        "to_account", "to_account__owner", "to_account__program", "caused_by",
    )
    if kind:
        transfers = transfers.filter(kind=kind)
    if account_kind:
        transfers = transfers.filter(Q(from_account__kind=account_kind) | Q(to_account__kind=account_kind))
    if q:
        transfers = transfers.filter(
            Q(source_ref__icontains=q) | Q(memo__icontains=q) | Q(from_account__owner__email__icontains=q)
            | Q(to_account__owner__email__icontains=q)
        )
    if date_from:
        transfers = transfers.filter(created_at__date__gte=date_from)
    if date_to:
        transfers = transfers.filter(created_at__date__lte=date_to)
    return transfers.order_by("-id")


def audit_for_agency(*, agency: Agency) -> QuerySet[AuditEntry]:
    """The agency's log, newest first, each award entry with its award's kind and description parameters
    (AuditEntry.target_text words them in the reader's language), in the same query as the entries."""
    award = Award.objects.filter(pk=Cast(KeyTextTransform("award", OuterRef("data")), IntegerField()))
    return (
        AuditEntry.objects.filter(agency=agency).select_related("actor")
        .annotate(award_kind=Subquery(award.values("kind")[:1]),
                  award_params=Subquery(award.values("description_params")[:1]))
        .order_by("-created_at", "-id")
    )


# ---- The person's side --------------------------------------------------------------------------

def wallets_of(*, user: User) -> list[Account]:
    return list(Account.objects.filter(owner=user, kind=Account.Kind.WALLET).select_related("agency").order_by("agency__name"))


def wallet_of(*, user: User, agency: Agency) -> Account | None:
    return Account.objects.filter(owner=user, agency=agency, kind=Account.Kind.WALLET).first()


def redemption_problem(*, item: CatalogItem, user: User, wallet: Account | None, today=None) -> str:
    """Why this person cannot request the item now ('' when they can), in the active language: 1 query.
    The service checks the same again under its locks."""
    today = today or timezone.localdate()
    if not item.is_valid_on(today):
        if item.valid_from and today < item.valid_from:
            return _("“%(item)s” is offered from %(date)s.") % {"item": item.name, "date": date_format(item.valid_from)}
        return _("“%(item)s” was offered until %(date)s.") % {"item": item.name, "date": date_format(item.valid_until)}
    if not item.in_stock:
        return _("“%(item)s” is out of stock.") % {"item": item.name}
    if Redemption.objects.filter(item=item, person=user, status=Redemption.Status.REQUESTED).exists():
        return _("You already asked for “%(item)s”: the agency has not answered that request yet.") % {
            "item": item.name}
    if (wallet.balance if wallet else 0) < item.price:
        return _("Your wallet does not hold enough credits for this.")
    return ""


def statement(*, wallet: Account) -> QuerySet[Transfer]:
    """The wallet's transfers, newest first, each with its signed amount and the running balance after it.
    The running balance is a window over all of the wallet's transfers, so a page of it is one query."""
    signed = Case(When(to_account=wallet, then=F("amount")), default=-F("amount"))
    return (
        Transfer.objects.filter(Q(from_account=wallet) | Q(to_account=wallet))
        # The award a payment is for, in the same query: its line says which cap cut it or why it was flagged.
        .select_related("award")
        .annotate(signed=signed, running=Window(Sum(signed), order_by=F("id").asc()))
        .order_by("-id")
    )


def awards_unpaid_of(*, user: User, agency: Agency, limit: int = 10) -> list[Award]:
    """The person's latest awards of this agency that wait for review or paid nothing, with why: 1 query."""
    return list(
        Award.objects.filter(beneficiary=user, program__agency=agency,
                             status__in=[Award.Status.PENDING, Award.Status.NOT_PAID])
        .order_by("-created_at", "-id")[:limit]
    )


def catalog_of(*, agency: Agency, today=None) -> QuerySet[CatalogItem]:
    """What the agency offers today: active, within its dates (out-of-stock items show as such)."""
    today = today or timezone.localdate()
    return (
        CatalogItem.objects.filter(agency=agency, is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("price", "name")
    )


def redemptions_of(*, user: User) -> QuerySet[Redemption]:
    return Redemption.objects.filter(person=user).select_related("item", "item__agency").order_by("-created_at")


def agencies_with_catalog(*, user: User) -> list[Agency]:
    """Agencies whose catalog this person can use: those holding a wallet of theirs: 1 query."""
    return list(
        Agency.objects.filter(ledger_accounts__owner=user, ledger_accounts__kind=Account.Kind.WALLET)
        .prefetch_related(Prefetch("catalog", queryset=CatalogItem.objects.filter(is_active=True)))
        .distinct()
    )


def queues_for_staff(*, user: User) -> list[Agency]:
    """The agencies this person works for, each with `awards_waiting` (waiting for the agency's decision, as
    `queue_counts` counts them), `awards_flagged` and `redemptions_waiting` (what their home page shows):
    1 query, however many agencies."""
    def counted(queryset):
        counts = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        return Coalesce(Subquery(counts[:1], output_field=IntegerField()), 0)

    waiting = Award.objects.filter(awaiting_agency_q(OuterRef("pk")))
    requested = Redemption.objects.filter(item__agency=OuterRef("pk"), status=Redemption.Status.REQUESTED)
    return list(
        agencies_for_staff(user=user)
        .annotate(
            awards_waiting=counted(waiting),
            awards_flagged=counted(waiting.exclude(flag_code="")),
            redemptions_waiting=counted(requested),
        )
        .order_by("name")
    )


# ---- Referrals ------------------------------------------------------------------------------------

def _referrals():
    return Referral.objects.select_related("firm", "program", "from_agency", "to_agency", "created_by")


def referrals_sent(*, agency: Agency) -> QuerySet[Referral]:
    return _referrals().filter(from_agency=agency).order_by("-created_at", "-id")


def referrals_received(*, agency: Agency) -> QuerySet[Referral]:
    """What the firms accepted: the receiving agency sees nothing of a waiting or declined referral."""
    return _referrals().filter(to_agency=agency, status=Referral.Status.CONSENTED).order_by("-answered_at", "-id")


def referral_for_staff(*, agency: Agency, referral_id: int) -> Referral:
    """A referral the agency sent, or one it received that the firm accepted; otherwise 404: 1 query."""
    referral = _referrals().filter(
        Q(from_agency=agency) | Q(to_agency=agency, status=Referral.Status.CONSENTED), pk=referral_id
    ).first()
    if referral is None:
        raise Http404
    return referral


def referrals_of_firm(*, firm_id: int | None, limit: int = 5) -> list[Referral]:
    """The firm's referrals (for its active members: clusters.nav.active_firm_id), waiting ones first,
    then the latest answered: 1 query, none without a firm."""
    if firm_id is None:
        return []
    return list(_referrals().filter(firm_id=firm_id).order_by(
        Case(When(status=Referral.Status.WAITING, then=0), default=1), "-created_at", "-id")[:limit])


def referral_for_firm_member(*, user: User, referral_id: int) -> Referral:
    referral = _referrals().filter(pk=referral_id, firm__members__user=user, firm__members__status="active").first()
    if referral is None:
        raise Http404
    return referral
