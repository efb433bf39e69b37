"""The signed-in home: each persona lands on what waits for them, and the page's query count depends on
who they are, never on how much waits.

Every signed-in page pays 4 for the layout: the session, the user, messaging's unread counts, and the
header's agency check and firm (clusters.nav). The home reads both header values itself, once, and
hands them to the header (messaging.header.keep), so they are counted here as part of the layout.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterMembership
from clusters.services import membership_join
from incentives import services as incentives
from incentives.awards import award_grant
from mentoring import services as mentoring
from messaging import services as messaging
from questions import services as questions
from tests.conftest import activate, make_person
from tests.mentoring.conftest import make_mentor

LAYOUT = 2  # session, user (the header's counts and links are kept: infra.cache)
EVERYONE = 2  # memberships with their clusters; readable rooms with unread counts
FIRM = 1  # the firm's referrals (for an active member of a firm: Ana, Mateo; Lucía and Rafael have none)
# the other person of unread direct rooms (only when there are some)
ASPIRANT = 6  # sessions to confirm; requests sent; own questions; next milestone; follow-ups due;
# the firm's latest readiness assessment (the last two only with a firm)
MENTOR = 4 + 3  # questions waiting (profile, cluster ids, candidates, ...); requests received; mentorships; wallets
FACILITATOR = 2  # admissions; open reports
AGENCY = 1  # agencies with their queues


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def mentorship(ana, mateo, sector):
    make_mentor(mateo, sectors=[sector])
    request = mentoring.request_create(aspirant=ana, mentor=mateo, goal="Ship a first container to Hamburg.")
    mentorship = mentoring.request_accept(request=request, acting_user=mateo)
    goal = mentoring.goal_add(mentorship=mentorship, acting_user=mateo, title="Get the EUDR paperwork right")
    mentoring.milestone_add(goal=goal, acting_user=mateo, title="Geolocate every farm plot",
                            due_on=timezone.localdate() + datetime.timedelta(days=10))
    return mentorship


@pytest.fixture
def review_program(agency, coffee, rafael):
    program = incentives.program_create(
        agency=agency, acting_user=rafael, name="Café en revisión", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000,
        rate_accepted_answer=50, rate_mentoring_hour=100, rate_helpful_vote=5, auto_approve=False,
    )
    incentives.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program


@pytest.fixture
def grow(ana, mateo, lucia, coffee, no_rate_limits):
    """Adds n of everything that waits for someone: a question of Ana's that Mateo answers, one he has not
    answered, a message in the general room, a request to join the coffee cluster and a report."""
    room = messaging.room_general_for_cluster(cluster=coffee)

    def grow(start, n):
        for k in range(start, start + n):
            mine = questions.question_ask(cluster=coffee, author=ana, title=f"How do I price lot {k} for Hamburg?")
            questions.answer_post(question=mine, author=mateo, body=f"Start from the C price plus {k} cents.")
            questions.question_ask(cluster=coffee, author=ana, title=f"Which Incoterm for lot {k} by sea?")
            message = messaging.message_post(room=room, author=mateo, body=f"Bienvenidos, lote {k}")
            messaging.message_report(message=message, reporter=ana, reason="")
            newcomer = make_person(f"new{k}@example.org", name=f"Nueva {k}")
            membership_join(cluster=coffee, user=newcomer)

    return grow


def test_a_visitor_still_gets_the_page_that_explains_puente(client, coffee):
    response = client.get(reverse("home"))
    assert b"Learn to export" in response.content


def test_signing_in_lands_on_the_persons_home_not_the_marketing_page(client, ana):
    response = client.post(reverse("account_login"), {"login": "ana@example.org", "password": "puente-test-pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(response["Location"]).content.decode()
    assert "Hello, Ana Martínez" in page
    assert "Learn to export" not in page


def test_the_aspirant_sees_her_session_to_confirm_her_request_her_questions_and_next_milestone(
    client, ana, mateo, mentorship, grow
):
    mentoring.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=45)
    lena = make_person("lena@example.org", name="Lena Brandt", country="DE", wants_to_mentor=True)
    activate(lena, mentorship.cluster, ClusterMembership.Role.MENTOR)
    make_mentor(lena, sectors=[mentorship.cluster.sector])
    mentoring.request_create(aspirant=ana, mentor=lena, goal="Find a roaster in Germany.")
    grow(0, 1)
    page = _home(client, ana)
    assert "45 minutes with Mateo Restrepo" in page
    assert "Geolocate every farm plot" in page
    assert "Lena Brandt" in page and "Waiting for the mentor" in page
    assert "How do I price lot 0 for Hamburg?" in page and "1 answer" in page
    assert 'data-home="rooms"' in page and "Bienvenidos" not in page  # the room, not its messages
    assert "Café especial" in page  # the unread general room's cluster
    # nothing of other roles
    assert 'data-home="questions-waiting"' not in page and 'data-home="admissions"' not in page
    assert 'data-home="agency"' not in page


def test_the_aspirants_home_after_acting_no_longer_asks_her(client, ana, mateo, mentorship):
    session = mentoring.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=45)
    mentoring.session_confirm(session=session, acting_user=ana)
    page = _home(client, ana)
    assert "45 minutes with Mateo Restrepo" not in page
    assert "Nothing to confirm." in page


def test_a_new_person_without_anything_is_pointed_to_the_next_step(client, nadie):
    page = _home(client, nadie)
    assert "You are in no cluster yet." in page
    assert reverse("clusters:directory") in page


def test_the_mentor_sees_questions_waiting_requests_his_mentees_and_credits(client, ana, mateo, sector, grow):
    make_mentor(mateo, sectors=[sector])
    mentoring.request_create(aspirant=ana, mentor=mateo, goal="Ship a first container to Hamburg.")
    grow(0, 1)
    page = _home(client, mateo)
    assert "Which Incoterm for lot 0 by sea?" in page  # not answered by him
    assert "How do I price lot 0 for Hamburg?" not in page  # he answered it
    assert 'data-home="requests-received"' in page and "Ana Martínez" in page
    assert 'data-home="credits"' in page
    assert 'data-home="sessions"' not in page


def test_the_facilitator_sees_admissions_and_reports(client, lucia, grow):
    grow(0, 1)
    page = _home(client, lucia)
    assert "Nueva 0" in page and reverse("clusters:pending") in page
    assert 'data-home="reports"' in page and reverse("messaging:moderation") in page


def test_agency_staff_see_awards_to_review_redemptions_and_impact(client, rafael, agency, mateo, coffee,
                                                                   review_program):
    award_grant(kind="helpful_vote", beneficiary=mateo, cluster=coffee, source_ref="questions.vote:1",
                description="Helpful answer", caused_by=None)
    page = _home(client, rafael)
    assert "1 award to review" in page
    assert "0 redemptions to approve" in page
    assert reverse("incentives:dashboard", args=[agency.slug]) in page
    assert 'data-home="sessions"' not in page and 'data-home="clusters"' not in page


def _count_twice(client, user, grow, django_assert_num_queries, expected):
    client.force_login(user)
    client.get(reverse("home"))  # the header's values kept, as on every page after the first
    for start, n in [(0, 1), (1, 6)]:
        grow(start, n)
        with django_assert_num_queries(expected):
            assert client.get(reverse("home")).status_code == 200


def test_the_aspirants_home_has_a_fixed_query_count(client, ana, mentorship, grow, django_assert_num_queries):
    # + her badge counts, counted afresh: grow() writes to her in the mentorship room, which updates her badge at once
    _count_twice(client, ana, grow, django_assert_num_queries, LAYOUT + 1 + EVERYONE + FIRM + ASPIRANT)


def test_the_mentors_home_has_a_fixed_query_count(client, mateo, mentorship, grow, django_assert_num_queries):
    _count_twice(client, mateo, grow, django_assert_num_queries, LAYOUT + EVERYONE + FIRM + MENTOR)


def test_the_facilitators_home_has_a_fixed_query_count(client, lucia, grow, django_assert_num_queries):
    _count_twice(client, lucia, grow, django_assert_num_queries, LAYOUT + EVERYONE + FACILITATOR)


def test_the_agency_staffs_home_has_a_fixed_query_count(client, rafael, review_program, mateo, coffee, grow,
                                                          django_assert_num_queries):
    def grow_awards(start, n):
        grow(start, n)
        for k in range(start, start + n):
            award_grant(kind="helpful_vote", beneficiary=mateo, cluster=coffee, source_ref=f"questions.vote:{k}",
                        description="Helpful answer", caused_by=None)

    _count_twice(client, rafael, grow_awards, django_assert_num_queries, LAYOUT + EVERYONE + AGENCY)


def test_a_follow_up_that_is_due_shows_on_the_firms_home(client, ana, mateo, mentorship):
    from mentoring.models import OutcomeFollowUp

    mentoring.mentorship_end(mentorship=mentorship, acting_user=ana, reason="We shipped.")
    assert "months after your mentorship" not in _home(client, ana)  # nothing due yet
    due = OutcomeFollowUp.objects.get(mentorship=mentorship, months=3)
    OutcomeFollowUp.objects.filter(pk=due.pk).update(due_on=timezone.localdate())
    page = _home(client, ana)
    assert "Tell us how your exports are going" in page
    assert reverse("mentoring:followup", args=[due.pk]) in page
