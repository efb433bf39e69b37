"""The agency impact dashboard and its extension point.

Apps above incentives (questions, mentoring) cannot be imported from here, so they plug their figures in:
in their AppConfig.ready() they call `register`, giving a key, a label and a function that computes
plain figures for an agency's clusters.

Worked example (what questions/apps.py does)::

    # questions/impact.py
    from django.utils.translation import gettext_lazy as _

    def qa_figures(*, cluster_ids, since=None) -> dict:
        qs = Question.objects.filter(cluster_id__in=list(cluster_ids))
        if since is not None:
            qs = qs.filter(created_at__gte=since)
        return {"asked": qs.count(), "answered": ..., "median_hours_to_first_answer": 5.5}

    def register():
        from incentives import impact
        impact.register("questions", label=_("Questions and answers"), figures=qa_figures)

    # questions/apps.py
    class QuestionsConfig(AppConfig):
        def ready(self):
            from questions import impact
            impact.register()

The figures function gets keyword arguments `cluster_ids` (the agency's clusters) and `since` (a date or
None) and returns a dict. Each number becomes a bar and a table row; a nested dict (e.g. markets
{"US": 3, "DE": 1}) becomes bars and rows of its own; None shows as "—". Keep it to a fixed number of
queries. The keys the dashboard shows, in order, are in `SECTIONS`; a section nobody registered shows
"not available yet", never an invented figure. A key outside `SECTIONS` is shown after them.
"""

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterMembership, Firm, FirmMember


@dataclass
class Section:
    key: str
    label: str
    figures: Callable[..., dict]


@dataclass
class Result:
    key: str
    label: str
    available: bool
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    chart: SafeString = field(default_factory=lambda: mark_safe(""))
    note: str = ""


_registry: dict[str, Section] = {}

# The dashboard's sections, in the order; "incentives" ones are computed here.
SECTIONS = [
    ("credits_weekly", _("Credits issued and redeemed per week")),
    ("questions", _("Questions asked and answered, time to first answer, accepted share")),
    ("mentoring_activity", _("Active mentorships and mentoring hours")),
    ("mentoring_load", _("Mentor load against capacity")),
    ("credit_concentration", _("How concentrated credits are among mentors")),
    ("mentoring_outcomes", _("Outcomes: firms that started or restarted exporting, new markets")),
    ("reach", _("Reach by country and share of women-led firms")),
]


def register(key, *, label=None, figures: Callable[..., dict] | None = None) -> None:
    """Adds (or replaces) a dashboard section. Accepts a `Section` or key + label + figures."""
    if isinstance(key, Section):
        section = key
    else:
        if figures is None:
            raise TypeError("register() needs figures=")
        section = Section(key=key, label=label or key, figures=figures)
    _registry[section.key] = section


def registered() -> dict[str, Section]:
    return dict(_registry)


# ---- SVG charts (server-side, no JavaScript, no network) -----------------------------------------

WIDTH, BAR_H, GAP, LABEL_W = 560, 18, 6, 190


def svg_bars(*, title: str, bars: list[tuple[str, float]]) -> SafeString:
    """A horizontal bar chart: one bar per (label, value); values of None are skipped."""
    bars = [(str(label), value) for label, value in bars if isinstance(value, (int, float))]
    if not bars:
        return mark_safe("")
    top = max((value for _l, value in bars), default=0) or 1
    height = len(bars) * (BAR_H + GAP) + GAP
    usable = WIDTH - LABEL_W - 70
    items = []
    for i, (label, value) in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        w = max(0, round(usable * value / top)) if value > 0 else 0
        items.append((y + 13, label[:30], LABEL_W, y, w, BAR_H, LABEL_W + w + 6, y + 13, _fmt(value)))
    body = format_html_join(
        "",
        '<text x="4" y="{}" class="chart-label">{}</text><rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"/>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        items,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH, height, title, body,
    )


def svg_weekly(*, title: str, weeks: list[tuple[str, int, int]]) -> SafeString:
    """Grouped columns per week: issued and redeemed."""
    if not weeks:
        return mark_safe("")
    top = max(max(issued, redeemed) for _w, issued, redeemed in weeks) or 1
    plot_h, base = 140, 160
    slot = max(14, (WIDTH - 20) // len(weeks))
    col = max(4, slot // 2 - 2)
    items = []
    for i, (week, issued, redeemed) in enumerate(weeks):
        x = 10 + i * slot
        hi, hr = round(plot_h * issued / top), round(plot_h * redeemed / top)
        items.append((x, base - hi, col, hi, issued, x + col, base - hr, col, hr, redeemed, x, week[5:]))
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"><title>{}</title></rect>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar second"><title>{}</title></rect>'
        '<text x="{}" y="176" class="chart-axis">{}</text>',
        items,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} 184" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH, title, body,
    )


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _humanize(key: str) -> str:
    return key.replace("_", " ").capitalize()


def result_from_figures(*, key: str, label: str, figures: dict) -> Result:
    """Turns a registered section's dict into table rows and a bar chart."""
    rows, bars = [], []
    for name, value in figures.items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                rows.append((f"{_humanize(name)}: {sub}", _fmt(subvalue)))
                bars.append((f"{sub}", subvalue))
        else:
            rows.append((_humanize(name), _fmt(value)))
            bars.append((_humanize(name), value))
    return Result(key=key, label=str(label), available=True, columns=[_("Figure"), _("Value")], rows=rows,
                  chart=svg_bars(title=str(label), bars=bars))


# ---- The figures incentives computes itself ------------------------------------------------------

def credits_weekly(*, agency, since: datetime.date) -> Result:
    """Credits paid to wallets (awards minus reversals) and redeemed, per week: 1 query."""
    from incentives.models import Transfer

    label = dict(SECTIONS)["credits_weekly"]
    rows = (
        Transfer.objects.filter(to_account__agency=agency, created_at__date__gte=since,
                                kind__in=["award", "reversal", "redeem_approve"])
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            issued=Sum("amount", filter=Q(kind="award"), default=0),
            reversed=Sum("amount", filter=Q(kind="reversal", to_account__kind="pool"), default=0),
            redeemed=Sum("amount", filter=Q(kind="redeem_approve"), default=0),
        )
        .order_by("week")
    )
    weeks = [(row["week"].date().isoformat() if hasattr(row["week"], "date") else str(row["week"]),
              row["issued"] - row["reversed"], row["redeemed"]) for row in rows]
    return Result(
        key="credits_weekly", label=str(label), available=True,
        columns=[_("Week of"), _("Credits issued (net of reversals)"), _("Credits redeemed")],
        rows=weeks, chart=svg_weekly(title=str(label), weeks=weeks),
    )


def gini(values: list[int]) -> float:
    """0 when everyone has the same, towards 1 when one person has everything."""
    values = sorted(v for v in values if v > 0)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return (2 * weighted) / (n * total) - (n + 1) / n


def credit_concentration(*, agency, since: datetime.date) -> Result:
    """Net credits per mentor in the period; share of the top 10% and the Gini coefficient: 1 query."""
    from incentives.models import Award

    label = dict(SECTIONS)["credit_concentration"]
    per_mentor = list(
        Award.objects.filter(program__agency=agency, status=Award.Status.APPROVED, created_at__date__gte=since)
        .values("beneficiary_id").annotate(total=Sum("credits")).order_by("-total").values_list("total", flat=True)
    )
    total = sum(per_mentor)
    top_n = max(1, -(-len(per_mentor) // 10)) if per_mentor else 0
    top_share = round(100 * sum(per_mentor[:top_n]) / total) if total else 0
    figures = [
        (_("Mentors who earned credits"), len(per_mentor)),
        (_("Share of credits of the top 10% of mentors (%)"), top_share),
        (_("Gini coefficient (0 = equal, 100 = one mentor earns all)"), round(100 * gini(per_mentor))),
        (_("Median credits per mentor"), statistics.median(per_mentor) if per_mentor else 0),
    ]
    return Result(key="credit_concentration", label=str(label), available=True, columns=[_("Figure"), _("Value")],
                  rows=[(str(k), _fmt(v)) for k, v in figures],
                  chart=svg_bars(title=str(label), bars=[(str(k)[:30], v) for k, v in figures]))


def reach(*, agency, cluster_ids) -> Result:
    """Active members of the agency's clusters by country, and the share of their firms that women lead: 2 queries."""
    label = dict(SECTIONS)["reach"]
    members = ClusterMembership.objects.filter(cluster_id__in=cluster_ids, status=ClusterMembership.Status.ACTIVE)
    by_country = list(
        members.values("user__country").annotate(people=Count("user_id", distinct=True)).order_by("-people")
    )
    firms = FirmMember.objects.filter(
        user__memberships__in=members, status=FirmMember.Status.ACTIVE
    ).values("firm_id").distinct()
    firm_counts = Firm.objects.filter(pk__in=firms).aggregate(
        firms=Count("pk"), women_led=Count("pk", filter=Q(women_led=True))
    )
    share = round(100 * firm_counts["women_led"] / firm_counts["firms"]) if firm_counts["firms"] else 0
    rows = [(row["user__country"] or "—", row["people"]) for row in by_country]
    rows += [(_("Firms reached"), firm_counts["firms"]), (_("Women-led firms (%)"), share)]
    return Result(key="reach", label=str(label), available=True, columns=[_("Country / figure"), _("People / value")],
                  rows=rows, chart=svg_bars(title=str(label), bars=[(str(k), v) for k, v in rows]))


def dashboard(*, agency, since: datetime.date | None = None) -> list[Result]:
    """Every section, in order; sections of apps that did not register show as not available."""
    since = since or (timezone.localdate() - datetime.timedelta(weeks=12))
    cluster_ids = list(agency.clusters.values_list("pk", flat=True))
    own = {
        "credits_weekly": lambda: credits_weekly(agency=agency, since=since),
        "credit_concentration": lambda: credit_concentration(agency=agency, since=since),
        "reach": lambda: reach(agency=agency, cluster_ids=cluster_ids),
    }
    results = []
    keys = [key for key, _label in SECTIONS] + [key for key in _registry if key not in dict(SECTIONS)]
    for key in keys:
        label = dict(SECTIONS).get(key) or _registry[key].label
        if key in own:
            results.append(own[key]())
        elif key in _registry:
            section = _registry[key]
            figures = section.figures(cluster_ids=cluster_ids, since=since)
            results.append(result_from_figures(key=key, label=label, figures=figures))
        else:
            results.append(Result(key=key, label=str(label), available=False))
    return results
