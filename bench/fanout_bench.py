"""Fan-out bench: one sender and N receivers in one room. In the same run, on the same machine:

- ``bare-ws``: a bare Python `websockets` server (bench/bare_ws.py) that broadcasts every frame it gets
  to everyone: the ceiling for a Python server on this machine;
- ``bare``: a bare Channels consumer that only group-broadcasts (bench/fanout_asgi.py), served by the
  same server processes and channel layer as Puente;
- ``room``: Puente's room consumer (authorises and stores every message, then broadcasts it).

Setups: ``embedded`` (SQLite file, in-memory layer, one process) and ``production`` (PostgreSQL, Redis
layer, ``--processes`` server processes; receivers spread over them round-robin, the sender on the
first). Servers: ``daphne`` and/or ``uvicorn`` (websockets-sansio on uvloop).

    .venv/bin/python bench/fanout_bench.py --setups production --servers daphne uvicorn \\
        --database-url postgres://postgres@127.0.0.1:5432/puente_capacity_fanout \\
        --redis-url redis://127.0.0.1:6379/5

Two phases on the same sockets, the frames the same size for every kind (a real `message` frame):
- paced: ``--rate`` messages/s for ``--seconds``: delivery latency p50/p99 (sender's send to each
  receiver's receive, one clock) and reach (deliveries received / expected);
- burst: ``--burst`` messages back to back: deliveries per second (received / time from the first send
  to the last receive) and the servers' CPU (user + system, from /proc) per delivery.
The clients run in this one Python process (on uvloop when installed) on the same cores as the
servers: numbers are comparable within a run, not across machines.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from support import Servers, make_sessions, setup_django


def prepare(database_url: str, receivers: int) -> dict:
    """A fresh bench database with one open cluster, its general room, a sender and receivers."""
    env = setup_django(database_url)
    from django.utils import timezone

    from clusters.models import Cluster, ClusterMembership, Sector, User
    from messaging.services import room_general_for_cluster

    sector = Sector.objects.create(slug="bench", name="Bench")
    cluster = Cluster.objects.create(sector=sector, slug="bench", name="Bench", access="open")
    room = room_general_for_cluster(cluster=cluster)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"bench{i}@example.org", name=f"Bench {i}", onboarded_at=now, password="!")
        for i in range(receivers + 1)
    )
    ClusterMembership.objects.bulk_create(
        ClusterMembership(cluster=cluster, user=user, status="active", decided_at=now) for user in users
    )
    cookies = make_sessions(users)
    return {"env": dict(env, BENCH_NO_RATE_LIMIT="1"), "room_id": room.pk, "sender_cookie": cookies[0],
            "receiver_cookies": cookies[1:]}


class Receiver:
    def __init__(self, ws):
        self.ws = ws
        self.got: dict[str, float] = {}

    async def run(self):
        try:
            async for raw in self.ws:
                if '"bench-' in raw:
                    now = time.perf_counter()
                    frame = json.loads(raw)
                    if frame.get("type") == "message":
                        self.got[frame["client_id"]] = now
        except Exception:
            pass


async def settle(servers: Servers, timeout: float = 60) -> None:
    """Waits until the servers are idle (under 5 % of a core), e.g. done with a wave of connections."""
    deadline = time.monotonic() + timeout
    before = servers.cpu()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = servers.cpu()
        if now - before < 0.025:
            return
        before = now


async def open_sockets(urls: list[str], cookies: list[str], count: int):
    import websockets

    sockets = []
    for start in range(0, count, 25):
        batch = []
        for i in range(start, min(count, start + 25)):
            url = urls[i % len(urls)]
            origin = "http://" + url.split("/")[2]
            batch.append(websockets.connect(url, origin=origin, additional_headers={"Cookie": cookies[i % len(cookies)]},
                                            max_queue=None, ping_interval=None, max_size=2**20))
        sockets += await asyncio.gather(*batch)
    return sockets


BODY = ("Buenas tardes. ¿Alguien ha exportado café verde a Alemania con certificación orgánica? "
        "Busco un agente de aduanas en Hamburgo.")


def bare_frame(client_id: str, seq: int) -> str:
    """What the bare servers broadcast: a `message` frame as the room consumer would send it."""
    return json.dumps({"type": "message", "id": 100000 + seq, "room": 1, "author": {"id": 1, "name": "Bench 0"},
                       "html": f"<p>{BODY} {seq}</p>\n", "created_at": "2026-11-28T10:00:00.000000+00:00",
                       "edited": False, "deleted": False, "reply_to": None, "client_id": client_id},
                      ensure_ascii=False, separators=(",", ":"))


async def phase(sender, receivers, servers: Servers, *, tag: str, count: int, rate: float | None,
                room: bool) -> dict:
    sent: dict[str, float] = {}
    cpu_before = servers.cpu()
    started = time.perf_counter()
    for seq in range(count):
        client_id = f"bench-{tag}-{seq}"
        if room:
            text = json.dumps({"type": "message", "client_id": client_id, "body": f"{BODY} {seq}"})
        else:
            text = bare_frame(client_id, seq)
        sent[client_id] = time.perf_counter()
        await sender.send(text)
        if rate:
            await asyncio.sleep(max(0.0, started + (seq + 1) / rate - time.perf_counter()))
    expected = count * len(receivers)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        if sum(len(r.got) for r in receivers) >= expected:
            break
        await asyncio.sleep(0.05)
    latencies, last = [], started
    for receiver in receivers:
        for client_id, at in receiver.got.items():
            if client_id in sent:
                latencies.append(at - sent[client_id])
                last = max(last, at)
        receiver.got.clear()
    cpu = servers.cpu() - cpu_before
    delivered = len(latencies)
    latencies.sort()
    return {
        "messages": count,
        "delivered": delivered,
        "reach": delivered / expected if expected else 0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else None,
        "deliveries_per_s": delivered / (last - started) if last > started else 0,
        "cpu_us_per_delivery": 1e6 * cpu / delivered if delivered else None,
    }


async def run_case(servers: Servers, db: dict, *, setup: str, consumer: str, args) -> dict:
    room = consumer == "room"
    path = "/" if consumer == "bare-ws" else f"/ws/rooms/{db['room_id']}/" if room else "/ws/bench/bare/"
    urls = [f"ws://127.0.0.1:{port}{path}" for port in servers.ports]
    sockets = await open_sockets(urls, db["receiver_cookies"], args.clients)
    sender = (await open_sockets(urls[:1], [db["sender_cookie"]], 1))[0]
    receivers = [Receiver(ws) for ws in sockets]
    tasks = [asyncio.create_task(r.run()) for r in receivers]
    drain = asyncio.create_task(Receiver(sender).run())
    await settle(servers)  # let the presence frames of all those arrivals go out
    tag = f"{setup}-{consumer}-{time.time_ns()}"
    paced = await phase(sender, receivers, servers, tag=tag + "-p", count=int(args.rate * args.seconds),
                        rate=args.rate, room=room)
    await settle(servers)
    burst = await phase(sender, receivers, servers, tag=tag + "-b", count=args.burst, rate=None, room=room)
    for ws in [*sockets, sender]:
        await ws.close()
    for task in [*tasks, drain]:
        task.cancel()
    await settle(servers)
    return {"setup": setup, "server": servers.kind, "processes": len(servers.ports), "consumer": consumer,
            "clients": args.clients, "paced_rate": args.rate, "paced": paced, "burst": burst}


def table(results: list[dict]) -> str:
    lines = [
        "| setup | server | processes | consumer | clients | paced msg/s | reach | p50 ms | p99 ms "
        "| burst deliveries/s | burst reach | CPU µs/delivery |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        p, b = r["paced"], r["burst"]
        lines.append(
            f"| {r['setup']} | {r['server']} | {r['processes']} | {r['consumer']} | {r['clients']} "
            f"| {r['paced_rate']:.0f} | {p['reach']:.3f} | {p['p50_ms'] or 0:.1f} | {p['p99_ms'] or 0:.1f} "
            f"| {b['deliveries_per_s']:.0f} | {b['reach']:.3f} | {b['cpu_us_per_delivery'] or 0:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", nargs="+", default=["embedded", "production"], choices=["embedded", "production"])
    parser.add_argument("--servers", nargs="+", default=["uvicorn"], choices=["daphne", "uvicorn"])
    parser.add_argument("--consumers", nargs="+", default=["bare-ws", "bare", "room"],
                        choices=["bare-ws", "bare", "room"])
    parser.add_argument("--processes", type=int, default=2, help="server processes in the production setup")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50.0, help="paced phase: messages per second")
    parser.add_argument("--seconds", type=float, default=6.0, help="paced phase: how long")
    parser.add_argument("--burst", type=int, default=150, help="burst phase: messages sent back to back")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/puente_capacity_fanout")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--profile", type=Path, help="run the servers under cProfile, writing <path>.<n>")
    args = parser.parse_args()
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        production = "production" in args.setups
        db = prepare(args.database_url if production else f"sqlite:///{workdir / 'bench.sqlite3'}", args.clients)
        if "production" in args.setups and "embedded" in args.setups:
            raise SystemExit("run one setup at a time (each needs its own database)")
        setup = args.setups[0]
        plan = []
        if "bare-ws" in args.consumers:
            plan.append(("bare-ws", ["bare-ws"], 1))
        consumers = [c for c in args.consumers if c != "bare-ws"]
        for server in args.servers:
            plan.append((server, consumers, args.processes if production else 1))
        for kind, kind_consumers, count in plan:
            servers = Servers(kind, env=db["env"], app="bench.fanout_asgi:application", count=count,
                              redis_url=args.redis_url if production else None, log=workdir / "server.log",
                              profile=args.profile)
            try:
                for consumer in kind_consumers:
                    result = run(run_case(servers, db, setup=setup, consumer=consumer, args=args))
                    results.append(result)
                    print(table([result]).splitlines()[-1], flush=True)
            finally:
                servers.stop()
        if (workdir / "server.log").exists():
            errors = [line for line in (workdir / "server.log").read_text().splitlines() if "Error" in line]
            if errors:
                print(f"server log: {len(errors)} error lines, e.g. {errors[:3]}")
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
