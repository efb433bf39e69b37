"""Agency API fixtures: a program of rafael's agency that reviews every award, with awards waiting,
a redemption waiting, and tokens made through the console's service."""

import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from agency_api import services as api_services
from agency_api import webhooks
from incentives import services
from incentives.awards import award_grant
from tests.conftest import make_person


@pytest.fixture
def program(db, agency, coffee, rafael):
    program = services.program_create(
        agency=agency, acting_user=rafael, name="Mentores del café 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000,
        rate_accepted_answer=50, rate_mentoring_hour=100, rate_helpful_vote=5, auto_approve=False,
    )
    services.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program


def grant(n, *, mateo, ana, coffee):
    return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                       description=f"Accepted answer: Incoterms question {n}", caused_by=ana)


@pytest.fixture
def award(program, mateo, ana, coffee):
    return grant(1, mateo=mateo, ana=ana, coffee=coffee)


@pytest.fixture
def item(agency, rafael):
    return services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight", name="Freight voucher",
                                      price=40, stock=3)


@pytest.fixture
def redemption(program, item, mateo, ana, coffee, rafael):
    paid = grant(99, mateo=mateo, ana=ana, coffee=coffee)
    services.award_approve(award=paid, acting_user=rafael)
    return services.redemption_request(item=item, person=mateo, idempotency_key="r1")


ALL_SCOPES = ["read", "write:awards", "write:redemptions"]


def make_token(agency, user, scopes=ALL_SCOPES, days=30):
    return api_services.token_create(agency=agency, acting_user=user, name="CRM sync", scopes=scopes,
                                     expires_in_days=days)


@pytest.fixture
def token(agency, rafael):
    return make_token(agency, rafael)[1]


@pytest.fixture
def olga(db, other_agency):
    """Staff of another agency."""
    user = make_person("olga@example.org", name="Olga Otra", country="CL")
    other_agency.staff.add(user)
    return user


@pytest.fixture
def olga_token(other_agency, olga):
    return make_token(other_agency, olga)[1]


class Api:
    """The Django test client speaking to /api/v1/ with a bearer token."""

    def __init__(self, client, text):
        self.client, self.text = client, text

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.text}"} if self.text else {}
        return {**headers, **(extra or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def post(self, path, body=None, key="k-1", headers=None):
        extra = {"Idempotency-Key": key} if key else {}
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json",
                                headers=self._headers({**extra, **(headers or {})}))


@pytest.fixture
def api(client, token):
    return Api(client, token)


class Receiver:
    """Answers each POST with the next of `statuses` (the last one repeats), after `delay` seconds, and
    keeps what came with whether its signature verified."""

    def __init__(self, statuses=(200,), delay=0.0):
        self.statuses, self.delay, self.received, self.secret = list(statuses), delay, [], ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({
                    "headers": dict(self.headers), "body": json.loads(body),
                    "verified": webhooks.verify(secret=receiver.secret, timestamp=self.headers["Puente-Timestamp"],
                                                body=body, signature=self.headers["Puente-Signature"]),
                })
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads, self.server.block_on_close = True, False  # a hanging answer ends with the test
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/puente"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.PUENTE_WEBHOOKS_ALLOW_HTTP = True
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def subscribe(agency, rafael, receiver, events=("award.approved", "redemption.requested")):
    endpoint = api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url=receiver.url,
                                                    events=list(events))
    receiver.secret = endpoint.secret
    return endpoint
