"""Read queries that pages share, each with a fixed number of SQL queries however much data there is."""

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from clusters import access
from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmChange, FirmMember, Sector, User

Status = ClusterMembership.Status
Role = ClusterMembership.Role


def clusters_directory(
    *, sector: str = "", country: str = "", language: str = "", q: str = ""
) -> QuerySet[Cluster]:
    clusters = (
        Cluster.objects.filter(is_active=True)
        .select_related("sector", "agency")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status=Status.ACTIVE)))
        .order_by("name")
    )
    if sector:
        clusters = clusters.filter(sector__slug=sector)
    if country:
        # countries is a comma-separated column; match whole codes only.
        clusters = clusters.filter(
            Q(countries=country)
            | Q(countries__startswith=f"{country},")
            | Q(countries__endswith=f",{country}")
            | Q(countries__contains=f",{country},")
        )
    if language:
        if connection.features.supports_json_field_contains:
            clusters = clusters.filter(languages__contains=[language])
        else:
            clusters = clusters.filter(languages__icontains=f'"{language}"')
    if q:
        clusters = clusters.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return clusters


def cluster_get(*, slug: str) -> Cluster:
    try:
        return Cluster.objects.select_related("sector", "agency").get(slug=slug, is_active=True)
    except Cluster.DoesNotExist:
        raise Http404 from None


def membership_for(*, user: User, cluster: Cluster) -> ClusterMembership | None:
    if not user.is_authenticated:
        return None
    return ClusterMembership.objects.filter(user=user, cluster=cluster).first()


def may_see_who_is_in(*, user: User, cluster: Cluster, membership: ClusterMembership | None) -> bool:
    """Who is in a cluster (its facilitators, mentors and member firms) is for everyone to see in an open
    cluster; in a by-approval one only for its active members (and superusers): its firms may not want
    competitors, buyers or anyone signed out to know. Everyone sees its description and counts.
    `membership` is the person's own in this cluster (membership_for), so the rule costs no query."""
    role = membership.role if membership is not None and membership.is_active else None
    return access.may_read(user=user, cluster=cluster, role=role)


def cluster_counts(*, cluster: Cluster) -> dict[str, int]:
    """How many active members, mentors (facilitators included) and member firms: one query."""
    in_firm = Q(user__firm_member__status=FirmMember.Status.ACTIVE)
    return ClusterMembership.objects.filter(cluster=cluster, status=Status.ACTIVE).aggregate(
        members=Count("pk"),
        mentors=Count("pk", filter=Q(role__in=[Role.MENTOR, Role.FACILITATOR])),
        firms=Count("user__firm_member__firm", distinct=True, filter=in_firm),
    )


def cluster_people(*, cluster: Cluster) -> dict[str, list[ClusterMembership]]:
    """Active facilitators and mentors of a cluster with their firms: one query."""
    memberships = (
        ClusterMembership.objects.filter(
            cluster=cluster, status=Status.ACTIVE, role__in=[Role.FACILITATOR, Role.MENTOR]
        )
        .select_related("user", "user__firm_member__firm")
        .order_by("user__name", "user__email")
    )
    people = {"facilitators": [], "mentors": []}
    for membership in memberships:
        key = "facilitators" if membership.role == Role.FACILITATOR else "mentors"
        people[key].append(membership)
    return people


def cluster_members(*, cluster: Cluster) -> QuerySet[ClusterMembership]:
    """Everyone active in the cluster with their firm, for its facilitators' page: one query."""
    return (
        access.active_memberships(cluster=cluster)
        .select_related("user", "user__firm_member__firm")
        .order_by("role", "user__name")
    )


def cluster_member_firms(*, cluster: Cluster) -> QuerySet[Firm]:
    return (
        Firm.objects.filter(
            members__status=FirmMember.Status.ACTIVE,
            members__user__memberships__cluster=cluster,
            members__user__memberships__status=Status.ACTIVE,
        )
        .distinct()
        .order_by("name")
    )


def clusters_of_user(*, user: User) -> QuerySet[ClusterMembership]:
    return (
        ClusterMembership.objects.filter(user=user, status__in=[Status.ACTIVE, Status.PENDING])
        .select_related("cluster", "cluster__sector")
        .order_by("cluster__name")
    )


def pending_requests_for_facilitator(*, user: User) -> QuerySet[ClusterMembership]:
    """Requests waiting in every cluster this person facilitates (every cluster for a superuser)."""
    pending = ClusterMembership.objects.filter(access.facilitated_q(user, "cluster__"), status=Status.PENDING)
    return pending.select_related("cluster", "user", "user__firm_member__firm").order_by("requested_at")


def pending_request_for_facilitator(*, user: User, membership_id: int) -> ClusterMembership:
    try:
        return pending_requests_for_facilitator(user=user).get(pk=membership_id)
    except ClusterMembership.DoesNotExist:
        raise Http404 from None


def firm_get(*, firm_id: int) -> Firm:
    try:
        return Firm.objects.prefetch_related(
            "sectors",
            Prefetch(
                "members",
                queryset=FirmMember.objects.filter(status=FirmMember.Status.ACTIVE).select_related("user"),
                to_attr="active_members",
            ),
        ).get(pk=firm_id)
    except Firm.DoesNotExist:
        raise Http404 from None


def firm_clusters(*, firm: Firm, user: User) -> QuerySet[Cluster]:
    """The clusters the firm's people are in, that this person may see the firm in (may_see_who_is_in):
    the open ones, and the by-approval ones where they are an active member themselves."""
    clusters = Cluster.objects.filter(
        is_active=True,
        memberships__status=Status.ACTIVE,
        memberships__user__firm_member__firm=firm,
        memberships__user__firm_member__status=FirmMember.Status.ACTIVE,
    )
    return clusters.filter(access.readable_q(user)).distinct().order_by("name")


def firm_pending_members(*, firm: Firm, user: User) -> list[FirmMember]:
    """Join requests that this person may decide (they are an active member of the firm)."""
    if not user.is_authenticated:
        return []
    is_member = user.is_superuser or any(m.user_id == user.pk for m in getattr(firm, "active_members", []))
    if not is_member:
        return []
    return list(firm.members.filter(status=FirmMember.Status.PENDING).select_related("user"))


def firm_changes(*, firm: Firm, limit: int = 20) -> list[FirmChange]:
    """The latest changes to the firm's profile, with who made them: 1 query."""
    return list(firm.changes.select_related("changed_by").order_by("-changed_at", "-id")[:limit])


def agencies_of_user(*, user: User) -> QuerySet[Agency]:
    return Agency.objects.filter(staff=user)


def active_clusters_preview(*, limit: int = 6) -> list[Cluster]:
    return list(clusters_directory()[:limit])


def sector_of_person(*, user: User) -> Sector | None:
    """The first sector of the person's firm (the one they registered or asked to join): 1 query."""
    return Sector.objects.filter(firms__members__user=user).order_by("name").first()
