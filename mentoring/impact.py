"""Mentoring's numbers for an export-promotion agency's impact dashboard, scoped to the agency's clusters.

Each function takes the cluster ids the agency sponsors and returns plain data; a fixed number of
queries however many mentorships there are. The dashboard (incentives.impact) turns each key into a row
label, so keys are written to read well there.
"""

import datetime

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.models import ClusterMembership
from mentoring.models import MentorProfile, Mentorship, Session


def mentorships_and_hours(*, cluster_ids, since: datetime.date | None = None) -> dict:
    """Running mentorships, and hours of confirmed sessions (since a date, when given): 2 queries."""
    mentorships = Mentorship.objects.filter(cluster_id__in=list(cluster_ids))
    counts = mentorships.aggregate(
        active_mentorships=Count("pk", filter=Q(status=Mentorship.Status.ACTIVE)),
        paused_mentorships=Count("pk", filter=Q(status=Mentorship.Status.PAUSED)),
        completed_mentorships=Count("pk", filter=Q(status=Mentorship.Status.COMPLETED)),
        mentorships_ended_early=Count("pk", filter=Q(status=Mentorship.Status.ENDED)),
    )
    sessions = Session.objects.filter(mentorship__cluster_id__in=list(cluster_ids), status=Session.Status.CONFIRMED)
    if since is not None:
        sessions = sessions.filter(date__gte=since)
    totals = sessions.aggregate(minutes=Sum("minutes"), sessions=Count("pk"))
    minutes = totals["minutes"] or 0
    return {**counts, "confirmed_sessions": totals["sessions"], "mentoring_hours": round(minutes / 60, 1)}


def mentor_load(*, cluster_ids, since: datetime.date | None = None) -> dict:
    """Mentors of these clusters: places taken against capacity, and how many are full: 1 query.
    A snapshot of today, so `since` changes nothing."""
    mentor_ids = ClusterMembership.objects.filter(
        cluster_id__in=list(cluster_ids),
        status=ClusterMembership.Status.ACTIVE,
        role__in=[ClusterMembership.Role.MENTOR, ClusterMembership.Role.FACILITATOR],
    ).values("user_id")
    totals = MentorProfile.objects.filter(user_id__in=mentor_ids).aggregate(
        mentors=Count("pk"),
        total_capacity=Sum("capacity"),
        total_taken=Sum("active_mentees"),
        full=Count("pk", filter=Q(capacity__gt=0, active_mentees__gte=F("capacity"))),
    )
    capacity, taken = totals["total_capacity"] or 0, totals["total_taken"] or 0
    return {
        "mentors": totals["mentors"],
        "places_offered": capacity,
        "places_taken": taken,
        "mentors_with_no_free_place": totals["full"],
        "load_percent": round(100 * taken / capacity) if capacity else 0,
    }


def outcomes(*, cluster_ids, since: datetime.date | None = None) -> dict:
    """Firms that started or restarted exporting (outcomes recorded since a date, when given), and the
    markets they reached: 1 query."""
    mentorships = Mentorship.objects.filter(
        cluster_id__in=list(cluster_ids),
        outcome__in=[Mentorship.Outcome.STARTED, Mentorship.Outcome.RESTARTED],
    )
    if since is not None:
        mentorships = mentorships.filter(outcome_recorded_at__date__gte=since)
    rows = list(
        mentorships.values_list("outcome", "outcome_markets", "mentee__firm_member__firm_id", "mentee_id")
    )
    started = {firm or f"person-{person}" for outcome, _m, firm, person in rows if outcome == Mentorship.Outcome.STARTED}
    restarted = {
        firm or f"person-{person}" for outcome, _m, firm, person in rows if outcome == Mentorship.Outcome.RESTARTED
    }
    markets: dict[str, int] = {}
    for _outcome, codes, _firm, _person in rows:
        for code in _codes(codes):
            # Named in the reader's language: the dashboard shows these keys as they are.
            name = str(countries.name(code)) or code
            markets[name] = markets.get(name, 0) + 1
    return {
        "firms_that_started_exporting": len(started),
        "firms_that_restarted_exporting": len(restarted - started),
        "markets_reached": dict(sorted(markets.items(), key=lambda item: (-item[1], item[0]))),
    }


def _codes(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [code for code in value.split(",") if code]
    return [getattr(code, "code", code) for code in value]


SECTIONS = (
    ("mentoring_activity", _("Active mentorships and mentoring hours"), mentorships_and_hours),
    ("mentoring_load", _("Mentor load against capacity"), mentor_load),
    ("mentoring_outcomes", _("Outcomes: firms that started or restarted exporting, new markets"), outcomes),
)


def register() -> None:
    """Adds mentoring's figures to the agency dashboard, when the incentives app offers the extension point."""
    try:
        from incentives import impact
    except ImportError:
        return
    register_section = getattr(impact, "register", None)
    if register_section is None:
        return
    for key, label, figures in SECTIONS:
        register_section(key, label=label, figures=figures)
