"""A transaction refused for a deadlock or a serialisation failure is run again a few times, then
answered 503 with Retry-After (infra/retry.py, infra/middleware.py): never a 500, never an error log."""

import logging
import threading

import pytest
from django.db import OperationalError, transaction
from django.test import RequestFactory

from clusters.models import User
from infra import retry
from infra.middleware import ConflictMiddleware


class _PsycopgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _refused(sqlstate="40P01") -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _PsycopgError(sqlstate)
    return error


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)


def test_a_deadlocked_service_runs_again_and_its_second_try_is_the_answer():
    tries = []

    @retry.retry_on_conflict
    def service():
        tries.append(1)
        if len(tries) == 1:
            raise _refused()
        return "done"

    assert service() == "done"
    assert len(tries) == 2


def test_a_service_refused_every_time_gives_up_with_busy():
    tries = []

    @retry.retry_on_conflict
    def service():
        tries.append(1)
        raise _refused("40001")

    with pytest.raises(retry.Busy):
        service()
    assert len(tries) == retry.ATTEMPTS


def test_other_database_errors_are_not_retried():
    tries = []

    @retry.retry_on_conflict
    def service():
        tries.append(1)
        raise OperationalError("no such table")

    with pytest.raises(OperationalError, match="no such table"):
        service()
    assert len(tries) == 1


@pytest.mark.django_db
def test_inside_an_open_transaction_only_its_owner_may_run_it_again():
    tries = []

    @retry.retry_on_conflict
    def service():
        tries.append(1)
        raise _refused()

    with pytest.raises(OperationalError), transaction.atomic():
        service()
    assert len(tries) == 1


def test_busy_is_answered_503_with_retry_after_and_logged_as_a_warning_only(caplog):
    request = RequestFactory().post("/questions/1/follow/")
    middleware = ConflictMiddleware(lambda request: None)
    with caplog.at_level(logging.WARNING):
        for exception in (retry.Busy("answer_accept"), _refused()):
            response = middleware.process_exception(request, exception)
            assert response.status_code == 503
            assert response["Retry-After"] == str(retry.RETRY_AFTER_SECONDS)
            assert "Busy for a moment" in response.content.decode()
    assert caplog.records and all(record.levelno == logging.WARNING for record in caplog.records)
    assert middleware.process_exception(request, ValueError("a bug")) is None  # bugs stay 500s


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_retried_until_both_sides_are_done(postgres_only, ana, mateo):
    """Two transactions lock the same two rows in opposite orders: PostgreSQL kills one of them, which
    runs again and succeeds."""
    barrier = threading.Barrier(2)
    outcomes, tries = [], []

    @retry.retry_on_conflict
    @transaction.atomic
    def lock_both(first, second, name):
        tries.append(name)
        User.objects.select_for_update().get(pk=first.pk)
        if tries.count(name) == 1:
            barrier.wait(timeout=5)  # both hold their first row, and each now wants the other's
        User.objects.select_for_update().get(pk=second.pk)
        User.objects.filter(pk=first.pk).update(name=name)
        return name

    def run(first, second, name):
        from django.db import connections

        try:
            outcomes.append(lock_both(first, second, name))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(ana, mateo, "A")), threading.Thread(target=run, args=(mateo, ana, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["A", "B"], outcomes
    assert len(tries) > 2  # one side was killed at least once and ran again
