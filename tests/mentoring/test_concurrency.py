"""The capacity rule under real concurrency: row locks on PostgreSQL (CI runs these)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from mentoring import services
from mentoring.models import MentorProfile, Mentorship, MentorshipRequest
from tests.conftest import make_person
from tests.mentoring.conftest import GOAL, make_mentor


def _in_threads(*calls):
    """Runs each call in its own thread (its own database connection), all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the test inspects what each side got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_for_the_last_place_leave_exactly_one_mentorship(postgres_only, mateo, coffee):
    make_mentor(mateo, capacity=2)
    first, second = (make_person(f"e{i}@example.org", name=f"E{i}") for i in range(2))
    requests = [services.request_create(aspirant=p, mentor=mateo, goal=GOAL) for p in (first, second)]
    make_mentor(mateo, capacity=1)

    results = _in_threads(*(lambda r=r: services.request_accept(request=r, acting_user=mateo) for r in requests))

    assert sum(isinstance(r, Mentorship) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert MentorProfile.objects.get(user=mateo).active_mentees == 1
    assert Mentorship.objects.filter(mentor=mateo).count() == 1


@pytest.mark.django_db(transaction=True)
def test_requests_sent_at_once_respect_the_open_request_limit(postgres_only, ana, settings):
    settings.PUENTE_MAX_OPEN_MENTORSHIP_REQUESTS = 1
    mentors = [make_person(f"m{i}@example.org", name=f"M{i}", wants_to_mentor=True) for i in range(3)]
    for mentor in mentors:
        make_mentor(mentor)
    results = _in_threads(*(lambda m=m: services.request_create(aspirant=ana, mentor=m, goal=GOAL) for m in mentors))
    assert sum(isinstance(r, MentorshipRequest) for r in results) == 1
    assert MentorshipRequest.objects.filter(aspirant=ana).count() == 1


def test_accepting_locks_the_mentors_profile_row(postgres_only, ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    with CaptureQueriesContext(connection) as queries:
        services.request_accept(request=request, acting_user=mateo)
    profile_locks = [q["sql"] for q in queries if 'FROM "mentoring_mentorprofile"' in q["sql"]]
    assert profile_locks and all("FOR NO KEY UPDATE" in sql for sql in profile_locks[:1])
