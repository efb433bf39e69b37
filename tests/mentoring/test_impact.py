"""Mentoring's numbers for the agency impact dashboard, scoped to the agency's clusters."""

import datetime

from django.utils import timezone

from incentives import impact as dashboard
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

    def figures(clusters, days=60):
        today = timezone.localdate()
        scope = dashboard.Scope(agency=coffee.agency, start=today - datetime.timedelta(days=days - 1), end=today,
                                cluster_ids=tuple(c.pk for c in clusters))
        return {item.key: item for item in impact.provide(scope) if isinstance(item, dashboard.Indicator)}

    assert figures([coffee])["mentoring_hours"].value == 2.5
    assert figures([coffee], days=30)["mentoring_hours"].value == 1.5

    load = figures([coffee])["mentor_load"]
    assert (load.value, load.denominator) == (1, 2)
    assert "0 of 1 mentors" in str(load.extra)
    assert "1 of 1 mentors" in str(figures([seafood])["mentor_load"].extra)

    services.mentorship_record_outcome(mentorship=coffee_mentorship, acting_user=ana, outcome="started",
                                       markets=["US", "DE"])
    services.mentorship_record_outcome(mentorship=seafood_mentorship, acting_user=otto, outcome="restarted",
                                       markets=["US"])
    assert (figures([coffee])["export_entry"].value, figures([coffee])["new_markets"].value) == (1, 2)
    both = figures([coffee, seafood])
    assert (both["export_entry"].value, both["new_markets"].value) == (2, 3)
    assert (figures([])["export_entry"].value, figures([])["new_markets"].value) == (0, 0)


def test_the_indicators_are_registered_with_the_agency_dashboard(ana, mateo, mateo_profile, coffee, agency):
    assert dashboard.registered()["mentoring"] is impact.provide
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_accept(request=request, acting_user=mateo)
    report = dashboard.build(dashboard.scope_for(agency=agency, clusters=[coffee]))
    assert report.indicator("mentor_load").value == 1
    assert report.indicator("firms_reached").value == 1  # Ana's firm, mentored now
