"""Webhook events: queued in the event's own transaction, delivered later by `webhooks_deliver`.

A delivery is a POST of the event's JSON body with these headers (docs/API.md shows how to check them):

    Puente-Event:       award.approved
    Puente-Event-Id:    evt_… (the same in a retry or a replay)
    Puente-Timestamp:   seconds since the epoch when this attempt was signed
    Puente-Signature:   v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the endpoint's secret>

Any 2xx is success. Anything else (an error status, a redirect, a timeout, a refused connection) is
retried with exponential backoff up to PUENTE_WEBHOOK_MAX_ATTEMPTS, then the delivery is given up
(staff can replay it from the console). A worker claims rows with a lease: a row whose worker died
mid-delivery is claimed again when its lease has run out, so nothing is lost (a receiver may see an
event twice, and tells by its id).
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agency_api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from incentives.models import Award, Redemption
from mentoring.models import Mentorship, OutcomeFollowUp

Status = WebhookDelivery.Status
SHORT = 500


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def verify(*, secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """What a receiver does (a Python receiver can copy it): the signature matches and is recent."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=ts, body=body), signature)


# ---- Queueing (inside the event's transaction) ---------------------------------------------------

def _data(event: str, ids: dict) -> dict:
    if event == "award.approved":
        award = Award.objects.select_related("program", "cluster", "beneficiary").get(pk=ids["award"])
        return {"award": {"id": award.pk, "program": award.program_id, "kind": award.kind,
                          "credits": award.credits, "status": award.status, "cluster": award.cluster.slug,
                          "source_ref": award.source_ref, "beneficiary": award.beneficiary.email,
                          "decided_at": award.decided_at}}
    if event == "redemption.requested":
        r = Redemption.objects.select_related("item", "person").get(pk=ids["redemption"])
        return {"redemption": {"id": r.pk, "item": {"id": r.item_id, "name": r.item.name, "kind": r.item.kind},
                               "credits": r.credits, "status": r.status, "person": r.person.email,
                               "created_at": r.created_at}}
    if event == "outcome.reported":
        m = Mentorship.objects.select_related("cluster").filter(pk=ids["mentorship"]).first()
        if m is None:  # nothing more to say than its id
            return dict(ids)
        data = {"mentorship": {"id": m.pk, "cluster": m.cluster.slug, "outcome": m.outcome,
                               "markets": m.outcome_markets, "recorded_at": m.outcome_recorded_at}}
        f = OutcomeFollowUp.objects.filter(pk=ids["followup"]).first() if "followup" in ids else None
        if f is not None:
            data["followup"] = {"id": f.pk, "months": f.months, "exporting": f.exporting, "markets": f.markets,
                                "value_band": f.value_band, "new_buyers": f.new_buyers, "by_phone": f.by_phone,
                                "answered_at": f.answered_at}
        return data
    return dict(ids)


def on_agency_event(sender, *, agency_id: int, event: str, ids: dict, **kwargs) -> None:
    """incentives.signals.agency_event receiver: one delivery per subscribed endpoint, in the caller's
    transaction (1 query when nobody listens, 3 otherwise)."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(agency_id=agency_id, is_active=True) if event in e.events]
    if not endpoints:
        return
    envelope = json.loads(json.dumps({
        "id": "evt_" + secrets.token_hex(12), "type": event, "created_at": timezone.now(),
        "data": _data(event, ids),
    }, cls=DjangoJSONEncoder))
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint=e, event=event, event_id=envelope["id"], payload=envelope) for e in endpoints
    ])


# ---- Delivering (outside any request) ------------------------------------------------------------

def claim_due(*, worker: str, limit: int = 20) -> list[WebhookDelivery]:
    """Claims up to `limit` due deliveries for this worker for one lease. Workers never wait for each
    other: rows another worker holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    now = timezone.now()
    lease = now + timezone.timedelta(seconds=settings.PUENTE_WEBHOOK_LEASE)
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(claimed_until=lease, claimed_by=worker)
    if not ids:
        return []
    return list(WebhookDelivery.objects.filter(pk__in=ids, claimed_by=worker).select_related("endpoint").order_by("id"))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other: not a success


_opener = urllib.request.build_opener(_NoRedirects)


def private_address(url: str) -> str:
    """The loopback, private, link-local or otherwise internal address the URL's host resolves to ('' when
    none does). Answers are recorded and shown in the console, so an endpoint must not reach inside the
    network (a cloud metadata address, an admin port). Allowed only with PUENTE_WEBHOOKS_ALLOW_HTTP (local
    testing). A name that resolves differently between this check and the POST is not caught."""
    if settings.PUENTE_WEBHOOKS_ALLOW_HTTP:
        return ""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return ""  # not resolvable now: the POST fails and is retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return str(address)
    return ""


def post(*, url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str, str]:
    """(status, first characters of the body, error); status None when nothing came back."""
    internal = private_address(url)
    if internal:
        return None, "", f"refused: {internal} is not a public address"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(SHORT).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(SHORT).decode("utf-8", "replace") if exc.fp else "", ""
    except (OSError, ValueError) as exc:  # refused, reset, timeout, DNS, TLS
        return None, "", f"{type(exc).__name__}: {exc}"[:300]


def backoff_seconds(attempts: int) -> int:
    """After the n-th failed attempt: base * 2^(n-1), at most PUENTE_WEBHOOK_BACKOFF_MAX."""
    return min(settings.PUENTE_WEBHOOK_BACKOFF * 2 ** (attempts - 1), settings.PUENTE_WEBHOOK_BACKOFF_MAX)


def deliver(delivery: WebhookDelivery, *, worker: str) -> bool:
    """One attempt; records it; True when the endpoint took it."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json", "User-Agent": "Puente-Webhooks/1",
        "Puente-Event": delivery.event, "Puente-Event-Id": delivery.event_id,
        "Puente-Timestamp": str(timestamp),
        "Puente-Signature": sign(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status, text, error = post(url=endpoint.url, body=body, headers=headers, timeout=settings.PUENTE_WEBHOOK_TIMEOUT)
    duration = round((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    attempts = delivery.attempts + 1
    now = timezone.now()
    fields = {"attempts": attempts, "last_status_code": status, "last_response": text[:SHORT],
              "last_duration_ms": duration, "last_error": error, "claimed_until": None, "claimed_by": ""}
    if ok:
        fields.update(status=Status.DELIVERED, delivered_at=now)
    elif attempts >= settings.PUENTE_WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=Status.FAILED)
    else:
        fields.update(next_attempt_at=now + timezone.timedelta(seconds=backoff_seconds(attempts)))
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, status_code=status, response=text[:SHORT],
                                      duration_ms=duration, error=error)
        # Only while our claim holds: if our lease ran out and another worker took the row, it records.
        WebhookDelivery.objects.filter(pk=delivery.pk, claimed_by=worker, status=Status.PENDING).update(**fields)
    return ok


def deliver_due(*, worker: str, limit: int = 20) -> int:
    """Claims and sends one batch; returns how many were claimed."""
    batch = claim_due(worker=worker, limit=limit)
    for delivery in batch:
        deliver(delivery, worker=worker)
    return len(batch)
