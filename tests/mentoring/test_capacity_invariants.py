"""Random sequences of requests, answers and endings never break the capacity and request rules."""

import contextlib
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from mentoring import services
from mentoring.models import MentorProfile, Mentorship, MentorshipRequest
from tests.conftest import make_person
from tests.mentoring.conftest import GOAL, make_mentor

_ids = itertools.count()
RULES = (ValidationError, PermissionDenied)


class MentoringWorld(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        run = next(_ids)
        self.mentors = []
        for i, capacity in enumerate((1, 2)):
            mentor = make_person(f"sm{run}-{i}@example.org", name=f"Mentor {i}", wants_to_mentor=True)
            make_mentor(mentor, capacity=capacity)
            self.mentors.append(mentor)
        self.aspirants = [make_person(f"sa{run}-{i}@example.org", name=f"Aspirant {i}") for i in range(4)]
        self.people = self.mentors + self.aspirants

    def _requests(self):
        return MentorshipRequest.objects.filter(mentor__in=self.mentors)

    def _mentorships(self):
        return Mentorship.objects.filter(mentor__in=self.mentors)

    @rule(a=st.integers(0, 3), m=st.integers(0, 1))
    def ask(self, a, m):
        with contextlib.suppress(*RULES):
            services.request_create(aspirant=self.aspirants[a], mentor=self.mentors[m], goal=GOAL)

    @precondition(lambda self: self._requests().filter(status__in=MentorshipRequest.OPEN_STATUSES).exists())
    @rule(pick=st.integers(0, 100), answer=st.sampled_from(["accept", "decline", "ask", "withdraw"]),
          acting=st.integers(0, 5))
    def answer(self, pick, answer, acting):
        open_requests = list(self._requests().filter(status__in=MentorshipRequest.OPEN_STATUSES).order_by("pk"))
        request = open_requests[pick % len(open_requests)]
        # Mostly the right person acts; sometimes anyone, to check the permission rules as well.
        user = self.people[acting] if acting >= 4 else (request.aspirant if answer == "withdraw" else request.mentor)
        try:
            if answer == "accept":
                services.request_accept(request=request, acting_user=user)
            elif answer == "decline":
                services.request_decline(request=request, acting_user=user, reason="Sin cupo")
            elif answer == "ask":
                services.request_ask_info(request=request, acting_user=user, question="¿Qué volumen?")
            else:
                services.request_withdraw(request=request, acting_user=user)
        except RULES:
            pass

    @precondition(lambda self: self._mentorships().filter(status__in=Mentorship.RUNNING_STATUSES).exists())
    @rule(pick=st.integers(0, 100), how=st.sampled_from(["complete", "end", "pause", "resume"]))
    def change(self, pick, how):
        running = list(self._mentorships().filter(status__in=Mentorship.RUNNING_STATUSES).order_by("pk"))
        mentorship = running[pick % len(running)]
        user = mentorship.mentee if pick % 2 else mentorship.mentor
        try:
            if how in ("complete", "end"):
                services.mentorship_end(mentorship=mentorship, acting_user=user, reason="Listo",
                                        completed=how == "complete")
            elif how == "pause":
                services.mentorship_pause(mentorship=mentorship, acting_user=user)
            else:
                services.mentorship_resume(mentorship=mentorship, acting_user=user)
        except RULES:
            pass

    @invariant()
    def places_taken_equal_running_mentorships_within_capacity(self):
        running = dict(
            self._mentorships().filter(status__in=Mentorship.RUNNING_STATUSES)
            .values_list("mentor").annotate(n=Count("pk"))
        )
        for profile in MentorProfile.objects.filter(user__in=self.mentors):
            assert profile.active_mentees == running.get(profile.user_id, 0)
            assert profile.active_mentees <= profile.capacity

    @invariant()
    def request_limits_hold(self):
        open_requests = self._requests().filter(status__in=MentorshipRequest.OPEN_STATUSES)
        per_aspirant = open_requests.values("aspirant").annotate(n=Count("pk"))
        assert all(row["n"] <= services.max_open_requests() for row in per_aspirant)
        per_pair = open_requests.values("aspirant", "mentor").annotate(n=Count("pk"))
        assert all(row["n"] == 1 for row in per_pair)


@pytest.mark.django_db
def test_random_journeys_keep_capacity_and_request_rules(no_rate_limits):
    run_state_machine_as_test(
        MentoringWorld,
        settings=settings(max_examples=8, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
    )
