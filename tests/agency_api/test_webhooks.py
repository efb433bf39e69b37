"""Webhooks: queued in the event's transaction, signed, delivered outside any request by
`webhooks_deliver`, retried with backoff, recorded with their answers, never lost when a worker dies,
replayable from the console. A test receiver (a small HTTP server in a thread) checks the signature."""

import datetime
import json
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agency_api import services as api_services
from agency_api import webhooks
from agency_api.models import WebhookAttempt, WebhookDelivery
from incentives import services
from incentives.models import AuditEntry
from tests.agency_api.conftest import subscribe

Status = WebhookDelivery.Status


def due_now():
    WebhookDelivery.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now())


def test_an_approved_award_queues_a_delivery_in_its_own_transaction(agency, rafael, award, receiver):
    subscribe(agency, rafael, receiver())
    services.award_approve(award=award, acting_user=rafael)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "award.approved" and delivery.status == Status.PENDING
    assert delivery.payload["data"]["award"] == {**delivery.payload["data"]["award"], "id": award.pk,
                                                 "credits": 50, "status": "approved"}


def test_a_rolled_back_approval_queues_nothing(agency, rafael, award, receiver):
    subscribe(agency, rafael, receiver())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.award_approve(award=award, acting_user=rafael)
        raise RuntimeError("the caller's transaction fails after the approval")
    assert not WebhookDelivery.objects.exists()


def test_a_redemption_request_queues_its_event_and_unsubscribed_events_are_not_queued(
    agency, rafael, redemption, receiver, mateo, ana, coffee
):
    from tests.agency_api.conftest import grant

    subscribe(agency, rafael, receiver(), events=["redemption.requested"])
    services.redemption_approve(redemption=redemption, acting_user=rafael)  # not an event
    services.award_approve(award=grant(2, mateo=mateo, ana=ana, coffee=coffee), acting_user=rafael)  # not subscribed
    services.redemption_request(item=redemption.item, person=redemption.person, idempotency_key="r2")
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["redemption.requested"]


def test_a_delivery_is_signed_and_the_receiver_verifies_it(agency, rafael, award, receiver):
    r = receiver()
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    assert webhooks.deliver_due(worker="w1") == 1
    [got] = r.received
    assert got["verified"]
    assert got["headers"]["Puente-Event"] == "award.approved" and got["body"]["type"] == "award.approved"
    delivery = WebhookDelivery.objects.get()
    assert got["headers"]["Puente-Event-Id"] == delivery.event_id == got["body"]["id"]
    assert delivery.status == Status.DELIVERED and delivery.last_status_code == 200
    assert delivery.last_response == "thanks" and delivery.last_duration_ms is not None
    # A tampered body or another secret does not verify.
    body = json.dumps(delivery.payload).encode()
    ts = str(int(time.time()))
    signature = webhooks.sign(secret=r.secret, timestamp=int(ts), body=body)
    assert webhooks.verify(secret=r.secret, timestamp=ts, body=body, signature=signature)
    assert not webhooks.verify(secret=r.secret, timestamp=ts, body=body + b" ", signature=signature)
    assert not webhooks.verify(secret="whsec_other", timestamp=ts, body=body, signature=signature)
    old = str(int(time.time()) - 3600)
    assert not webhooks.verify(secret=r.secret, timestamp=old, body=body,
                               signature=webhooks.sign(secret=r.secret, timestamp=int(old), body=body))


def test_a_500_is_retried_with_backoff_and_every_answer_is_recorded(agency, rafael, award, receiver):
    r = receiver(statuses=(500, 200))
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    before = timezone.now()
    assert webhooks.deliver_due(worker="w1") == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at >= before + datetime.timedelta(seconds=webhooks.backoff_seconds(1))
    assert webhooks.deliver_due(worker="w1") == 0  # not due yet
    due_now()
    assert webhooks.deliver_due(worker="w1") == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 2
    assert list(WebhookAttempt.objects.order_by("id").values_list("status_code", "response")) == [
        (500, "boom"), (200, "thanks")]
    assert len(r.received) == 2 and all(got["verified"] for got in r.received)
    assert r.received[0]["headers"]["Puente-Event-Id"] == r.received[1]["headers"]["Puente-Event-Id"]


def test_backoff_doubles_up_to_its_ceiling_and_gives_up_after_the_last_attempt(
    agency, rafael, award, receiver, settings
):
    settings.PUENTE_WEBHOOK_BACKOFF, settings.PUENTE_WEBHOOK_BACKOFF_MAX = 30, 100
    assert [webhooks.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    settings.PUENTE_WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(agency, rafael, receiver(statuses=(503,)))
    services.award_approve(award=award, acting_user=rafael)
    webhooks.deliver_due(worker="w1")
    due_now()
    webhooks.deliver_due(worker="w1")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.FAILED and delivery.attempts == 2


def test_an_endpoint_that_does_not_answer_is_an_error_like_any_other(agency, rafael, award, settings):
    settings.PUENTE_WEBHOOKS_ALLOW_HTTP = True
    api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url="http://127.0.0.1:9/nothing",
                                         events=["award.approved"])
    services.award_approve(award=award, acting_user=rafael)
    webhooks.deliver_due(worker="w1")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.last_status_code is None and delivery.last_error


def test_a_delivery_whose_worker_died_is_sent_after_its_lease_runs_out(agency, rafael, award, receiver, settings):
    r = receiver()
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    [claimed] = webhooks.claim_due(worker="dead")  # ... and the worker is killed before it posts
    assert webhooks.deliver_due(worker="alive") == 0  # the lease still holds
    WebhookDelivery.objects.filter(pk=claimed.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert webhooks.deliver_due(worker="alive") == 1
    claimed.refresh_from_db()
    assert claimed.status == Status.DELIVERED and len(r.received) == 1
    # Had the dead worker come back, its late answer would change nothing: the row is not its own any more.
    webhooks.deliver(WebhookDelivery.objects.select_related("endpoint").get(pk=claimed.pk), worker="dead")
    claimed.refresh_from_db()
    assert claimed.status == Status.DELIVERED and claimed.attempts == 1


def test_a_slow_endpoint_never_slows_the_request(client, agency, rafael, award, receiver):
    from tests.agency_api.conftest import Api, make_token

    r = receiver(delay=10)
    subscribe(agency, rafael, r)
    _token, text = make_token(agency, rafael)
    started = time.monotonic()
    assert Api(client, text).post(f"/awards/{award.pk}/approve").status_code == 200
    assert time.monotonic() - started < 5
    # The request only queued the delivery: the endpoint was not called at all.
    assert r.received == [] and WebhookDelivery.objects.get().status == Status.PENDING


def test_staff_replay_a_delivery_from_the_console(client, agency, rafael, award, receiver, olga):
    r = receiver()
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    webhooks.deliver_due(worker="w1")
    original = WebhookDelivery.objects.get()
    url = reverse("agency_api:delivery_replay", args=[agency.slug, original.pk])
    client.force_login(olga)
    assert client.post(url).status_code == 404
    client.force_login(rafael)
    assert client.post(url).status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=original.pk).get()
    assert replay.replay_of == original and replay.event_id == original.event_id and replay.status == Status.PENDING
    webhooks.deliver_due(worker="w1")
    assert [got["body"] for got in r.received] == [original.payload, original.payload]
    assert AuditEntry.objects.filter(agency=agency, action="webhook.replay", actor=rafael).exists()


def test_the_command_sends_what_is_due_and_exits_with_once(agency, rafael, award, receiver):
    r = receiver()
    subscribe(agency, rafael, r)
    services.award_approve(award=award, acting_user=rafael)
    call_command("webhooks_deliver", "--once")
    assert WebhookDelivery.objects.get().status == Status.DELIVERED and len(r.received) == 1


def test_webhook_addresses_must_be_https(agency, rafael):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url="http://crm.example/hook",
                                             events=["award.approved"])
    endpoint = api_services.webhook_endpoint_create(agency=agency, acting_user=rafael,
                                                    url="https://crm.example/hook", events=["award.approved"])
    assert endpoint.secret.startswith("whsec_")


def test_claiming_skips_rows_other_workers_hold_on_postgresql(postgres_only, agency, rafael, award, receiver):
    subscribe(agency, rafael, receiver())
    services.award_approve(award=award, acting_user=rafael)
    with CaptureQueriesContext(connection) as queries:
        webhooks.claim_due(worker="w1")
    assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data",
                                 "https://10.0.0.5:8443/admin", "https://[::1]/hook", "https://localhost/hook"])
def test_an_endpoint_cannot_point_inside_the_network(agency, rafael, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url=url, events=["award.approved"])


def test_a_delivery_to_an_address_that_became_internal_is_refused_not_sent(agency, rafael, award, receiver, settings):
    r = receiver()
    subscribe(agency, rafael, r)  # made while local addresses were allowed (testing)
    settings.PUENTE_WEBHOOKS_ALLOW_HTTP = False
    services.award_approve(award=award, acting_user=rafael)
    webhooks.deliver_due(worker="w1")
    delivery = WebhookDelivery.objects.get()
    assert r.received == [] and delivery.status == Status.PENDING and "not a public address" in delivery.last_error
