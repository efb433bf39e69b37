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
    assert numbers["active"] == 1 and numbers["sessions"] == 2 and numbers["minutes"] == 150
    assert numbers["hours"] == 2.5
    recent = impact.mentorships_and_hours(cluster_ids=[coffee.pk], since=today - datetime.timedelta(days=30))
    assert recent["minutes"] == 90

    load = impact.mentor_load(cluster_ids=[coffee.pk])
    assert load == {"mentors": 1, "capacity": 2, "taken": 1, "full": 0, "load_percent": 50}
    assert impact.mentor_load(cluster_ids=[seafood.pk])["full"] == 1

    services.mentorship_record_outcome(mentorship=coffee_mentorship, acting_user=ana, outcome="started",
                                       markets=["US", "DE"])
    services.mentorship_record_outcome(mentorship=seafood_mentorship, acting_user=otto, outcome="restarted",
                                       markets=["US"])
    assert impact.outcomes(cluster_ids=[coffee.pk]) == {
        "firms_started": 1, "firms_restarted": 0, "markets": {"DE": 1, "US": 1}}
    assert impact.outcomes(cluster_ids=[coffee.pk, seafood.pk]) == {
        "firms_started": 1, "firms_restarted": 1, "markets": {"US": 2, "DE": 1}}
    assert impact.outcomes(cluster_ids=[]) == {"firms_started": 0, "firms_restarted": 0, "markets": {}}
