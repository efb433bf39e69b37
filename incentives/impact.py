"""The agency's impact indicators, for a period and optional filters, and the extension point that lets the
apps above incentives add theirs.

Apps above incentives (questions, mentoring) cannot be imported from here, so they plug their indicators in:
in their AppConfig.ready() they call `register(key, provide=...)`. `provide(scope)` gets a `Scope` (the
period, the previous period, the clusters left after the filters, the country filter) and returns a list of
`Indicator`, `Series` and `Reached` items, in a fixed number of queries whatever the data size::

    # questions/impact.py
    def provide(scope):
        asked = scope.where(Question.objects.filter(cluster_id__in=scope.cluster_ids), "created_at").count()
        return [Indicator(section="questions", key="asked", label=_("Questions asked"),
                          definition=_("Questions posted in the period."), value=asked, unit=_("questions"), unit_one=_("question"))]

    # questions/apps.py
    class QuestionsConfig(AppConfig):
        def ready(self):
            from questions import impact
            impact.register()

A section nobody provides for shows "not available yet", never an invented figure. Derived indicators that
need two apps' numbers (credits per firm that started exporting) are computed here from the items' keys.
"""

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.db import connection
from django.db.models import Case, Count, F, Func, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.models import Firm
from incentives import charts

# Below this many in the denominator a rate or a median is shown as plain counts, marked as a small number.
SMALL_N = 10

SECTIONS = [
    ("reach", _("Reach")),
    ("outcomes", _("Export outcomes: entry, survival, diversification")),
    ("questions", _("Questions and answers")),
    ("mentoring", _("Mentoring")),
    ("credits", _("Credits")),
]


@dataclass(frozen=True)
class Scope:
    """What the page was asked for: the period (inclusive dates) and the filters, already narrowed to the
    agency's clusters (`cluster_ids`). `country` is an ISO code ("" for all): it narrows to firms (or people
    without a firm) of that country."""

    agency: object
    start: datetime.date
    end: datetime.date
    cluster_ids: tuple = ()
    country: str = ""
    program_id: int | None = None
    narrowed: bool = False  # a cluster, program, sector or country filter is set
    grain: str = "week"  # the charts' bucket: "week" or "month"; the period is whole buckets

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Scope":
        """The same number of weeks (or months) just before."""
        if self.grain == "month":
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            return replace(self, start=_add_months(self.start, -months),
                           end=self.start - datetime.timedelta(days=1))
        return replace(self, start=self.start - datetime.timedelta(days=self.days),
                       end=self.start - datetime.timedelta(days=1))

    def bucket_starts(self) -> list[datetime.date]:
        """The first day of each week (or month) of the previous period, then of this one: they follow each
        other without a gap."""
        return self.previous.buckets() + self.buckets()

    def bucket(self, field_name: str, *, is_date: bool = False):
        """An expression numbering the bucket that `field_name` falls in: n for the n-th of `bucket_starts()`
        (1-based), for rows already narrowed by `where(..., both=True)`; `bucketed()` turns the numbers back
        into dates. The bounds are the local midnights the period's days start at, computed here as in
        `where()`: no time zone conversion per row. On PostgreSQL it is width_bucket (a binary search over the
        bounds, about four times cheaper per row than date_trunc(... AT TIME ZONE ...)); elsewhere a CASE."""
        starts = self.bucket_starts()
        bounds = starts if is_date else [_midnight(day) for day in starts]
        if connection.vendor == "postgresql":
            return Func(F(field_name), Value(bounds), function="width_bucket", output_field=IntegerField())
        return Case(*[When(**{f"{field_name}__lt": bound}, then=Value(n)) for n, bound in enumerate(bounds[1:], 1)],
                    default=Value(len(bounds)), output_field=IntegerField())

    def bucketed(self, rows, key: str = "bucket") -> dict:
        """{bucket start date: row} for rows grouped by `bucket()`."""
        starts = self.bucket_starts()
        return {starts[row[key] - 1]: row for row in rows if 1 <= row[key] <= len(starts)}

    def bucket_of(self, day: datetime.date) -> datetime.date:
        if self.grain == "week":
            return day - datetime.timedelta(days=day.weekday())
        return day.replace(day=1)

    def buckets(self) -> list[datetime.date]:
        out, day = [], self.bucket_of(self.start)
        while day <= self.end:
            out.append(day)
            day = day + datetime.timedelta(days=7) if self.grain == "week" else _next_month(day)
        return out

    def where(self, queryset: QuerySet, field_name: str, *, both: bool = False, is_date: bool = False) -> QuerySet:
        """Rows whose date or datetime `field_name` falls in the period (or in it and the previous one).
        Datetimes are compared with the local midnights that bound the period, so an index can serve it."""
        start = self.previous.start if both else self.start
        if is_date:
            return queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lte": self.end})
        return queryset.filter(**{f"{field_name}__gte": _midnight(start),
                                  f"{field_name}__lt": _midnight(self.end + datetime.timedelta(days=1))})

    @cached_property
    def start_bound(self) -> datetime.datetime:
        """The local midnight the period starts at."""
        return _midnight(self.start)

    @cached_property
    def end_bound(self) -> datetime.datetime:
        """The local midnight after the period's last day."""
        return _midnight(self.end + datetime.timedelta(days=1))

    def in_current(self, moment) -> bool:
        """Whether a date or an aware datetime falls in the period."""
        if moment is None:
            return False
        if isinstance(moment, datetime.datetime):
            return self.start_bound <= moment < self.end_bound
        return self.start <= moment <= self.end

def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class Indicator:
    """One figure with its definition. A rate is `value` of `denominator`; any other figure may name the
    base it was computed on in `denominator` too (e.g. a median over 7 questions), so small bases show."""

    section: str
    key: str
    label: str
    definition: str
    value: float | int | None
    unit: str = ""  # plural, as in the workbook's column
    unit_one: str = ""  # singular, for a value of 1
    denominator: int | None = None
    base: str = ""  # what the denominator counts: "firms asked"
    rate: bool = False
    extra: str = ""  # a further line, e.g. "12 answered"
    note: str = ""  # why the value is missing or what it leaves out
    rows: list = field(default_factory=list)  # a breakdown: (label, value) pairs

    @property
    def small(self) -> bool:
        return self.denominator is not None and self.denominator < SMALL_N

    @property
    def percent(self) -> float | None:
        if not self.rate or not self.denominator or self.value is None:
            return None
        return 100 * self.value / self.denominator

    @property
    def display(self) -> str:
        """The figure as the reader sees it: a percentage only when the base is not small."""
        if self.value is None:
            return "—"
        if self.rate:
            if not self.denominator:
                return "—"
            if self.small:
                return _("%(value)s of %(total)s") % {"value": _n(self.value), "total": _n(self.denominator)}
            return f"{_n(self.percent, 0)} %"
        return _n(self.value)

    @property
    def unit_shown(self) -> str:
        count = self.denominator if self.rate else self.value
        return self.unit_one if count == 1 and self.unit_one else self.unit

    @property
    def base_text(self) -> str:
        if self.denominator is None:
            return ""
        if self.rate and not self.small and self.denominator:
            return _("%(value)s of %(total)s %(base)s") % {
                "value": _n(self.value), "total": _n(self.denominator), "base": self.base}
        return _("base: %(total)s %(base)s") % {"total": _n(self.denominator), "base": self.base}


@dataclass
class Series:
    """A quantity per week or month of the period, with the same buckets of the previous period."""

    section: str
    key: str
    label: str
    unit: str
    values: dict  # bucket start date -> value, for the period and the previous one

    def render(self, scope: Scope) -> "Chart":
        now, before = scope.buckets(), scope.previous.buckets()
        before = (before + [None] * len(now))[: len(now)]
        current = [self.values.get(b, 0) for b in now]
        previous = [self.values.get(b, 0) if b is not None else 0 for b in before]
        labels = [_bucket_label(b, scope.grain) for b in now]
        rows = [(labels[i], current[i], _bucket_label(before[i], scope.grain) if before[i] else "", previous[i])
                for i in range(len(now))]
        current_label = _("This period: %(total)s") % {"total": _n(sum(current))}
        previous_label = _("Previous period: %(total)s") % {"total": _n(sum(previous))}
        desc = _("%(unit)s %(grain)s. This period %(now)s, previous period %(before)s.") % {
            "unit": self.unit, "grain": _grain_word(scope.grain), "now": _n(sum(current)), "before": _n(sum(previous))}
        svg = charts.time_series(
            chart_id=f"chart-{self.key}", title=str(self.label), desc=str(desc), unit=str(self.unit),
            x_labels=labels, current=current, previous=previous,
        )
        return Chart(series=self, svg=svg, rows=rows, current_label=str(current_label),
                     previous_label=str(previous_label), total=round(sum(current), 1), previous_total=round(sum(previous), 1),
                     columns=[_bucket_word(scope.grain), _("This period (%(unit)s)") % {"unit": self.unit},
                              _("Previous period"), _("Previous period (%(unit)s)") % {"unit": self.unit}])


@dataclass
class Chart:
    series: Series
    svg: str
    rows: list
    current_label: str
    previous_label: str
    total: float
    previous_total: float
    columns: list


@dataclass
class Reached:
    """Firm ids an app reached in the period, as a values("firm_id")-style subquery (no query of its own)."""

    firm_ids: QuerySet


@dataclass
class SectionResult:
    key: str
    label: str
    indicators: list = field(default_factory=list)
    charts: list = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.indicators or self.charts)


@dataclass
class CofundedProgram:
    """A co-funded program's credits in the period, net of reversals: paid by all its funders (`total`, the
    program's) and from this agency's own pool (`mine`, the sum of its AwardShare rows)."""

    program_id: int
    name: str
    total: int
    mine: int


@dataclass
class Report:
    scope: Scope
    sections: list
    cofunded: list = field(default_factory=list)  # CofundedProgram rows, for an agency that co-funds programs

    def indicator(self, key: str) -> Indicator | None:
        for section in self.sections:
            for indicator in section.indicators:
                if indicator.key == key:
                    return indicator
        return None


_registry: dict[str, Callable[[Scope], list]] = {}


def register(key: str, *, provide: Callable[[Scope], list]) -> None:
    """Adds (or replaces) an app's indicators under `key` (the app's name)."""
    _registry[key] = provide


def registered() -> dict[str, Callable[[Scope], list]]:
    return dict(_registry)


def _n(value, decimals: int | None = None) -> str:
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _bucket_label(day: datetime.date, grain: str) -> str:
    if grain == "week":
        return formats.date_format(day, "j M")
    return formats.date_format(day, "M Y")


def _grain_word(grain: str) -> str:
    return str(_("per week") if grain == "week" else _("per month"))


def _bucket_word(grain: str) -> str:
    return str(_("Week of") if grain == "week" else _("Month"))


def country_name(code: str) -> str:
    """The country's name in the reader's language (django-countries follows the active language)."""
    return str(countries.name(code)) or code if code else str(_("Unknown"))


# ---- The indicators incentives computes itself ---------------------------------------------------

def _credits(scope: Scope) -> list:
    """Credits issued (awards net of reversals), redeemed and outstanding, and how they spread: 3 queries."""
    from incentives.models import Account, Award, AwardShare, Transfer

    transfers = scope.where(Transfer.objects.filter(to_account__agency=scope.agency), "created_at", both=True)
    issued_q = Q(kind="award")
    reversed_q = Q(kind="reversal", to_account__kind="pool")
    if scope.narrowed:
        # The payments of the awards the filters keep, as a subquery (PostgreSQL hashes it once): joining
        # each transfer to its award, the award's person and their firm costs most of the page.
        paid = Award.objects.filter(cluster_id__in=scope.cluster_ids, payment__isnull=False)
        if scope.program_id:
            paid = paid.filter(program_id=scope.program_id)
        if scope.country:
            paid = paid.filter(caused_by_id__in=_people_of_country(scope.country))
        # A co-funded award is paid by one transfer per funder (its AwardShare rows); award.payment is only the first.
        payments = Q(pk__in=paid.values("payment_id")) | Q(pk__in=AwardShare.objects.filter(
            award__in=paid, payment__isnull=False).values("payment_id"))
        reversals = Q(reverses_id__in=paid.values("payment_id")) | Q(reverses_id__in=AwardShare.objects.filter(
            award__in=paid, payment__isnull=False).values("payment_id"))
        issued_q &= payments
        reversed_q &= reversals
    rows = scope.bucketed(
        transfers.annotate(bucket=scope.bucket("created_at")).values("bucket").annotate(
            issued=Sum("amount", filter=issued_q, default=0),
            reversed=Sum("amount", filter=reversed_q, default=0),
            redeemed=Sum("amount", filter=Q(kind="redeem_approve"), default=0),
        ).order_by()
    )
    issued = {bucket: r["issued"] - r["reversed"] for bucket, r in rows.items()}
    redeemed = {bucket: r["redeemed"] for bucket, r in rows.items()}
    now = set(scope.buckets())
    total_issued = sum(v for b, v in issued.items() if b in now)
    total_redeemed = sum(v for b, v in redeemed.items() if b in now)
    outstanding = Account.objects.filter(agency=scope.agency, kind__in=["wallet", "hold"]).aggregate(
        total=Sum("balance", default=0))["total"]

    awards = scope.where(Award.objects.filter(program__agency=scope.agency, status=Award.Status.APPROVED,
                                              cluster_id__in=scope.cluster_ids), "created_at")
    if scope.program_id:
        awards = awards.filter(program_id=scope.program_id)
    if scope.country:
        awards = awards.filter(caused_by_id__in=_people_of_country(scope.country))
    per_mentor = list(awards.values("beneficiary_id").annotate(total=Sum("credits")).values_list("total", flat=True))
    not_split = _("Wallets spend credits earned in every cluster and program, so this is not split by the filters.")
    items = [
        Indicator(section="credits", key="credits_issued", label=_("Credits issued"),
                  definition=_("Credits paid to mentors' wallets in the period, net of reversals."),
                  value=total_issued, unit=_("credits"), unit_one=_("credit")),
        Indicator(section="credits", key="credits_redeemed", label=_("Credits redeemed"),
                  definition=_("Credits exchanged for benefits whose redemption was approved in the period."),
                  value=None if scope.narrowed else total_redeemed, unit=_("credits"), unit_one=_("credit"),
                  note=not_split if scope.narrowed else ""),
        Indicator(section="credits", key="credits_outstanding", label=_("Credits outstanding"),
                  definition=_("Credits in wallets or waiting on redemption requests today (a liability of the agency)."),
                  value=None if scope.narrowed else outstanding, unit=_("credits"), unit_one=_("credit"),
                  note=not_split if scope.narrowed else ""),
        Indicator(section="credits", key="mentors_paid", label=_("Mentors paid"),
                  definition=_("Mentors with at least one approved award in the period."),
                  value=len(per_mentor), unit=_("mentors"), unit_one=_("mentor")),
        Indicator(section="credits", key="credit_spread", label=_("Spread of credits among mentors (Gini)"),
                  definition=_("0 when every paid mentor earned the same, towards 1 when one mentor earned everything."),
                  value=round(gini(per_mentor), 2) if len(per_mentor) >= SMALL_N else None,
                  denominator=len(per_mentor), base=_("mentors paid"),
                  note="" if len(per_mentor) >= SMALL_N else _("Too few mentors paid to measure a spread.")),
        Series(section="credits", key="credits_issued", label=_("Credits issued"), unit=_("credits"), values=issued),
    ]
    if not scope.narrowed:
        items.append(Series(section="credits", key="credits_redeemed", label=_("Credits redeemed"),
                            unit=_("credits"), values=redeemed))
    return items


def cofunded_programs(scope: Scope) -> list[CofundedProgram]:
    """For each co-funded program the agency pays a part of, the credits paid in the period net of reversals:
    by every funder together and from the agency's own pool, from the AwardShare rows and the dates of their
    transfers, with the filters the other credit figures follow: 1 query."""
    from incentives.models import AwardShare, ProgramFunder

    paid = Q(payment__created_at__gte=scope.start_bound, payment__created_at__lt=scope.end_bound)
    undone = Q(reversal__created_at__gte=scope.start_bound, reversal__created_at__lt=scope.end_bound)
    mine = Q(agency=scope.agency)
    shares = AwardShare.objects.filter(
        award__program_id__in=ProgramFunder.objects.filter(agency=scope.agency).values("program_id")
    ).filter(paid | undone)
    if scope.narrowed:
        shares = shares.filter(award__cluster_id__in=scope.cluster_ids)
        if scope.program_id:
            shares = shares.filter(award__program_id=scope.program_id)
        if scope.country:
            shares = shares.filter(award__caused_by_id__in=_people_of_country(scope.country))
    rows = (shares.values("award__program_id", "award__program__name")
            .annotate(total_paid=Sum("credits", filter=paid, default=0), total_undone=Sum("credits", filter=undone, default=0),
                      mine_paid=Sum("credits", filter=paid & mine, default=0),
                      mine_undone=Sum("credits", filter=undone & mine, default=0))
            .order_by("award__program__name", "award__program_id"))
    return [CofundedProgram(program_id=r["award__program_id"], name=r["award__program__name"],
                            total=r["total_paid"] - r["total_undone"], mine=r["mine_paid"] - r["mine_undone"])
            for r in rows]


def _people_of_country(country: str) -> QuerySet:
    """Ids of the people whose firm is in `country`, or who have no firm and live there (a subquery)."""
    from clusters.models import User

    return User.objects.filter(_firm_country_q("", country)).values("pk")


def _firm_country_q(person: str, country: str) -> Q:
    """The person's firm is in `country`, or the person has no firm and lives there."""
    prefix = f"{person}__" if person else ""
    return Q(**{f"{prefix}firm_member__firm__country": country}) | Q(
        **{f"{prefix}firm_member__isnull": True, f"{prefix}country": country})


def gini(values: list[int]) -> float:
    """0 when everyone has the same, towards 1 when one person has everything."""
    values = sorted(v for v in values if v > 0)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return (2 * weighted) / (n * total) - (n + 1) / n


def _reach(scope: Scope, reached: list[QuerySet]) -> list:
    """Firms the apps reached, by country and women-led: 1 query."""
    if not reached:
        return []
    q = Q()
    for firm_ids in reached:
        q |= Q(pk__in=firm_ids)
    firms = Firm.objects.filter(q)
    if scope.country:
        firms = firms.filter(country=scope.country)
    rows = list(firms.values("country").annotate(firms=Count("pk"), women=Count("pk", filter=Q(women_led=True))))
    total = sum(r["firms"] for r in rows)
    women = sum(r["women"] for r in rows)
    by_country = sorted(((country_name(r["country"]), r["firms"]) for r in rows), key=lambda r: (-r[1], r[0]))
    return [
        Indicator(section="reach", key="firms_reached", label=_("Firms reached"),
                  definition=_("Firms whose people asked a question or were mentored in the period."),
                  value=total, unit=_("firms"), unit_one=_("firm")),
        Indicator(section="reach", key="women_led", label=_("Women-led firms reached"),
                  definition=_("Firms reached that the firm itself reports as women-led."),
                  value=women, denominator=total, base=_("firms reached"), rate=True, unit=_("firms"), unit_one=_("firm")),
        Indicator(section="reach", key="reach_by_country", label=_("Firms reached by country"),
                  definition=_("Where the firms reached are based."),
                  value=len(by_country), unit=_("countries"), unit_one=_("country"), rows=by_country),
    ]


def _per_outcome(credits, outcome, key, label, definition, base) -> Indicator | None:
    if credits is None or outcome is None or outcome.value is None:
        return None
    value = credits.value / outcome.value if outcome.value else None
    return Indicator(section="credits", key=key, label=label, definition=definition,
                     value=round(value, 1) if value is not None and outcome.value >= SMALL_N else None,
                     denominator=outcome.value, base=base, unit=_("credits"), unit_one=_("credit"),
                     note="" if outcome.value >= SMALL_N else _("Too few outcomes for a cost per outcome."))


def build(scope: Scope) -> Report:
    """Every section, in order, for the scope: each provider's queries plus incentives' own."""
    items: list = []
    for provide in _registry.values():
        items.extend(provide(scope))
    items.extend(_credits(scope))
    items.extend(_reach(scope, [item.firm_ids for item in items if isinstance(item, Reached)]))
    by_key = {item.key: item for item in items if isinstance(item, Indicator)}
    credits = by_key.get("credits_issued")
    for extra in (
        _per_outcome(credits, by_key.get("export_entry"), "credits_per_entry",
                     _("Credits per firm that started exporting"),
                     _("Credits issued in the period divided by the firms that started exporting in it."),
                     _("firms that started exporting")),
        _per_outcome(credits, by_key.get("new_markets"), "credits_per_market", _("Credits per new market"),
                     _("Credits issued in the period divided by the new markets firms reported in it."),
                     _("new markets")),
    ):
        if extra is not None:
            items.append(extra)
    sections = []
    for key, label in SECTIONS:
        section = SectionResult(key=key, label=str(label))
        for item in items:
            if getattr(item, "section", None) != key:
                continue
            if isinstance(item, Indicator):
                section.indicators.append(item)
            elif isinstance(item, Series):
                section.charts.append(item.render(scope))
        sections.append(section)
    return Report(scope=scope, sections=sections, cofunded=cofunded_programs(scope))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve whole weeks, Monday to Sunday, ending with the current week."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=6 - today.weekday())
    return end - datetime.timedelta(weeks=12) + datetime.timedelta(days=1), end


def median(values):
    return statistics.median(values) if values else None


def scope_for(*, agency, clusters: list, start=None, end=None, cluster=None, program=None, sector=None,
              country="") -> Scope:
    """The scope the filters ask for, inside the agency's `clusters`: 1 query when a program is chosen."""
    from incentives.models import Program

    ids = [c.pk for c in clusters if (cluster is None or c.pk == cluster) and (sector is None or c.sector_id == sector)]
    if program is not None:
        covered = set(Program.clusters.through.objects.filter(program_id=program)
                      .filter(Q(program__agency=agency) | Q(program__funders__agency=agency))
                      .values_list("cluster_id", flat=True))
        ids = [pk for pk in ids if pk in covered]
    if start is None and end is None:
        start, end = default_period()
    elif start is None:
        start = end - datetime.timedelta(weeks=12) + datetime.timedelta(days=1)
    elif end is None:
        end = max(start, timezone.localdate())
    # Whole weeks (Monday to Sunday) up to 16 of them, whole months beyond: every bucket of a chart then
    # lies inside the period, and its total is the indicator's.
    if (end - start).days + 1 <= 16 * 7:
        grain = "week"
        start, end = start - datetime.timedelta(days=start.weekday()), end + datetime.timedelta(days=6 - end.weekday())
    else:
        grain = "month"
        start, end = start.replace(day=1), _next_month(end) - datetime.timedelta(days=1)
    return Scope(agency=agency, start=start, end=end, cluster_ids=tuple(ids), country=country or "",
                 program_id=program, grain=grain,
                 narrowed=any(v not in (None, "") for v in (cluster, program, sector, country)))
