"""Mentoring's numbers for the agency impact dashboard, scoped to the agency's clusters."""

import datetime

from django.utils import timezone

from mentoring import impact, services
from tests.conftest import activate, make_person
from tests.mentoring.conftest import GOAL, make_mentor


def _mentorship(mentor, mentee):
    request = services.request_create(aspirant=mentee, mentor=mentor, goal=GOAL)
    return services.request_accept(request=request, acting_user=mentor)


def test_the_numbers_count_only_the_agencys_clusters(ana, mateo, mateo_profile, coffee, seafood, otto):
    coffee_mentorship = _mentorship(mateo, ana)
    pablo = make_person("pablo@example.org", name="Pablo", wants_to_mentor=True)
    activate(pablo, seafood, "mentor")
    make_mentor(pablo, capacity=1)
    seafood_mentorship = _mentorship(pablo, otto)
    assert coffee_mentorship.cluster == coffee and seafood_mentorship.cluster == seafood

    today = timezone.localdate()
    for days_ago, minutes, confirm in ((40, 60, True), (3, 90, True), (1, 30, False)):
        session = services.session_log(mentorship=coffee_mentorship, acting_user=mateo, minutes=minutes,
                                       date=today - datetime.timedelta(days=days_ago))
        if confirm:
            services.session_confirm(session=session, acting_user=ana)
    other = services.session_log(mentorship=seafood_mentorship, acting_user=pablo, date=today, minutes=480)
    services.session_confirm(session=other, acting_user=otto)

    numbers = impact.mentorships_and_hours(cluster_ids=[coffee.pk])
    assert numbers == {"active_mentorships": 1, "paused_mentorships": 0, "completed_mentorships": 0,
                       "mentorships_ended_early": 0, "confirmed_sessions": 2, "mentoring_hours": 2.5}
    recent = impact.mentorships_and_hours(cluster_ids=[coffee.pk], since=today - datetime.timedelta(days=30))
    assert recent["mentoring_hours"] == 1.5

    load = impact.mentor_load(cluster_ids=[coffee.pk])
    assert load == {"mentors": 1, "places_offered": 2, "places_taken": 1, "mentors_with_no_free_place": 0,
                    "load_percent": 50}
    assert impact.mentor_load(cluster_ids=[seafood.pk])["mentors_with_no_free_place"] == 1

    services.mentorship_record_outcome(mentorship=coffee_mentorship, acting_user=ana, outcome="started",
                                       markets=["US", "DE"])
    services.mentorship_record_outcome(mentorship=seafood_mentorship, acting_user=otto, outcome="restarted",
                                       markets=["US"])
    assert impact.outcomes(cluster_ids=[coffee.pk]) == {
        "firms_that_started_exporting": 1, "firms_that_restarted_exporting": 0, "markets_reached": {"Germany": 1, "United States of America": 1}}
    assert impact.outcomes(cluster_ids=[coffee.pk, seafood.pk]) == {
        "firms_that_started_exporting": 1, "firms_that_restarted_exporting": 1, "markets_reached": {"United States of America": 2, "Germany": 1}}
    assert impact.outcomes(cluster_ids=[]) == {
        "firms_that_started_exporting": 0, "firms_that_restarted_exporting": 0, "markets_reached": {}}


def test_the_figures_are_registered_with_the_agency_dashboard(ana, mateo, mateo_profile, coffee, agency):
    from incentives import impact as dashboard

    registered = dashboard.registered()
    for key in ("mentoring_activity", "mentoring_load", "mentoring_outcomes"):
        assert key in registered
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_accept(request=request, acting_user=mateo)
    results = {r.key: r for r in dashboard.dashboard(agency=agency)}
    assert results["mentoring_activity"].available
    assert ("Active mentorships", "1") in [tuple(map(str, row)) for row in results["mentoring_activity"].rows]
