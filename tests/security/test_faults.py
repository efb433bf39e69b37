"""Faults with real processes (issue 8): nothing is lost, doubled or half-written when the parts under
Puente fail.

- Three people chat 1,000 messages in one room through two Daphne processes sharing PostgreSQL and a
  private Redis; meanwhile Redis is killed and started empty, and one server is SIGKILLed and later
  started again. Their clients behave like static/js/room.js (tests/security/faults.py). When all is
  quiet, each page shows exactly the room's messages in the database, and every acknowledged message
  is stored under the id it was acknowledged with.
- The database connection is cut in the middle of a ledger write: the operation fails and the ledger
  is exactly as before.

Needs PostgreSQL and Redis (CI has both; elsewhere the tests skip with the reason). The chat test starts
its own redis-server on a free port, never the machine's shared one, and the servers use this test
run's own database, so what the test writes (committed: transactional test) they read.
"""

import asyncio
import contextlib
import datetime
import json
import os

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.utils import timezone

from incentives import awards
from incentives import services as incentives_services
from incentives.awards import award_grant
from incentives.models import Account, AuditEntry, Award, CatalogItem, Redemption, Transfer
from incentives.verify import ledger_check
from messaging.models import Message
from tests.security.faults import REDIS_SERVER, DaphneProcess, RedisProcess, RoomClient, server_environment
from tests.support import need

pytestmark = [pytest.mark.django_db(transaction=True)]

MESSAGES = 1_000
IN_FLIGHT = 8  # messages a client has sent and not yet seen acknowledged (a person typing fast)
SETTLE = 90  # seconds the clients get to catch up once everything is sent; a generous ceiling, not a goal


def database_url() -> str:
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def private_redis(postgres_only, redis_only, tmp_path):
    need("redis-server", os.access(REDIS_SERVER, os.X_OK), f"no executable {REDIS_SERVER}")
    redis = RedisProcess(log=tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def servers(private_redis, transactional_db, tmp_path):
    environment = server_environment(database_url=database_url(), redis_url=private_redis.url,
                                     secret_key=settings.SECRET_KEY)
    started = [
        DaphneProcess(environment=environment, log=tmp_path / f"daphne-{n}.log",
                      application="tests.security.fault_asgi:application")
        for n in range(2)
    ]
    try:
        for server in started:
            server.start()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def general(coffee):
    from messaging.services import room_general_for_cluster

    return room_general_for_cluster(cluster=coffee)


@pytest.fixture
def people(general, ana, mateo, lucia):
    """Signed-in sessions, made before the event loop runs (the ORM is sync)."""
    return [(user, session_cookie(user)) for user in (ana, mateo, lucia)]


async def wait_until(condition, *, timeout: float, what: str, state=lambda: "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting: {what} {state()}")
        await asyncio.sleep(0.05)


@sync_to_async
def stored_messages(room) -> list[tuple[int, str, int]]:
    try:
        return list(Message.objects.filter(room=room).order_by("pk").values_list("pk", "client_id", "author_id"))
    finally:
        connection.close()  # this worker thread's own connection; the test database is dropped at the end


@pytest.mark.processes
async def test_no_message_is_lost_or_doubled_when_redis_restarts_and_a_server_is_killed(
    servers, private_redis, people, general
):
    server_a, server_b = servers
    ports = [server_a.port, server_b.port]
    # Ana and Lucía start on server A, Mateo on server B (the one that will be killed).
    clients = [
        RoomClient(name=user.email.split("@")[0], cookie=cookie, ports=ports, room_id=general.pk, first_port=n)
        for n, (user, cookie) in enumerate(people)
    ]
    authors = {client.name: user.pk for client, (user, _cookie) in zip(clients, people, strict=True)}
    running = [asyncio.create_task(client.run()) for client in clients]
    try:
        await wait_until(lambda: all(client.live for client in clients), timeout=20, what="every client connected")

        def written() -> int:
            return sum(len(client.sent) for client in clients)

        async def type_messages(client: RoomClient, count: int) -> None:
            for n in range(count):
                while client.unacknowledged() >= IN_FLIGHT:
                    await asyncio.sleep(0.005)
                await client.write(f"{client.name} {n}: ¿cuántos contenedores para Rotterdam?")

        async def break_things() -> None:
            await wait_until(lambda: written() >= 250, timeout=120, what="250 messages written")
            await asyncio.to_thread(server_b.kill)  # Mateo's server: he moves to A
            await wait_until(lambda: written() >= 500, timeout=120, what="500 messages written")
            # Mateo is back (on A) before Redis goes: the restart must hit every client's socket.
            await wait_until(lambda: clients[1].live and clients[1].connections >= 2, timeout=60,
                             what="Mateo reconnected to the surviving server", state=clients[1].state)
            # Killed and started empty: group memberships, presence and the rate counters are gone. No
            # call need fail for that; the servers must notice anyway and close every socket, whose
            # client reconnects and resyncs.
            before = [client.connections for client in clients]
            await asyncio.to_thread(private_redis.restart)
            await wait_until(lambda: all(c.connections > n for c, n in zip(clients, before, strict=True)), timeout=30,
                             what="every socket closed and opened again after Redis restarted",
                             state=lambda: [client.state() for client in clients])
            await wait_until(lambda: written() >= 750, timeout=120, what="750 messages written")
            await asyncio.to_thread(server_b.start)

        share = [MESSAGES - 2 * (MESSAGES // 3), MESSAGES // 3, MESSAGES // 3]
        await asyncio.gather(break_things(), *(type_messages(c, n) for c, n in zip(clients, share, strict=True)))

        # Everything written; now wait for quiet: every message back with its author, every page caught up.
        # (An ack can be lost with its socket; the message then comes back in the resync answer, which
        # empties the outbox just the same, as in room.js.)
        def quiet() -> bool:
            return all(client.live and not client.outbox for client in clients)

        await wait_until(quiet, timeout=SETTLE, what="every message stored and seen by its author",
                         state=lambda: [client.state() for client in clients])
        stored_ids = [pk for pk, _c, _a in await stored_messages(general)]
        await wait_until(lambda: all(set(stored_ids) <= set(client.seen) for client in clients), timeout=SETTLE,
                         what="every page showing every stored message",
                         state=lambda: [client.state() for client in clients])
    finally:
        for client in clients:
            await client.close()
        await asyncio.gather(*running, return_exceptions=True)

    stored = await stored_messages(general)
    stored_ids = [pk for pk, _c, _a in stored]
    by_client_id = {(author, client_id): pk for pk, client_id, author in stored}
    # None lost, none doubled: exactly the messages people wrote, each once.
    assert len(stored) == MESSAGES
    assert sorted(by_client_id) == sorted((authors[c.name], cid) for c in clients for cid in c.sent)
    for client in clients:
        assert client.problems == [] and client.errors == []
        # Every page shows exactly the stored messages, in id order (the page keeps them by id, as
        # room.js does), each once.
        assert client.transcript() == stored_ids, client.name
        # Every acknowledgement names the stored message with that client id: nothing acknowledged unstored.
        assert {cid: by_client_id.get((authors[client.name], cid)) for cid in client.acks} == client.acks
    # The faults did reach these clients: every socket open when Redis restarted had to go (waited for
    # above), and Mateo's server died under him before.
    assert clients[1].connections >= 3


# --- B. The database connection cut in the middle of a ledger write -------------------------------


@pytest.fixture
def review_program(postgres_only, transactional_db, agency, coffee, rafael):
    """A program of rafael's agency in review mode, funded with 1,000 credits."""
    program = incentives_services.program_create(
        agency=agency, acting_user=rafael, name="Mentores del café 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000, rate_accepted_answer=50,
    )
    incentives_services.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program


@pytest.fixture
def pending_award(review_program, coffee, mateo, ana):
    award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:7",
                        description="Respuesta sobre fletes a Rotterdam", caused_by=ana)
    assert award is not None and award.status == Award.Status.PENDING
    return award


def ledger_state() -> dict:
    """Everything a half-done ledger write could have touched."""
    return {
        "balances": dict(Account.objects.values_list("pk", "balance")),
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "kind", "amount", "idempotency_key")),
        "awards": list(Award.objects.order_by("pk").values_list("pk", "status", "payment_id", "decided_by_id")),
        "redemptions": list(Redemption.objects.order_by("pk").values_list("pk", "status", "request_transfer_id")),
        "stock": dict(CatalogItem.objects.values_list("pk", "stock")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action")),
    }


def cut_connection_around(monkeypatch, target, name: str, *, after_call: bool, written) -> list[int]:
    """Wraps `target.name` so that at its first call (before it runs, or once it returned) the database
    terminates this thread's connection from a second connection, in the middle of the transaction.
    `written()` is checked first, on the doomed connection: the cut must come after a ledger row was
    written. Returns a list that holds the terminated backend's pid once the cut happened."""
    import psycopg

    original = getattr(target, name)
    cut: list[int] = []

    def cut_now():
        assert written(), "the cut should come after the first row is written"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        db = connection.settings_dict
        with psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                             host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, autocommit=True) as other:
            assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
        cut.append(pid)

    def cutting(*args, **kwargs):
        if cut:
            return original(*args, **kwargs)
        if not after_call:
            cut_now()
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        cut_now()
        return result

    monkeypatch.setattr(target, name, cutting)
    return cut


def test_a_connection_cut_during_an_award_approval_leaves_the_award_waiting_and_the_ledger_as_it_was(
    monkeypatch, pending_award, rafael, mateo
):
    before = ledger_state()
    # Cut after the payment transfer, both balances and the award's new status are written, before the
    # audit entry: the last write of award_approve's transaction.
    cut = cut_connection_around(
        monkeypatch, awards, "_audit", after_call=False,
        written=lambda: Transfer.objects.filter(idempotency_key=f"award:{pending_award.pk}:pay").exists(),
    )

    with pytest.raises((OperationalError, InterfaceError)):
        incentives_services.award_approve(award=pending_award, acting_user=rafael)

    assert cut, "the connection was not cut"
    connection.close()  # the broken connection; the next query opens a new one
    assert ledger_state() == before
    assert ledger_check().problems == []
    # Nothing is stuck either: the award can be approved as if nothing had happened, and pays once.
    monkeypatch.undo()
    incentives_services.award_approve(award=pending_award, acting_user=rafael)
    pending_award.refresh_from_db()
    assert pending_award.status == Award.Status.APPROVED
    assert Account.objects.get(owner=mateo).balance == pending_award.credits == 50
    assert ledger_check().problems == []


def test_a_connection_cut_during_a_redemption_request_moves_no_credits_and_keeps_the_stock(
    monkeypatch, pending_award, agency, rafael, mateo
):
    incentives_services.award_approve(award=pending_award, acting_user=rafael)
    item = incentives_services.catalog_item_save(agency=agency, acting_user=rafael, kind="training",
                                                 name="Taller de cartas de crédito", price=30, stock=2)
    before = ledger_state()
    # Cut once wallet → hold is written, before the stock goes down and the redemption is stored.
    cut = cut_connection_around(
        monkeypatch, incentives_services, "transfer_post", after_call=True,
        written=lambda: Transfer.objects.filter(idempotency_key=f"redeem:{mateo.pk}:taller-1").exists(),
    )

    with pytest.raises((OperationalError, InterfaceError)):
        incentives_services.redemption_request(item=item, person=mateo, idempotency_key="taller-1")

    assert cut, "the connection was not cut"
    connection.close()
    assert ledger_state() == before
    assert ledger_check().problems == []
    # The person asks again with the same form (same key): it goes through, once.
    monkeypatch.undo()
    for _attempt in range(2):
        incentives_services.redemption_request(item=item, person=mateo, idempotency_key="taller-1")
    item.refresh_from_db()
    assert (Account.objects.get(owner=mateo).balance, item.stock, Redemption.objects.count()) == (20, 1, 1)
    assert ledger_check().problems == []


async def test_a_real_server_closes_an_oversized_frame_with_1009(servers, general, people):
    """Through Daphne itself, not the test communicator: the close code reaches the browser."""
    import websockets

    port = servers[0].port
    _user, cookie = people[0]
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/rooms/{general.pk}/", origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie}, open_timeout=5, close_timeout=2,
    ) as ws:
        await ws.send(json.dumps({"type": "message", "body": "x" * 20_000, "client_id": "big"}))
        codes = []
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                codes.append(frame.get("code"))
        assert "frame_too_large" in codes
        assert ws.close_code == 1009
    assert await stored_messages(general) == []
