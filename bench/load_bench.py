"""Capacity bench: a realistic day for N connected people, and the largest N this machine holds.

N people spread over 50 cluster rooms (one cluster each, its general room). Each person keeps a
websocket open on their room (as the room page does), sends a message about once a minute
(``--message-every``) and loads a page about every ``--page-every`` seconds (their room, the
Messages list, their cluster, its questions, a question, the home page). One in twenty asks a question
(form POST) and one in twenty, a mentor, answers one, each about every ``--post-every`` seconds. A few
agency staff (``--staff``) use the agency console (console, award queue, ledger, impact dashboard)
every ``--staff-every`` seconds. Every action starts at a random moment so that load is spread.

Measured over ``--seconds`` after everyone is connected and a warm-up:
- HTTP: mean and p99 of the time to the whole response (new connection per request, as a phone on
  a mobile network mostly does), errors (status >= 400 or no answer);
- delivery: mean and p99 from a message's send to its arrival on each socket in the room;
A step passes when both means are <= 100 ms, both p99 <= 2 s and nothing failed.

Setups: ``embedded`` (SQLite file, in-memory layer, one Daphne process) and ``production``
(PostgreSQL, Redis, ``--processes`` uvicorn processes; people spread over them round-robin, as a
sticky-free proxy would).

    .venv/bin/python bench/load_bench.py --setup embedded --people 250 500 1000
    .venv/bin/python bench/load_bench.py --setup production --people 500 1000 2000 \\
        --database-url postgres://postgres@127.0.0.1:5432/puente_capacity_load --redis-url redis://127.0.0.1:6379/6

The bench's data is its own: a fresh database seeded in bulk (``seed``: people, firms-free members,
50 clusters and rooms, 20 messages per room, 2 questions per cluster, an agency with staff) and
signed-in sessions written straight into the session table (no login form). The clients run in this
one Python process on the same machine: their CPU counts against the servers'.
"""

import argparse
import asyncio
import collections
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from support import Servers, make_sessions, setup_django

ROOMS = 50
BODY = "¿Alguien ha enviado café verde a Hamburgo este mes? Busco agente de aduanas y naviera con buen precio."


def seed(database_url: str, people: int, staff: int, *, redis_url: str = "") -> dict:
    env = setup_django(database_url, redis_url=redis_url)
    from django.utils import timezone

    from clusters.models import Agency, Cluster, ClusterMembership, Sector, User
    from messaging.models import Message, Room
    from messaging.services import room_general_for_cluster
    from questions.services import question_ask

    started = time.monotonic()
    now = timezone.now()
    sector = Sector.objects.create(slug="bench", name="Bench")
    agency = Agency.objects.create(slug="bench-agency", name="Bench agency", country="PA")
    clusters = Cluster.objects.bulk_create(
        Cluster(sector=sector, slug=f"bench-{c}", name=f"Bench cluster {c}", access="open", agency=agency)
        for c in range(ROOMS)
    )
    rooms = [room_general_for_cluster(cluster=cluster) for cluster in clusters]
    users = User.objects.bulk_create(
        (User(email=f"p{i}@bench.example", name=f"Persona {i}", onboarded_at=now, password="!", language="es",
              country="HN") for i in range(people + staff)),
        batch_size=1000,
    )
    members, staff_users = users[:people], users[people:]
    ClusterMembership.objects.bulk_create(
        (ClusterMembership(cluster=clusters[i % ROOMS], user=user, status="active", decided_at=now,
                           role="mentor" if i % 20 == 1 else "member") for i, user in enumerate(members)),
        batch_size=1000,
    )
    agency.staff.add(*staff_users)
    Message.objects.bulk_create(
        (Message(room=room, author=members[(r + ROOMS * k) % people], body=f"{BODY} {k}",
                 body_html=f"<p>{BODY} {k}</p>\n", created_at=now) for r, room in enumerate(rooms) for k in range(20)),
        batch_size=1000,
    )
    questions = {}
    for c, cluster in enumerate(clusters):
        questions[c] = [question_ask(cluster=cluster, author=members[c], title=f"¿Cómo exporto café a Alemania? {c}-{q}",
                                     body=BODY, language="es").pk for q in range(2)]
    cookies = make_sessions(users)
    print(f"seeded {people} people and {staff} staff in {ROOMS} rooms in {time.monotonic() - started:.1f} s",
          flush=True)
    return {
        "env": env,
        "rooms": [room.pk for room in rooms],
        "slugs": [cluster.slug for cluster in clusters],
        "questions": questions,
        "cookies": cookies[:people],
        "staff_cookies": cookies[people:],
        "agency": agency.slug,
        "room_check": Room.objects.count(),
    }


class Stats:
    def __init__(self):
        self.http: list[float] = []
        self.http_errors = 0
        self.http_by_path: dict[str, list[float]] = {}
        self.delivery: list[float] = []
        self.sent: dict[str, float] = {}
        self.measuring = False
        self.ws_dropped = 0
        self.statuses: dict[int, int] = {}
        self.connect_retries = 0
        self.per_message: dict[str, int] = {}
        self.ws_errors: dict[str, int] = {}
        self.lag: list[float] = []  # how late the load generator's own event loop woke up


def machine_jiffies() -> tuple[int, int]:
    """(busy, stolen) CPU time of the whole machine so far, in clock ticks (Linux /proc/stat): the
    servers, the generator, PostgreSQL, Redis and whatever else runs. Stolen time is the hypervisor's."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


async def watch_lag(stats: Stats, stop: asyncio.Event, every: float = 0.05) -> None:
    """The generator's own delay: every time measured here includes it. A generator that is late by
    100 ms adds up to 100 ms to every page and delivery it times."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        planned = loop.time() + every
        await asyncio.sleep(every)
        if stats.measuring:
            stats.lag.append(max(0.0, loop.time() - planned))


async def http_request(port: int, method: str, path: str, cookie: str, stats: Stats, kind: str,
                       form: dict | None = None) -> None:
    """One request on a new connection (HTTP/1.1, Connection: close); the time is to the last byte."""
    from urllib.parse import urlencode

    csrf = "b" * 32  # a csrftoken cookie we choose, sent back as the form field (Django's double submit)
    body = urlencode({**(form or {}), "csrfmiddlewaretoken": csrf}).encode() if method == "POST" else b""
    headers = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Cookie: {cookie}; csrftoken={csrf}",
               "Connection: close", "Accept-Language: es", f"Origin: http://127.0.0.1:{port}",
               f"Referer: http://127.0.0.1:{port}{path}"]
    if body:
        headers += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    started = time.perf_counter()
    ok, status = False, 0
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        data = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        ok = 200 <= status < 400
    except Exception:
        ok = False
    elapsed = time.perf_counter() - started
    if stats.measuring:
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        stats.http.append(elapsed)
        stats.http_by_path.setdefault(kind, []).append(elapsed)
        if not ok:
            stats.http_errors += 1


async def person(i: int, db: dict, ports: list[int], stats: Stats, args, stop: asyncio.Event) -> None:
    import websockets

    # Room r's people are i = r, r + 50, r + 100, ...: spread over the processes as a balancer would.
    port = ports[(i // ROOMS) % len(ports)]
    r = i % ROOMS
    room_id, slug, questions = db["rooms"][r], db["slugs"][r], db["questions"][r]
    cookie = db["cookies"][i]
    rng = random.Random(i)
    # As static/js/room.js does: a failed connection is tried again after 0.5 s doubling (at most 30 s),
    # with jitter.
    backoff = 0.5
    while True:
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/rooms/{room_id}/",
                                          origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": cookie},
                                          max_queue=None, ping_interval=None)
            break
        except (TimeoutError, OSError, websockets.InvalidHandshake):
            stats.connect_retries += 1
            await asyncio.sleep(backoff * rng.uniform(0.5, 1.5))
            backoff = min(30, backoff * 2)

    async def read():
        try:
            async for raw in ws:
                if '"load-' in raw and '"type":"message"' in raw:
                    now = time.perf_counter()
                    client_id = json.loads(raw)["client_id"]
                    sent = stats.sent.get(client_id)
                    if sent is not None:
                        stats.delivery.append(now - sent)
                        stats.per_message[client_id] = stats.per_message.get(client_id, 0) + 1
                elif '"type":"error"' in raw:
                    code = json.loads(raw).get("code")
                    stats.ws_errors[code] = stats.ws_errors.get(code, 0) + 1
        except Exception:
            if not stop.is_set():
                stats.ws_dropped += 1

    async def talk():
        seq = 0
        await asyncio.sleep(rng.uniform(0, args.message_every))
        while not stop.is_set():
            client_id = f"load-{i}-{args.step_tag}-{seq}"
            seq += 1
            if stats.measuring:
                stats.sent[client_id] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": f"{BODY} ({i}/{seq})", "client_id": client_id}))
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.message_every)

    async def browse():
        pages = [("room", f"/messages/{room_id}/"), ("messages", "/messages/"), ("cluster", f"/clusters/{slug}/"),
                 ("questions", f"/clusters/{slug}/questions/"), ("question", f"/questions/{questions[0]}/"),
                 ("home", "/")]
        await asyncio.sleep(rng.uniform(0, args.page_every))
        while not stop.is_set():
            kind, path = rng.choice(pages)
            await http_request(port, "GET", path, cookie, stats, kind)
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.page_every)

    async def post():
        await asyncio.sleep(rng.uniform(0, args.post_every))
        seq = 0
        while not stop.is_set():
            seq += 1
            if i % 20 == 0:
                await http_request(port, "POST", f"/clusters/{slug}/questions/ask/", cookie, stats, "ask",
                                   {"title": f"¿Qué certificado pide Alemania para café tostado? {i}-{seq}",
                                    "body": BODY, "language": "es"})
            else:
                await http_request(port, "POST", f"/questions/{questions[seq % 2]}/", cookie, stats, "answer",
                                   {"body": f"Nosotros usamos un agente en Hamburgo. {BODY} {i}-{seq}"})
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.post_every)

    tasks = [asyncio.create_task(read()), asyncio.create_task(talk()), asyncio.create_task(browse())]
    if i % 20 in (0, 1):
        tasks.append(asyncio.create_task(post()))
    await stop.wait()
    for task in tasks:
        task.cancel()
    await ws.close()


async def agency_staff(j: int, db: dict, ports: list[int], stats: Stats, args, stop: asyncio.Event) -> None:
    rng = random.Random(10**6 + j)
    port = ports[(j // 2) % len(ports)]
    base = f"/agency/{db['agency']}/"
    pages = [("console", base), ("awards", base + "awards/"), ("ledger", base + "ledger/"),
             ("impact", base + "impact/")]
    await asyncio.sleep(rng.uniform(0, args.staff_every))
    while not stop.is_set():
        kind, path = rng.choice(pages)
        await http_request(port, "GET", path, db["staff_cookies"][j], stats, kind)
        await asyncio.sleep(rng.uniform(0.5, 1.5) * args.staff_every)


def summary(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    ordered = sorted(values)
    return 1000 * statistics.fmean(ordered), 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def run_step(servers: Servers, db: dict, people: int, args) -> dict:
    # Client ids are unique per author for good: a step that reused the previous step's would be
    # answered as a retry (acknowledged, not stored or broadcast again).
    args.step_tag = time.time_ns()
    stats, stop = Stats(), asyncio.Event()
    tasks = []
    connect_started = time.monotonic()
    # People arrive at --arrivals per second (a day's start, not a restart's stampede).
    for start in range(0, people, 10):
        tasks += [asyncio.create_task(person(i, db, servers.ports, stats, args, stop))
                  for i in range(start, min(people, start + 10))]
        await asyncio.sleep(10 / args.arrivals)
    tasks += [asyncio.create_task(agency_staff(j, db, servers.ports, stats, args, stop)) for j in range(args.staff)]
    tasks.append(asyncio.create_task(watch_lag(stats, stop)))
    connect_seconds = time.monotonic() - connect_started
    await asyncio.sleep(args.warmup)
    cpu_before, started, own_before = servers.cpu(), time.monotonic(), time.process_time()
    machine_before = machine_jiffies()
    stats.measuring = True
    await asyncio.sleep(args.seconds)
    stats.measuring = False
    cpu = (servers.cpu() - cpu_before) / (time.monotonic() - started)
    own_cpu = (time.process_time() - own_before) / (time.monotonic() - started)
    tick = os.sysconf("SC_CLK_TCK") * (time.monotonic() - started)
    machine_cpu, machine_steal = ((after - before) / tick for after, before in zip(machine_jiffies(), machine_before,
                                                                                    strict=True))
    await asyncio.sleep(3)  # deliveries of the last messages sent
    stop.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [f"{type(r).__name__}: {r}"[:120] for r in results if isinstance(r, Exception)]
    failed_people = len(failures)
    http_mean, http_p99 = summary(stats.http)
    delivery_mean, delivery_p99 = summary(stats.delivery)
    # each message goes to every socket of its room, the sender's included
    expected = sum(people // ROOMS + (1 if int(cid.split("-")[1]) % ROOMS < people % ROOMS else 0)
                   for cid in stats.sent)
    passed = (http_mean <= 100 and http_p99 <= 2000 and delivery_mean <= 100 and delivery_p99 <= 2000
              and stats.http_errors == 0 and failed_people == 0 and stats.ws_dropped == 0
              and len(stats.delivery) >= 0.99 * expected)
    return {
        "setup": args.setup, "server": servers.kind, "processes": len(servers.ports), "people": people,
        "connect_s": connect_seconds, "requests": len(stats.http), "requests_per_s": len(stats.http) / args.seconds,
        "http_mean_ms": http_mean, "http_p99_ms": http_p99, "http_errors": stats.http_errors,
        "messages": len(stats.sent), "deliveries": len(stats.delivery),
        "reach": len(stats.delivery) / max(1, expected),
        "delivery_mean_ms": delivery_mean, "delivery_p99_ms": delivery_p99,
        "failed_people": failed_people, "ws_dropped": stats.ws_dropped, "server_cpu_cores": cpu,
        "generator_cpu_cores": own_cpu, "generator_lag_ms": summary(stats.lag),
        "machine_cpu_cores": machine_cpu, "machine_steal_cores": machine_steal, "cores": os.cpu_count(),
        "passed": passed, "statuses": stats.statuses, "connect_retries": stats.connect_retries,
        "ws_errors": stats.ws_errors,
        "deliveries_per_message": sorted(collections.Counter(stats.per_message.get(c, 0) for c in stats.sent).items()), "failures": sorted(set(failures))[:5],
        "pages": {kind: (*summary(values), len(values)) for kind, values in sorted(stats.http_by_path.items())},
    }


def row(r: dict) -> str:
    return (f"| {r['setup']} | {r['server']} ×{r['processes']} | {r['people']} | {r['requests_per_s']:.1f} "
            f"| {r['http_mean_ms']:.0f} | {r['http_p99_ms']:.0f} | {r['http_errors']} "
            f"| {r['messages'] / max(1, r['seconds']):.1f} | {r['deliveries']} | {r['delivery_mean_ms']:.0f} "
            f"| {r['delivery_p99_ms']:.0f} | {r['server_cpu_cores']:.2f} | {'yes' if r['passed'] else 'no'} |")


HEADER = ("| setup | server | people | pages/s | HTTP mean ms | HTTP p99 ms | HTTP errors | msg/s | deliveries "
          "| delivery mean ms | delivery p99 ms | server CPU (cores) | within limits |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], help="default: daphne embedded, uvicorn production")
    parser.add_argument("--processes", type=int, default=2, help="server processes in the production setup")
    parser.add_argument("--people", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--arrivals", type=float, default=50, help="people connecting per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--message-every", type=float, default=60)
    parser.add_argument("--page-every", type=float, default=120)
    parser.add_argument("--post-every", type=float, default=300)
    parser.add_argument("--staff-every", type=float, default=20)
    parser.add_argument("--stop-after-fail", action="store_true", help="skip larger N once a step fails")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/puente_capacity_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--code", type=Path, help="serve another checkout of the project (a before/after run)")
    parser.add_argument("--profile", type=Path, help="run the servers under cProfile, writing <path>.<n>")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep-log", type=Path, help="copy the servers' log here")
    args = parser.parse_args()
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    production = args.setup == "production"
    kind = args.server or ("uvicorn" if production else "daphne")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = seed(args.database_url if production else f"sqlite:///{workdir / 'load.sqlite3'}", max(args.people),
                  args.staff)
        if production:
            db["env"].update({"DB_POOL_MIN": "2", "DB_POOL_MAX": "10"})
        print(HEADER, flush=True)
        for people in sorted(args.people):
            servers = Servers(kind, env=db["env"], app="config.asgi:application",
                              count=args.processes if production else 1,
                              redis_url=args.redis_url if production else None, log=workdir / "server.log",
                              profile=args.profile, root=args.code)
            try:
                result = run(run_step(servers, db, people, args))
            finally:
                servers.stop()
            result["seconds"] = args.seconds
            results.append(result)
            print(row(result), flush=True)
            print(f"    reach {result['reach']:.3f}, people failed {result['failed_people']}, sockets dropped "
                  f"{result['ws_dropped']}, connecting took {result['connect_s']:.0f} s "
                  f"({result['connect_retries']} retries) {result['failures']}")
            print(f"    error frames {result['ws_errors']}; sockets reached per message {result['deliveries_per_message']}")
            lag_mean, lag_p99 = result["generator_lag_ms"]
            print(f"    load generator: {result['generator_cpu_cores']:.2f} cores, its event loop late by "
                  f"{lag_mean:.0f} ms mean, {lag_p99:.0f} ms p99 (included in every time above); the whole "
                  f"machine busy {result['machine_cpu_cores']:.2f} of {result['cores']} cores, "
                  f"{result['machine_steal_cores']:.2f} stolen by the hypervisor")
            print(f"    HTTP statuses {result['statuses']}; pages (mean ms, p99 ms, count): " + ", ".join(
                f"{k} {m:.0f}/{p:.0f}/{n}" for k, (m, p, n) in result["pages"].items()), flush=True)
            if args.stop_after_fail and not result["passed"]:
                break
        log = (workdir / "server.log").read_text(errors="replace")
        if args.keep_log:
            args.keep_log.write_text(log)
        errors = [line for line in log.splitlines() if "Error" in line or "Traceback" in line]
        if errors:
            print(f"server log: {len(errors)} error lines, e.g. {errors[:5]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
