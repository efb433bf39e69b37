"""Fan-out bench: one sender, N receivers in one room, for Puente's room consumer and for a bare
consumer that only group-broadcasts, in the same Daphne process on the same channel layer.

    .venv/bin/python bench/fanout_bench.py                      # in-memory layer, and Redis if --redis-url
    .venv/bin/python bench/fanout_bench.py --redis-url redis://127.0.0.1:6379/2 --clients 10 100 500

For each layer, client count and consumer it runs two phases on the same sockets:
- paced: messages at a fixed rate below saturation (at most 1,000 deliveries per second in all) for the
  delivery latency (p50/p99, sender's send to receiver's receive, same clock) and the reach
  (deliveries received / deliveries expected);
- burst: messages sent back to back, for the most deliveries per second and the server CPU (user +
  system time of the Daphne process, from /proc) per delivery.
The room consumer authorises and persists every message (SQLite file database, one write per
message); deliveries are the same frame forwarded as text. The clients run in this one Python
process, on the same machine as the server: on a small machine they cost CPU too, so absolute numbers
are a floor, and the two consumers are compared under the same conditions.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def prepare_database(workdir: Path, receivers: int) -> dict:
    """A fresh SQLite database with a cluster, its general room, a sender and receivers, and their
    session cookies."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}", DJANGO_DEBUG="true",
               PUENTE_TESTING="true", LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_DEBUG", "PUENTE_TESTING", "LOG_LEVEL")})
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from clusters.models import Cluster, ClusterMembership, Sector, User
    from messaging.services import room_general_for_cluster

    sector = Sector.objects.create(slug="bench", name="Bench")
    cluster = Cluster.objects.create(sector=sector, slug="bench", name="Bench", access="open")
    room = room_general_for_cluster(cluster=cluster)
    cookies = []
    for i in range(receivers + 1):
        user = User.objects.create_user(email=f"bench{i}@example.org", password=None, name=f"Bench {i}",
                                        onboarded_at=timezone.now())
        ClusterMembership.objects.create(cluster=cluster, user=user, status="active")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return {"env": env, "room_id": room.pk, "sender_cookie": cookies[0], "receiver_cookies": cookies[1:]}


class Server:
    def __init__(self, env: dict, redis_url: str | None, workdir: Path, profile: Path | None = None):
        self.port = free_port()
        env = dict(env, BENCH_NO_RATE_LIMIT="1")
        if redis_url:
            env["REDIS_URL"] = redis_url
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        self.log = open(workdir / "daphne.log", "ab")  # noqa: SIM115 - closed in stop()
        profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
        self.process = subprocess.Popen(
            [sys.executable, *profiler, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "bench.fanout_asgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("daphne did not start")

    def stop(self):
        self.process.send_signal(signal.SIGINT)  # Twisted stops cleanly (and a profiler writes its file)
        self.process.wait(timeout=10)
        self.log.close()


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


async def settle(pid: int, timeout: float = 60) -> None:
    """Waits until the server is idle (under 5 % of a core), e.g. done with a wave of connections."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.025:
            return
        before = now


async def open_sockets(url: str, origin: str, cookies: list[str], count: int):
    import websockets

    sockets = []
    for start in range(0, count, 25):
        batch = [
            websockets.connect(url, origin=origin, additional_headers={"Cookie": cookies[i % len(cookies)]},
                               max_queue=None, ping_interval=None)
            for i in range(start, min(count, start + 25))
        ]
        sockets += await asyncio.gather(*batch)
    return sockets


async def phase(sender, receivers, *, tag: str, count: int, rate: float | None, room: bool, pid: int) -> dict:
    sent: dict[str, float] = {}
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    for seq in range(count):
        client_id = f"bench-{tag}-{seq}"
        frame = {"type": "message", "client_id": client_id}
        if room:
            frame["body"] = f"bench {seq}"
        sent[client_id] = time.perf_counter()
        await sender.send(json.dumps(frame))
        if rate:
            await asyncio.sleep(max(0.0, started + (seq + 1) / rate - time.perf_counter()))
    expected = count * len(receivers)
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline:
        if sum(sum(1 for cid in r.got if cid in sent) for r in receivers) >= expected:
            break
        await asyncio.sleep(0.05)
    latencies, last = [], started
    for receiver in receivers:
        for client_id, at in receiver.got.items():
            if client_id in sent:
                latencies.append(at - sent[client_id])
                last = max(last, at)
    cpu = cpu_seconds(pid) - cpu_before
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


async def run_case(server: Server, db: dict, *, layer: str, clients: int, consumer: str) -> dict:
    room = consumer == "room"
    path = f"/ws/rooms/{db['room_id']}/" if room else "/ws/bench/bare/"
    url, origin = f"ws://127.0.0.1:{server.port}{path}", f"http://127.0.0.1:{server.port}"
    sockets = await open_sockets(url, origin, db["receiver_cookies"], clients)
    sender = (await open_sockets(url, origin, [db["sender_cookie"]], 1))[0]
    receivers = [Receiver(ws) for ws in sockets]
    tasks = [asyncio.create_task(r.run()) for r in receivers]
    drain = asyncio.create_task(Receiver(sender).run())
    await settle(server.process.pid)  # let the presence frames of all those arrivals go out
    rate = min(50.0, 1000.0 / clients)
    tag = f"{layer}-{clients}-{consumer}-{time.time_ns()}"
    paced = await phase(sender, receivers, tag=tag + "-p", count=max(10, int(rate * 3)), rate=rate, room=room,
                        pid=server.process.pid)
    burst = await phase(sender, receivers, tag=tag + "-b", count={10: 200, 100: 60}.get(clients, 20), rate=None,
                        room=room, pid=server.process.pid)
    for ws in [*sockets, sender]:
        await ws.close()
    for task in [*tasks, drain]:
        task.cancel()
    await settle(server.process.pid)
    return {"layer": layer, "clients": clients, "consumer": consumer, "paced_rate": rate, "paced": paced,
            "burst": burst}


def table(results: list[dict]) -> str:
    lines = [
        "| layer | clients | consumer | paced msg/s | reach | p50 ms | p99 ms | burst deliveries/s | burst reach "
        "| CPU µs/delivery |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        p, b = r["paced"], r["burst"]
        lines.append(
            f"| {r['layer']} | {r['clients']} | {r['consumer']} | {r['paced_rate']:.0f} | {p['reach']:.3f} "
            f"| {p['p50_ms']:.1f} | {p['p99_ms']:.1f} | {b['deliveries_per_s']:.0f} | {b['reach']:.3f} "
            f"| {b['cpu_us_per_delivery']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--consumers", nargs="+", default=["bare", "room"], choices=["bare", "room"])
    parser.add_argument("--no-memory", action="store_true", help="only the Redis layer")
    parser.add_argument("--profile", type=Path, help="run the server under cProfile, writing here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = prepare_database(workdir, receivers=min(max(args.clients), 50))
        layers = ([] if args.no_memory else [("memory", None)]) + ([("redis", args.redis_url)] if args.redis_url else [])
        for layer, redis_url in layers:
            server = Server(db["env"], redis_url, workdir, args.profile)
            try:
                for clients in args.clients:
                    for consumer in args.consumers:
                        result = asyncio.run(run_case(server, db, layer=layer, clients=clients, consumer=consumer))
                        results.append(result)
                        print(table([result]).splitlines()[-1], flush=True)
            finally:
                server.stop()
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
