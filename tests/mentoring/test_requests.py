"""Requests: what an aspirant may ask, what a mentor may answer, and when a request expires."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentoring import services
from mentoring.models import MentorProfile, Mentorship, MentorshipRequest
from tests.conftest import make_person
from tests.mentoring.conftest import GOAL, make_mentor

Status = MentorshipRequest.Status


def test_an_aspirant_asks_a_mentor_and_the_mentor_is_notified(ana, mateo_profile, mateo, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    assert request.status == Status.PENDING and request.is_open
    assert request.expires_at - request.created_at == datetime.timedelta(days=14)
    assert outside.kinds_for(mateo) == ["mentoring.request"]
    assert "Ana Martínez" in outside.notifications[0]["text"]
    assert outside.notifications[0]["url"] == f"/mentorships/requests/{request.pk}/"


def test_nobody_can_ask_themself(mateo_profile, mateo):
    with pytest.raises(ValidationError, match="yourself"):
        services.request_create(aspirant=mateo, mentor=mateo, goal=GOAL)


def test_the_database_also_refuses_a_request_to_oneself(mateo):
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorshipRequest.objects.create(aspirant=mateo, mentor=mateo, goal=GOAL, expires_at=timezone.now())


def test_a_goal_must_say_something(ana, mateo_profile, mateo):
    with pytest.raises(ValidationError, match="20 characters"):
        services.request_create(aspirant=ana, mentor=mateo, goal="  help  ")


def test_a_person_without_a_mentor_profile_cannot_be_asked(ana, lucia):
    with pytest.raises(ValidationError, match="does not offer"):
        services.request_create(aspirant=ana, mentor=lucia, goal=GOAL)


def test_a_mentor_with_no_free_place_cannot_be_asked(ana, mateo, sector):
    make_mentor(mateo, capacity=0)
    with pytest.raises(ValidationError, match="no free place"):
        services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)


def test_a_mentor_who_stopped_accepting_cannot_be_asked(ana, mateo):
    make_mentor(mateo, is_accepting=False)
    with pytest.raises(ValidationError, match="no free place"):
        services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)


def test_a_second_open_request_to_the_same_mentor_is_refused(ana, mateo_profile, mateo):
    services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    with pytest.raises(ValidationError, match="already have an open request"):
        services.request_create(aspirant=ana, mentor=mateo, goal=GOAL + " Again.")


def test_the_database_refuses_a_duplicate_open_request_but_allows_one_after_a_closed_one(ana, mateo):
    later = timezone.now() + datetime.timedelta(days=3)
    MentorshipRequest.objects.create(aspirant=ana, mentor=mateo, goal=GOAL, expires_at=later, status=Status.DECLINED)
    MentorshipRequest.objects.create(aspirant=ana, mentor=mateo, goal=GOAL, expires_at=later)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorshipRequest.objects.create(aspirant=ana, mentor=mateo, goal=GOAL, expires_at=later,
                                         status=Status.NEEDS_INFO)


def test_an_aspirant_may_have_at_most_three_open_requests(ana, sector):
    mentors = [make_person(f"m{i}@example.org", name=f"Mentor {i}", wants_to_mentor=True) for i in range(5)]
    for mentor in mentors:
        make_mentor(mentor)
    for mentor in mentors[:3]:
        services.request_create(aspirant=ana, mentor=mentor, goal=GOAL)
    with pytest.raises(ValidationError, match="at most 3 open requests"):
        services.request_create(aspirant=ana, mentor=mentors[3], goal=GOAL)
    # Withdrawing one frees a slot.
    first = MentorshipRequest.objects.filter(aspirant=ana).order_by("pk").first()
    services.request_withdraw(request=first, acting_user=ana)
    services.request_create(aspirant=ana, mentor=mentors[3], goal=GOAL)
    assert MentorshipRequest.objects.filter(aspirant=ana, status__in=MentorshipRequest.OPEN_STATUSES).count() == 3


def test_the_open_request_limit_is_a_setting(ana, settings):
    settings.PUENTE_MAX_OPEN_MENTORSHIP_REQUESTS = 1
    mentors = [make_person(f"m{i}@example.org", name=f"Mentor {i}", wants_to_mentor=True) for i in range(2)]
    for mentor in mentors:
        make_mentor(mentor)
    services.request_create(aspirant=ana, mentor=mentors[0], goal=GOAL)
    with pytest.raises(ValidationError, match="at most 1 open"):
        services.request_create(aspirant=ana, mentor=mentors[1], goal=GOAL)


def test_accepting_starts_a_mentorship_with_a_room_a_plan_and_a_taken_place(ana, mateo, mateo_profile, coffee,
                                                                           outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo, plan_template="first-shipment-us")
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED and request.responded_at and request.decided_at
    assert mentorship.mentor == mateo and mentorship.mentee == ana and mentorship.status == Mentorship.Status.ACTIVE
    assert mentorship.cluster == coffee
    assert mentorship.room == outside.rooms[0]
    goal = mentorship.goals.get()
    assert goal.title == "First shipment to the United States"
    assert goal.milestones.first().title.startswith("FDA food facility registration")
    assert goal.milestones.count() == 5
    assert MentorProfile.objects.get(user=mateo).active_mentees == 1
    assert outside.kinds_for(ana) == ["mentoring.request_accepted"]


def test_only_the_asked_mentor_accepts(ana, mateo, mateo_profile, lucia):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    for intruder in (ana, lucia):
        with pytest.raises(PermissionDenied):
            services.request_accept(request=request, acting_user=intruder)


def test_a_full_mentor_cannot_accept_and_the_place_count_stays_right(ana, mateo, sector):
    make_mentor(mateo, capacity=1)
    other = make_person("rosa@example.org", name="Rosa", wants_to_mentor=False)
    first = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    second = services.request_create(aspirant=other, mentor=mateo, goal=GOAL)
    services.request_accept(request=first, acting_user=mateo)
    with pytest.raises(ValidationError, match="no free place"):
        services.request_accept(request=second, acting_user=mateo)
    assert MentorProfile.objects.get(user=mateo).active_mentees == 1
    # A full mentor cannot be asked either.
    third = make_person("tercero@example.org", name="Tercero")
    with pytest.raises(ValidationError, match="no free place"):
        services.request_create(aspirant=third, mentor=mateo, goal=GOAL)


def test_a_closed_request_cannot_be_answered_again(ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_decline(request=request, acting_user=mateo, reason="Solo trabajo con café tostado.")
    with pytest.raises(ValidationError, match="no longer open"):
        services.request_accept(request=request, acting_user=mateo)


def test_declining_needs_a_reason_which_the_aspirant_reads(ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    with pytest.raises(ValidationError, match="why"):
        services.request_decline(request=request, acting_user=mateo, reason="   ")
    services.request_decline(request=request, acting_user=mateo, reason="I only mentor roasters this year.")
    request.refresh_from_db()
    assert request.status == Status.DECLINED
    assert "I only mentor roasters" in outside.notifications[-1]["text"]
    assert outside.notifications[-1]["recipient"] == ana


def test_the_mentor_asks_for_more_and_the_aspirant_answers(ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_ask_info(request=request, acting_user=mateo, question="¿Cuántos quintales producen al año?")
    request.refresh_from_db()
    assert request.status == Status.NEEDS_INFO and request.responded_at is not None
    assert outside.kinds_for(ana) == ["mentoring.request_question"]
    with pytest.raises(PermissionDenied):
        services.request_answer_info(request=request, acting_user=mateo, answer="300")
    services.request_answer_info(request=request, acting_user=ana, answer="Unos 300 quintales de pergamino.")
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.info_answer.startswith("Unos 300")
    assert outside.kinds_for(mateo)[-1] == "mentoring.request_answer"
    # The mentor can now accept the answered request.
    services.request_accept(request=request, acting_user=mateo)


def test_asking_for_more_is_only_for_pending_requests(ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_ask_info(request=request, acting_user=mateo, question="¿Tienen registro FDA?")
    with pytest.raises(ValidationError):
        services.request_ask_info(request=request, acting_user=mateo, question="¿Y otra cosa?")


def _age(request: MentorshipRequest, *, days_left: float) -> None:
    """Moves a request back in time so it has `days_left` days before expiring."""
    now = timezone.now()
    expires = now + datetime.timedelta(days=days_left)
    MentorshipRequest.objects.filter(pk=request.pk).update(
        expires_at=expires, created_at=expires - datetime.timedelta(days=14)
    )


def test_the_expiry_command_warns_then_expires_and_counts_against_the_mentor(ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    _age(request, days_left=1)
    out = StringIO()
    call_command("expire_mentorship_requests", stdout=out)
    assert "0 expired, 1 warned" in out.getvalue()
    assert outside.kinds_for(mateo)[-1] == "mentoring.request_expiring"
    # A second run warns nobody twice.
    call_command("expire_mentorship_requests", stdout=StringIO())
    assert outside.kinds_for(mateo).count("mentoring.request_expiring") == 1

    _age(request, days_left=-0.1)
    out = StringIO()
    call_command("expire_mentorship_requests", stdout=out)
    assert "1 expired, 0 warned" in out.getvalue()
    request.refresh_from_db()
    assert request.status == Status.EXPIRED and request.responded_at is None
    assert outside.kinds_for(ana)[-1] == "mentoring.request_expired"
    profile = MentorProfile.objects.get(user=mateo)
    assert profile.requests_expired == 1 and profile.requests_answered == 0
    assert profile.response_median_hours == 14 * 24
    # Expired requests free the aspirant's slot and can be asked again.
    services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)


def test_an_expiring_question_warns_the_aspirant_not_the_mentor(ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_ask_info(request=request, acting_user=mateo, question="¿Tienen registro FDA?")
    _age(request, days_left=1)
    call_command("expire_mentorship_requests", stdout=StringIO())
    assert outside.kinds_for(ana)[-1] == "mentoring.request_expiring"
    _age(request, days_left=-1)
    call_command("expire_mentorship_requests", stdout=StringIO())
    profile = MentorProfile.objects.get(user=mateo)
    # The mentor did answer (with a question): that expiry is not held against them.
    assert profile.requests_expired == 0 and profile.requests_answered == 1


def test_responsiveness_is_the_median_time_to_a_first_answer(mateo, mateo_profile):
    aspirants = [make_person(f"a{i}@example.org", name=f"A{i}") for i in range(3)]
    requests = [services.request_create(aspirant=a, mentor=mateo, goal=GOAL) for a in aspirants]
    for request, hours in zip(requests, (2, 10, 50), strict=True):
        MentorshipRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=hours)
        )
    services.request_decline(request=requests[0], acting_user=mateo, reason="Sin cupo para cacao.")
    services.request_ask_info(request=requests[1], acting_user=mateo, question="¿Qué mercado?")
    services.request_accept(request=requests[2], acting_user=mateo)
    profile = MentorProfile.objects.get(user=mateo)
    assert profile.response_median_hours == 10
    assert profile.requests_answered == 3


def test_accepted_answers_are_counted_for_mentors_only(mateo, mateo_profile, ana):
    services.mentor_accepted_answers_adjust(user=mateo, delta=1)
    services.mentor_accepted_answers_adjust(user=mateo, delta=1)
    services.mentor_accepted_answers_adjust(user=mateo, delta=-1)
    assert MentorProfile.objects.get(user=mateo).accepted_answers == 1
    services.mentor_accepted_answers_adjust(user=mateo, delta=-5)
    assert MentorProfile.objects.get(user=mateo).accepted_answers == 0
    services.mentor_accepted_answers_adjust(user=ana, delta=1)
    assert not MentorProfile.objects.filter(user=ana).exists()


# --- Flooding (docs/SECURITY.md, "Rate limits") ------------------------------------------------------


def test_15_request_and_withdraw_cycles_stop_at_the_limit_and_the_mentor_gets_a_few_emails(
    real_outside, ana, mateo, mateo_profile, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from infra.ratelimit import RateLimited
    from messaging.models import Notification

    limit, _seconds = settings.PUENTE_RATE_LIMITS["mentorship_request"]
    refused = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(15):
            try:
                request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
                services.request_withdraw(request=request, acting_user=ana)
            except RateLimited as exc:
                refused.append(exc)
    assert MentorshipRequest.objects.filter(aspirant=ana).count() == limit < 15
    assert refused[0].code == "rate_limited" and refused[0].action == "mentorship_request"
    assert refused[0].messages[0].startswith("You have sent many mentorship requests in a short time. Try again in ")
    assert Notification.objects.filter(recipient=mateo, kind="mentoring.request").count() == limit
    assert len([mail for mail in mailoutbox if mail.to == [mateo.email]]) == settings.PUENTE_EMAIL_BURST


def test_withdrawals_are_limited_on_their_own(ana, mateo, mateo_profile, settings):
    from infra.ratelimit import RateLimited

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "mentorship_withdraw": (1, 3600)}
    first = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_withdraw(request=first, acting_user=ana)
    second = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    with pytest.raises(RateLimited):
        services.request_withdraw(request=second, acting_user=ana)
    second.refresh_from_db()
    assert second.status == Status.PENDING
