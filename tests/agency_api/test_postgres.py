"""The agency API under real concurrency and real process deaths, on PostgreSQL.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> (CI sets it)."""

import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from agency_api.models import WebhookDelivery
from incentives import services
from incentives.models import AuditEntry, Award
from tests.agency_api.conftest import Api, subscribe
from tests.servers import ROOT, database_url, server_environment

pytestmark = [pytest.mark.django_db(transaction=True)]


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_delivery_is_not_lost_when_the_deliverer_is_killed_mid_delivery(
    postgres_only, agency, rafael, award, receiver
):
    r = receiver(delay=60)  # the endpoint holds the first POST: the worker is killed while it waits
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    env = server_environment(DATABASE_URL=database_url(connection), PUENTE_WEBHOOK_LEASE="3",
                             PUENTE_WEBHOOK_TIMEOUT="2", PUENTE_WEBHOOKS_ALLOW_HTTP="true")
    worker = subprocess.Popen([sys.executable, "manage.py", "webhooks_deliver", "--sleep", "0.2"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: len(r.received) == 1)
        worker.kill()  # SIGKILL: no chance to record anything
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.claimed_by  # claimed by the dead one
    r.delay = 0
    replacement = subprocess.Popen([sys.executable, "manage.py", "webhooks_deliver", "--sleep", "0.2"], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED)
    finally:
        replacement.terminate()
        replacement.wait(10)
    assert len(r.received) == 2 and r.received[0]["body"] == r.received[1]["body"]  # the same event, once more
    assert all(got["verified"] for got in r.received)


def test_the_same_idempotency_key_sent_at_once_writes_once(postgres_only, agency, rafael, award, token):
    n = 6
    barrier = threading.Barrier(n)
    responses = [None] * n

    def send(i):
        try:
            barrier.wait()
            responses[i] = Api(Client(), token).post(f"/awards/{award.pk}/approve", {"reason": "ok"}, key="same")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED
    assert AuditEntry.objects.filter(action="award.approve").count() == 1
