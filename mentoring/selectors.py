"""Read queries that mentoring pages share, each a fixed number of SQL queries however much data there is.

People see only their own requests and mentorships; anyone else gets the same 404 as for a missing one.
"""

import datetime

from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from clusters import access
from clusters.models import Cluster as ClusterModel
from clusters.models import FirmMember as FirmMemberModel
from clusters.models import User
from mentoring import gaps, matching
from mentoring.models import (
    AspirantNeeds,
    Goal,
    MentorMarket,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    Milestone,
    OutcomeFollowUp,
    Session,
)
from messaging.models import Message

# The pure ranking runs over at most this many candidates, the likeliest first (see mentor_suggestions).
SUGGESTION_POOL = 120


def _json_list_contains(queryset: QuerySet, field: str, value: str) -> QuerySet:
    if connection.features.supports_json_field_contains:
        return queryset.filter(**{f"{field}__contains": [value]})
    return queryset.filter(**{f"{field}__icontains": f'"{value}"'})


def _profiles() -> QuerySet[MentorProfile]:
    return (
        MentorProfile.objects.filter(user__is_active=True)
        .select_related("user", "user__firm_member__firm")
        .prefetch_related("sectors", "markets")
    )


def mentors_directory(
    *, sector: str = "", market: str = "", topic: str = "", language: str = "", has_room: bool = False
) -> QuerySet[MentorProfile]:
    profiles = _profiles().order_by("-is_accepting", "user__name", "pk")
    if sector:
        profiles = profiles.filter(Exists(MentorProfile.sectors.through.objects.filter(
            mentorprofile_id=OuterRef("pk"), sector__slug=sector)))
    if market:
        profiles = profiles.filter(Exists(MentorMarket.objects.filter(profile=OuterRef("pk"), country=market)))
    if topic:
        profiles = _json_list_contains(profiles, "topics", topic)
    if language:
        profiles = _json_list_contains(profiles, "languages", language)
    if has_room:
        profiles = profiles.filter(is_accepting=True, active_mentees__lt=F("capacity"))
    return profiles


def mentor_get(*, user_id: int) -> MentorProfile:
    try:
        return _profiles().get(user_id=user_id)
    except MentorProfile.DoesNotExist:
        raise Http404 from None


def mentor_profile_of(*, user: User) -> MentorProfile | None:
    if not user.is_authenticated:
        return None
    return MentorProfile.objects.filter(user=user).prefetch_related("sectors", "markets").first()


def needs_of(*, user: User) -> AspirantNeeds | None:
    if not user.is_authenticated:
        return None
    return AspirantNeeds.objects.filter(user=user).select_related("sector").first()


# --- Matching ------------------------------------------------------------------------------------


def mentor_facts(profile: MentorProfile) -> matching.MentorFacts:
    """Plain facts for the pure matching function; sectors and markets must be prefetched."""
    return matching.MentorFacts(
        user_id=profile.user_id,
        name=profile.user.display_name,
        sector_ids=frozenset(s.pk for s in profile.sectors.all()),
        markets=tuple(
            matching.MarketFact(country=m.country.code, country_name=str(m.country.name), since_year=m.since_year)
            for m in profile.markets.all()
        ),
        topics=frozenset(profile.topics or []),
        languages=frozenset(profile.languages or []),
        capacity=profile.capacity,
        active_mentees=profile.active_mentees,
        response_median_hours=profile.response_median_hours,
        is_accepting=profile.is_accepting,
    )


def needs_facts(needs: AspirantNeeds | None, *, gap_facts: tuple = ()) -> matching.NeedsFacts | None:
    if needs is None:
        return None
    return matching.NeedsFacts(
        gaps=tuple(gap_facts),
        sector_id=needs.sector_id,
        sector_name=needs.sector.localized_name if needs.sector else "",
        target_markets=tuple(c.code for c in needs.target_markets),
        topics=frozenset(needs.topics or []),
        language=needs.language,
    )


def mentor_suggestions(*, user: User, needs: AspirantNeeds | None, limit: int = 6) -> list[tuple]:
    """Mentors for this aspirant, best first, as (profile, match) pairs.

    Candidates are the mentors with a free place, minus the aspirant and anyone they already asked or
    are mentored by. The pool is bounded so the page stays fast with thousands of mentors: the database
    puts first those who export to a target market or share the sector (the two heaviest parts of the
    score), then the pure function in mentoring.matching ranks them and explains why, weighing the
    aspirant's export-readiness gaps (mentoring.gaps) against the mentors' topics.
    4 queries (the gaps, profiles, their sectors, their markets).
    """
    if needs is None:
        return []
    open_or_running = Q(Exists(MentorshipRequest.objects.filter(
        mentor_id=OuterRef("user_id"), aspirant=user, status__in=MentorshipRequest.OPEN_STATUSES))) | Q(
        Exists(Mentorship.objects.filter(
            mentor_id=OuterRef("user_id"), mentee=user, status__in=Mentorship.RUNNING_STATUSES)))
    targets = [c.code for c in needs.target_markets]
    candidates = list(
        _profiles()
        .filter(is_accepting=True, active_mentees__lt=F("capacity"))
        .exclude(user=user)
        .exclude(open_or_running)
        .annotate(
            exports_to_target=Exists(MentorMarket.objects.filter(profile=OuterRef("pk"), country__in=targets)),
            shares_sector=Exists(MentorProfile.sectors.through.objects.filter(
                mentorprofile_id=OuterRef("pk"), sector_id=needs.sector_id)),
        )
        .order_by("-exports_to_target", "-shares_sector", "-accepted_answers", "pk")[:SUGGESTION_POOL]
    )
    by_user = {p.user_id: p for p in candidates}
    facts = needs_facts(needs, gap_facts=gaps.gaps_of(user))
    matches = matching.rank(facts, [mentor_facts(p) for p in candidates], limit=limit)
    return [(by_user[m.mentor.user_id], m) for m in matches]


# --- Requests and mentorships --------------------------------------------------------------------


def request_get_for_user(*, user: User, request_id: int) -> MentorshipRequest:
    try:
        return (
            MentorshipRequest.objects.filter(Q(aspirant=user) | Q(mentor=user))
            .select_related("aspirant", "aspirant__firm_member__firm", "mentor", "mentorship")
            .get(pk=request_id)
        )
    except MentorshipRequest.DoesNotExist:
        raise Http404 from None


def open_request_between(*, aspirant: User, mentor_id: int) -> MentorshipRequest | None:
    if aspirant.pk == mentor_id:
        return None
    return MentorshipRequest.objects.filter(
        aspirant=aspirant, mentor_id=mentor_id, status__in=MentorshipRequest.OPEN_STATUSES
    ).first()


def requests_received(*, user: User) -> QuerySet[MentorshipRequest]:
    return (
        MentorshipRequest.objects.filter(mentor=user, status__in=MentorshipRequest.OPEN_STATUSES)
        .select_related("aspirant", "aspirant__firm_member__firm")
        .order_by("expires_at")
    )


def requests_sent(*, user: User) -> QuerySet[MentorshipRequest]:
    return MentorshipRequest.objects.filter(aspirant=user).select_related("mentor").order_by("-created_at")


def mentorships_of_user(*, user: User) -> QuerySet[Mentorship]:
    return (
        Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee", "mentee__firm_member__firm", "mentor__firm_member__firm")
        .annotate(
            pending_sessions=Count("sessions", filter=Q(sessions__status=Session.Status.PENDING)),
            confirmed_minutes=Sum("sessions__minutes", filter=Q(sessions__status=Session.Status.CONFIRMED)),
        )
        .order_by("-started_at", "-pk")
    )


def sessions_to_confirm(*, user: User) -> QuerySet[Session]:
    return (
        Session.objects.filter(mentorship__mentee=user, status=Session.Status.PENDING)
        .select_related("mentorship", "mentorship__mentor")
        .order_by("date", "pk")
    )


def mentorship_get_for_user(*, user: User, mentorship_id: int) -> Mentorship:
    """The mentorship with its plan and sessions: 4 queries (mentorship with both people, its firm,
    cluster and room; goals; their milestones; sessions)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return (
            Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
            .select_related(
                "mentor", "mentee", "mentee__firm_member__firm", "mentor__firm_member__firm", "cluster", "room",
                "request",
            )
            .prefetch_related(
                Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
                Prefetch("goals__milestones", queryset=Milestone.objects.order_by("position", "pk")),
                Prefetch("sessions", queryset=Session.objects.order_by("-date", "-pk")),
            )
            .get(pk=mentorship_id)
        )
    except Mentorship.DoesNotExist:
        raise Http404 from None


def goal_get_for_user(*, user: User, goal_id: int) -> Goal:
    try:
        return Goal.objects.select_related("mentorship").get(
            Q(mentorship__mentor=user) | Q(mentorship__mentee=user), pk=goal_id
        )
    except Goal.DoesNotExist:
        raise Http404 from None


def milestone_get_for_user(*, user: User, milestone_id: int) -> Milestone:
    try:
        return Milestone.objects.select_related("goal__mentorship").get(
            Q(goal__mentorship__mentor=user) | Q(goal__mentorship__mentee=user), pk=milestone_id
        )
    except Milestone.DoesNotExist:
        raise Http404 from None


def session_get_for_user(*, user: User, session_id: int) -> Session:
    try:
        return Session.objects.select_related("mentorship").get(
            Q(mentorship__mentor=user) | Q(mentorship__mentee=user), pk=session_id
        )
    except Session.DoesNotExist:
        raise Http404 from None


def suggested_session_minutes(*, mentorship: Mentorship, date: datetime.date) -> int | None:
    """A duration for the session form from that day's chat in the mentorship room: the span between the
    first and last message, rounded up to 5 minutes and kept within 5-480. None when nobody wrote."""
    if mentorship.room_id is None:
        return None
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date, datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=1)
    span = Message.objects.filter(
        room_id=mentorship.room_id, created_at__gte=start, created_at__lt=end, deleted_at__isnull=True
    ).aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return None
    return minutes_from_span(span["first"], span["last"])


def minutes_from_span(first: datetime.datetime, last: datetime.datetime) -> int:
    minutes = int((last - first).total_seconds() // 60)
    rounded = -(-minutes // 5) * 5
    return min(max(rounded, Session.MIN_MINUTES), Session.MAX_MINUTES)


def waiting_counts(*, user: User) -> dict[str, int]:
    """Badges for the mentorships page: requests waiting for me, sessions waiting for my confirmation."""
    return {
        "requests": MentorshipRequest.objects.filter(mentor=user, status=MentorshipRequest.Status.PENDING).count(),
        "sessions": Session.objects.filter(mentorship__mentee=user, status=Session.Status.PENDING).count(),
    }


def next_milestone_for_mentee(*, user: User) -> Milestone | None:
    """The next milestone not yet done in this person's running mentorships as a mentee (soonest due
    first, undated ones after), with its goal and mentorship: 1 query."""
    return (
        Milestone.objects.filter(
            goal__mentorship__mentee=user,
            goal__mentorship__status__in=Mentorship.RUNNING_STATUSES,
            done_at__isnull=True,
        )
        .select_related("goal", "goal__mentorship", "goal__mentorship__mentor")
        .order_by(F("due_on").asc(nulls_last=True), "goal__position", "position", "pk")
        .first()
    )


# --- Outcome follow-ups ----------------------------------------------------------------------------


def _between(queryset: QuerySet, field: str, since, until) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def followups_answered(*, firm_ids=None, since=None, until=None) -> QuerySet[OutcomeFollowUp]:
    """Answered follow-ups, answered in [since, until) (datetimes; either may be None), of `firm_ids`
    (None: every firm). One query; firm and mentorship come with each row."""
    queryset = OutcomeFollowUp.objects.filter(answered_at__isnull=False).select_related("firm", "mentorship")
    if firm_ids is not None:
        queryset = queryset.filter(firm_id__in=firm_ids)
    return _between(queryset, "answered_at", since, until).order_by("answered_at", "id")


def followups_due(*, firm_ids=None, since=None, until=None) -> QuerySet[OutcomeFollowUp]:
    """Follow-ups due in [since, until) (dates; either may be None), answered or not: the denominator of
    a response or survival rate ("of those asked")."""
    queryset = OutcomeFollowUp.objects.select_related("firm", "mentorship")
    if firm_ids is not None:
        queryset = queryset.filter(firm_id__in=firm_ids)
    return _between(queryset, "due_on", since, until).order_by("due_on", "id")


def followups_due_for_firm(*, firm_id: int | None, today: datetime.date | None = None) -> list[OutcomeFollowUp]:
    """The follow-ups a firm should answer now (shown to its active members: clusters.nav.active_firm_id):
    due and unanswered. One query, none without a firm. `today` defaults to the site's date; a follow-up
    due tomorrow where the firm is (a day ahead of the site) shows a day later, never earlier."""
    if firm_id is None:
        return []
    today = today or timezone.localdate()
    return list(
        OutcomeFollowUp.objects.filter(firm_id=firm_id, answered_at__isnull=True, due_on__lte=today)
        .select_related("firm", "mentorship__mentor")
        .order_by("due_on", "id")
    )


def followups_for_facilitator(*, user: User, today: datetime.date | None = None, limit: int = 200) -> list:
    """Due, unanswered follow-ups of mentorships in the clusters a person facilitates, oldest first, so a
    facilitator can call the firm and record its answer. One query."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    return list(
        OutcomeFollowUp.objects.filter(
            access.facilitated_q(user, "mentorship__cluster__"), answered_at__isnull=True, due_on__lte=today
        )
        .select_related("firm", "mentorship__mentor", "mentorship__mentee", "mentorship__cluster")
        .order_by("due_on", "id")[:limit]
    )


def followup_get_for_user(*, user: User, followup_id: int) -> OutcomeFollowUp:
    """A follow-up for a member of its firm or a facilitator of its mentorship's cluster (or a
    superuser); anyone else gets a 404. One query."""
    followup = (
        OutcomeFollowUp.objects.select_related("firm", "mentorship__mentor", "mentorship__mentee",
                                               "mentorship__cluster", "recorded_by")
        .filter(pk=followup_id)
        .annotate(
            is_member=Exists(
                FirmMemberModel.objects.filter(firm_id=OuterRef("firm_id"), user_id=user.pk, status="active")
            ),
            is_facilitator=Exists(
                ClusterModel.objects.filter(access.facilitated_q(user), pk=OuterRef("mentorship__cluster_id"))
            ),
        )
        .first()
    ) if user.is_authenticated else None
    if followup is None or not (followup.is_member or followup.is_facilitator or user.is_superuser):
        raise Http404
    return followup


def followup_changes(*, followup: OutcomeFollowUp) -> QuerySet:
    return followup.changes.select_related("changed_by").order_by("changed_at", "id")
