"""Reads of the agency API and its console page: scoped to one agency, fixed query counts."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from agency_api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from clusters import access
from clusters.models import Agency, Firm, FirmMember

# Countries with fewer firms than this are counted together as "other": a count of one names a firm.
SMALLEST_SHOWN = 3


def page_by_id(queryset: QuerySet, *, cursor: int | None, limit: int) -> tuple[list, int | None]:
    """Newest first, `limit` rows with ids below the cursor, and the next cursor (None at the end).
    The filter on the primary key makes every page cost the same, however deep: no OFFSET."""
    if cursor is not None:
        queryset = queryset.filter(pk__lt=cursor)
    rows = list(queryset.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more else None)


def tokens_for_agency(*, agency: Agency) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(agency=agency).select_related("created_by").order_by("-created_at", "-id")


def token_for_staff(*, agency: Agency, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(agency=agency, pk=token_id).first()
    if token is None:
        raise Http404
    return token


def endpoints_for_agency(*, agency: Agency) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(agency=agency).order_by("-created_at", "-id")


def endpoint_for_staff(*, agency: Agency, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(agency=agency, pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def deliveries_for_agency(*, agency: Agency) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint__agency=agency).select_related("endpoint").order_by("-id")


def delivery_for_staff(*, agency: Agency, delivery_id: int) -> WebhookDelivery:
    delivery = deliveries_for_agency(agency=agency).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery


def firms_reached_counts(*, agency: Agency) -> dict:
    """How many firms the agency's clusters reach, counted (firms have no consent to share more): 2 queries.
    A firm is reached when one of its active members is an active member of one of the agency's clusters
    (the dashboard's definition, incentives.impact.reach)."""
    members = access.active_memberships(cluster__agency=agency)
    firm_ids = FirmMember.objects.filter(
        user__memberships__in=members, status=FirmMember.Status.ACTIVE
    ).values("firm_id")
    firms = Firm.objects.filter(pk__in=firm_ids)
    totals = firms.aggregate(
        firms=Count("pk"), women_led=Count("pk", filter=Q(women_led=True)),
        aspirant=Count("pk", filter=Q(export_stage=Firm.Stage.ASPIRANT)),
        new_exporter=Count("pk", filter=Q(export_stage=Firm.Stage.NEW)),
        established=Count("pk", filter=Q(export_stage=Firm.Stage.ESTABLISHED)),
    )
    by_country, other = {}, 0
    for row in firms.values("country").annotate(n=Count("pk")).order_by("country"):
        if row["n"] >= SMALLEST_SHOWN:
            by_country[str(row["country"])] = row["n"]
        else:
            other += row["n"]
    return {
        "firms": totals["firms"], "women_led": totals["women_led"],
        "by_export_stage": {k: totals[k] for k in ("aspirant", "new_exporter", "established")},
        "by_country": by_country, "other_countries": other,
    }
