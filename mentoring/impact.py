"""Mentoring's indicators for an export-promotion agency's impact page, scoped to the agency's clusters:
mentoring hours, mentor load, and the export outcomes of the firms mentored (entry, survival and
diversification). A fixed number of queries however many mentorships there are; registered with
incentives.impact from MentoringConfig.ready().
"""

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from clusters import access
from mentoring.models import MentorProfile, Mentorship, OutcomeFollowUp, Session

EXPORTED = (Mentorship.Outcome.STARTED, Mentorship.Outcome.RESTARTED)


def _in_country(prefix: str, country: str) -> Q:
    return Q(**{f"{prefix}__firm_member__firm__country": country}) | Q(
        **{f"{prefix}__firm_member__isnull": True, f"{prefix}__country": country})


def _mentorships(scope):
    mentorships = Mentorship.objects.filter(cluster_id__in=scope.cluster_ids)
    if scope.country:
        mentorships = mentorships.filter(_in_country("mentee", scope.country))
    return mentorships


def hours(scope) -> list:
    """Confirmed mentoring hours per week or month, this period and the previous one: 1 query."""
    from incentives.impact import Indicator, Series

    sessions = Session.objects.filter(mentorship__in=_mentorships(scope), status=Session.Status.CONFIRMED)
    per_bucket = {
        bucket: round((row["minutes"] or 0) / 60, 1)
        for bucket, row in scope.bucketed(scope.where(sessions, "date", both=True, is_date=True)
                                          .annotate(bucket=scope.bucket("date", is_date=True)).values("bucket")
                                          .annotate(minutes=Sum("minutes")).order_by()).items()
    }
    now = set(scope.buckets())
    total = round(sum(v for bucket, v in per_bucket.items() if bucket in now), 1)
    return [
        Indicator(section="mentoring", key="mentoring_hours", label=_("Mentoring hours confirmed"),
                  definition=_("Hours of mentoring sessions held in the period that both sides confirmed."),
                  value=total, unit=_("hours"), unit_one=_("hour")),
        Series(section="mentoring", key="mentoring_hours", label=_("Mentoring hours confirmed"), unit=_("hours"),
               values=per_bucket),
    ]


def load(scope) -> list:
    """Mentors of these clusters today: places taken against places offered: 1 query."""
    from incentives.impact import Indicator

    mentor_ids = access.active_memberships(cluster_id__in=scope.cluster_ids, role__in=access.MENTOR_ROLES).values(
        "user_id"
    )
    totals = MentorProfile.objects.filter(user_id__in=mentor_ids).aggregate(
        mentors=Count("pk"),
        places=Sum("capacity", default=0),
        taken=Sum("active_mentees", default=0),
        full=Count("pk", filter=Q(capacity__gt=0, active_mentees__gte=F("capacity"))),
    )
    return [
        Indicator(section="mentoring", key="mentor_load", label=_("Mentor load"),
                  definition=_("Mentees in running mentorships against the places mentors offer, today."),
                  value=totals["taken"], denominator=totals["places"], base=_("places offered"), rate=True,
                  unit=_("places"), unit_one=_("place"),
                  extra=_("%(full)s of %(mentors)s mentors have no free place") % {
                      "full": totals["full"], "mentors": totals["mentors"]}),
    ]


def outcomes(scope) -> list:
    """Entry, survival at 6 and 12 months and new markets, from mentorship outcomes and the firms' follow-up
    answers: 3 queries."""
    from incentives.impact import Indicator, Reached

    mentorships = _mentorships(scope)
    # The firms that reported in the period; all their reports up to its end are read, because earlier
    # ones tell whether a firm already exported and which markets are not new.
    exported = mentorships.filter(outcome__in=EXPORTED)
    reporting = Q(mentee__firm_member__firm_id__in=scope.where(exported, "outcome_recorded_at")
                  .values("mentee__firm_member__firm_id")) | Q(
        mentee__firm_member__firm_id__in=scope.where(
            OutcomeFollowUp.objects.filter(mentorship__in=mentorships), "answered_at").values("firm_id"))
    recorded = list(
        exported.filter(outcome_recorded_at__lt=scope.end_bound)
        .filter(reporting | Q(mentee__firm_member__isnull=True))
        .values_list("mentee__firm_member__firm_id", "mentee_id", "outcome_recorded_at", "outcome_markets")
    )
    # Every report read is one of exporting (a follow-up saying "not exporting" changes neither figure).
    reports = [(firm or f"person-{person}", at, _codes(markets)) for firm, person, at, markets in recorded]
    reports += _follow_up_reports(scope, mentorships, reporting)
    entered, new_markets = set(), 0
    known: dict = {}  # who -> the markets reported so far
    start, end = scope.start_bound, scope.end_bound
    for who, at, markets in sorted(reports, key=lambda r: (r[1], str(r[0]))):
        seen = known.get(who)
        current = start <= at < end
        if seen is None:  # the first report of exporting
            seen = known[who] = set()
            if current:
                entered.add(who)
        fresh = [code for code in markets if code not in seen]
        if current:
            new_markets += len(fresh)
        seen.update(fresh)
    items = [
        Indicator(section="outcomes", key="export_entry", label=_("Firms that started exporting"),
                  definition=_("Firms mentored that first reported exporting in the period (started or restarted), "
                               "at the end of a mentorship or in a follow-up."),
                  value=len(entered), unit=_("firms"), unit_one=_("firm")),
        Indicator(section="outcomes", key="new_markets", label=_("New markets added"),
                  definition=_("Countries a firm reported exporting to in the period that it had not reported before."),
                  value=new_markets, unit=_("markets"), unit_one=_("market")),
    ]
    items += _survival(scope, mentorships)
    running = mentorships.filter(started_at__lt=scope.end_bound).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=scope.start_bound))
    items.append(Reached(firm_ids=running.filter(mentee__firm_member__isnull=False)
                         .values("mentee__firm_member__firm_id")))
    return items


def _follow_up_reports(scope, mentorships, reporting: Q) -> list:
    rows = OutcomeFollowUp.objects.filter(
        mentorship__in=mentorships.filter(reporting), answered_at__isnull=False, answered_at__lt=scope.end_bound,
        exporting=True,
    ).values_list("firm_id", "answered_at", "markets")
    return [(firm, at, _codes(markets)) for firm, at, markets in rows]


def _survival(scope, mentorships) -> list:
    """Of the firms that exported when their mentorship ended and were asked at 6 (12) months in the period,
    how many still export: 1 query."""
    from incentives.impact import Indicator

    asked = scope.where(OutcomeFollowUp.objects.filter(mentorship__in=mentorships.filter(outcome__in=EXPORTED),
                                             asked_at__isnull=False), "asked_at")
    counts = asked.aggregate(**{
        f"{key}_{m}": Count("pk", filter=Q(months=m, **extra))
        for m in (6, 12)
        for key, extra in (("asked", {}), ("answered", {"answered_at__isnull": False}),
                           ("exporting", {"answered_at__isnull": False, "exporting": True}))
    })
    return [
        Indicator(section="outcomes", key=f"survival_{m}", label=label,
                  definition=_("Firms that exported when their mentorship ended and, asked in the period, said they "
                               "still export; firms that did not answer count as not known to export."),
                  value=counts[f"exporting_{m}"], denominator=counts[f"asked_{m}"], base=_("firms asked"), rate=True,
                  unit=_("firms"), unit_one=_("firm"), extra=_("%(answered)s of %(asked)s answered") % {
                      "answered": counts[f"answered_{m}"], "asked": counts[f"asked_{m}"]})
        for m, label in ((6, _("Still exporting at 6 months")), (12, _("Still exporting at 12 months")))
    ]


def _codes(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [code for code in value.split(",") if code]
    return [code if isinstance(code, str) else code.code for code in value]


def provide(scope) -> list:
    return [*outcomes(scope), *hours(scope), *load(scope)]


def register() -> None:
    """Adds mentoring's indicators to the agency's impact page, when incentives offers the extension point."""
    try:
        from incentives import impact
    except ImportError:
        return
    register_section = getattr(impact, "register", None)
    if register_section is None:
        return
    register_section("mentoring", provide=provide)
