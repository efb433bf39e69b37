"""Read queries of the readiness pages, each a fixed number of SQL queries.

A firm's assessments are seen by its active people (and site admins); anyone else gets the same 404 as
for a missing one. Others see a firm's level and gaps only on its profile, and only with its consent.
Agencies see gaps only as aggregates over at least MIN_GROUP firms.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q
from django.http import Http404

from clusters import access, nav
from clusters.models import Cluster, Firm, FirmMember, User
from library import selectors as library_selectors
from mentoring.gaps import GapFact
from readiness import questionnaire
from readiness.models import Assessment

# The library entries shown for each gap, and how many candidates are read to pick them from.
ENTRIES_PER_GAP = 3
ENTRY_POOL = 60
# No aggregate is shown over fewer firms than this: a smaller group could point at one firm.
MIN_GROUP = 5


def _member_q(user: User, prefix: str = "firm__") -> Q:
    return Q(**{f"{prefix}members__user": user, f"{prefix}members__status": FirmMember.Status.ACTIVE})


def assessment_for_user(*, user: User, assessment_id: int) -> Assessment:
    """The assessment, if the person is one of its firm's active people: 1 query."""
    assessments = Assessment.objects.select_related("firm")
    if not user.is_superuser:
        assessments = assessments.filter(_member_q(user))
    try:
        return assessments.get(pk=assessment_id)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assessments_of_firm(*, firm_id: int) -> list[Assessment]:
    """The firm's assessments, the open one (if any) first, then the completed ones newest first: 1 query."""
    return list(
        Assessment.objects.filter(firm_id=firm_id).order_by(F("completed_at").desc(nulls_first=True), "-id")
    )


def history(assessments: list[Assessment]) -> list[Assessment]:
    """The completed ones, oldest first: the progress per area over time."""
    return sorted((a for a in assessments if a.is_complete), key=lambda a: (a.completed_at, a.pk))


def latest_for_user(*, user: User) -> Assessment | None:
    """The latest completed assessment of the firm the person is an active member of: 1 query (and the
    person's kept firm: clusters.nav)."""
    if not user.is_authenticated:
        return None
    return latest_of_firm(firm_id=nav.active_firm_id(user=user))


def latest_of_firm(*, firm_id: int | None) -> Assessment | None:
    """The firm's latest completed assessment: 1 query, none without a firm."""
    if firm_id is None:
        return None
    return (
        Assessment.objects.filter(firm_id=firm_id, completed_at__isnull=False)
        .only("id", "firm_id", "answers", "scores", "overall", "completed_at")
        .order_by("-completed_at", "-id")
        .first()
    )


def gap_facts_of(user: User) -> list[GapFact]:
    """The person's gaps as mentoring sees them (mentoring.gaps), largest first: 1 query."""
    latest = latest_for_user(user=user)
    if latest is None:
        return []
    return [
        GapFact(key=gap.area.key, label=str(gap.area.title), severity=gap.severity, topics=gap.topics)
        for gap in latest.gaps
    ]


def _topics_q(topics) -> Q:
    q = Q()
    for topic in sorted(topics):
        if connection.features.supports_json_field_contains:
            q |= Q(topics__contains=[topic])
        else:
            q |= Q(topics__icontains=f'"{topic}"')
    return q


@dataclass
class GapWithEntries:
    gap: questionnaire.Gap
    entries: list = field(default_factory=list)


def entries_for_gaps(*, gaps: list[questionnaire.Gap], markets=(), language: str | None = None
                     ) -> list[GapWithEntries]:
    """Each gap with the published library entries whose topics address it: those written in the
    reader's language first, then those about the firm's target markets: 2 queries (entries, their
    texts), none without gaps."""
    rows = [GapWithEntries(gap=gap) for gap in gaps]
    topics = frozenset().union(*(gap.topics for gap in gaps)) if gaps else frozenset()
    if not topics:
        return rows
    entries = library_selectors.entry_rows(
        library_selectors.published_entries().filter(status="published").filter(_topics_q(topics))[:ENTRY_POOL],
        language=language,
    )
    markets = {str(code) for code in markets}
    for row in rows:
        fitting = [entry for entry in entries if set(entry.topics or ()) & row.gap.topics]
        fitting.sort(key=lambda entry: (entry.text_is_fallback, not ({c.code for c in entry.markets} & markets)))
        row.entries = fitting[:ENTRIES_PER_GAP]
    return rows


# --- For agencies --------------------------------------------------------------------------------


@dataclass
class GroupRow:
    label: str
    firms: int
    hidden: bool
    averages: list[int] = field(default_factory=list)  # per area, in questionnaire order
    with_gap: list[int] = field(default_factory=list)  # per area: how many firms have a gap there

    @property
    def cells(self) -> list[tuple[int, int]]:
        return list(zip(self.averages, self.with_gap, strict=True))


def _group(label: str, assessments: list[dict]) -> GroupRow:
    count = len(assessments)
    if count < MIN_GROUP:
        return GroupRow(label=label, firms=count, hidden=True)
    averages, with_gap = [], []
    for area in questionnaire.AREAS:
        values = [a["scores"].get(area.key, 0) for a in assessments]
        averages.append(round(sum(values) / count))
        with_gap.append(sum(1 for value in values if value < questionnaire.GAP_BELOW))
    return GroupRow(label=label, firms=count, hidden=False, averages=averages, with_gap=with_gap)


def clusters_for_agency_staff(*, user: User) -> list[Cluster]:
    """The active clusters the person's agencies sponsor (all of them for a site admin): 1 query."""
    clusters = Cluster.objects.filter(is_active=True).order_by("name")
    if not user.is_superuser:
        clusters = clusters.filter(agency__staff=user)
    return list(clusters.distinct())


def agency_gaps(*, clusters: list[Cluster]) -> dict:
    """Gaps aggregated by cluster and by the firms' country, from each firm's latest completed assessment,
    over the firms of the given clusters. A group of fewer than MIN_GROUP firms shows only that it is
    too small. 2 queries (the firms of the clusters, their assessments)."""
    if not clusters:
        return {"by_cluster": [], "by_country": [], "areas": questionnaire.AREAS}
    pairs = set(
        access.active_memberships(cluster__in=clusters, user__firm_member__status=FirmMember.Status.ACTIVE).values_list("cluster_id", "user__firm_member__firm_id")
    )
    firm_ids = {firm_id for _cluster, firm_id in pairs}
    latest: dict[int, dict] = {}
    for row in (
        Assessment.objects.filter(firm_id__in=firm_ids, completed_at__isnull=False)
        .order_by("firm_id", "-completed_at", "-id")
        .values("firm_id", "scores", "firm__country")
    ):
        latest.setdefault(row["firm_id"], row)
    by_cluster: dict[int, list[dict]] = defaultdict(list)
    for cluster_id, firm_id in sorted(pairs):
        if firm_id in latest:
            by_cluster[cluster_id].append(latest[firm_id])
    by_country: dict[str, list[dict]] = defaultdict(list)
    for row in latest.values():
        by_country[row["firm__country"]].append(row)
    from django_countries import countries

    return {
        "areas": questionnaire.AREAS,
        "by_cluster": [_group(cluster.name, by_cluster.get(cluster.pk, [])) for cluster in clusters],
        "by_country": sorted(
            (_group(str(countries.name(code)), rows) for code, rows in by_country.items()),
            key=lambda group: (group.hidden, group.label),
        ),
    }


def firm_panel_assessment(*, firm: Firm, is_member: bool) -> tuple[Assessment | None, Assessment | None]:
    """(the latest completed assessment the reader may see, the open one for the firm's people): 1 query."""
    assessments = list(
        Assessment.objects.filter(firm=firm).order_by(F("completed_at").desc(nulls_first=True), "-id")[:2]
    )
    open_one = next((a for a in assessments if not a.is_complete), None)
    latest = next((a for a in assessments if a.is_complete), None)
    if latest is not None and not (is_member or latest.share_on_profile):
        latest = None
    return latest, (open_one if is_member else None)
