"""Reads shared by the wallet and the agency console; fixed query counts; outsiders get 404."""

from django.db.models import (
    Case,
    Count,
    F,
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
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clusters.models import Agency, User
from incentives.models import Account, AuditEntry, Award, CatalogItem, Program, Redemption, Transfer


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


def programs_with_pools(*, agency: Agency) -> list[Program]:
    """Programs with their pool and mint balances and award counts: 2 queries."""
    programs = list(
        Program.objects.filter(agency=agency)
        .annotate(
            pending=Count("awards", filter=Q(awards__status=Award.Status.PENDING), distinct=True),
        )
        .prefetch_related("clusters")
        .order_by("-starts_on", "name")
    )
    balances = {
        (row["program_id"], row["kind"]): row["balance"]
        for row in Account.objects.filter(program__in=programs).values("program_id", "kind", "balance")
    } if programs else {}
    for program in programs:
        program.pool_balance = balances.get((program.pk, Account.Kind.POOL), 0)
        program.funded = -balances.get((program.pk, Account.Kind.MINT), 0)
    return programs


def program_for_staff(*, agency: Agency, program_id: int) -> Program:
    program = Program.objects.filter(agency=agency, pk=program_id).prefetch_related("clusters").first()
    if program is None:
        raise Http404
    return program


def awards_for_agency(*, agency: Agency, status: str = "") -> QuerySet[Award]:
    awards = Award.objects.filter(program__agency=agency).select_related(
        "program", "beneficiary", "caused_by", "cluster", "decided_by"
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


def queue_filter_choices(*, agency: Agency) -> dict:
    """The agency's clusters and programs for the queue's filters: 2 queries."""
    return {
        "clusters": list(agency.clusters.order_by("name").values_list("pk", "name")),
        "programs": list(Program.objects.filter(agency=agency).order_by("-starts_on", "name").values_list("pk", "name")),
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
    """Waiting awards (and how many flagged) and redemptions: 2 queries."""
    awards = Award.objects.filter(program__agency=agency, status=Award.Status.PENDING).aggregate(
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
    return AuditEntry.objects.filter(agency=agency).select_related("actor").order_by("-created_at", "-id")


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
    """The agencies this person works for, each with `awards_waiting`, `awards_flagged` and
    `redemptions_waiting` (what their home page shows): 1 query, however many agencies."""
    def counted(queryset, **extra):
        counts = queryset.values(*extra.pop("by")).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counts[:1], output_field=IntegerField()), 0)

    pending = Award.objects.filter(program__agency=OuterRef("pk"), status=Award.Status.PENDING)
    requested = Redemption.objects.filter(item__agency=OuterRef("pk"), status=Redemption.Status.REQUESTED)
    return list(
        agencies_for_staff(user=user)
        .annotate(
            awards_waiting=counted(pending, by=["program__agency"]),
            awards_flagged=counted(pending.exclude(flag_code=""), by=["program__agency"]),
            redemptions_waiting=counted(requested, by=["item__agency"]),
        )
        .order_by("name")
    )
