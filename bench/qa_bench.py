"""Q&A bench: the cluster question list, a question page and search, with 10,000 questions and 50,000
answers, against a trivial Django view served by the same Daphne process in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_questions \
        .venv/bin/python bench/qa_bench.py --seconds 10 --concurrency 8 [--servers 2]

With --servers N, N Daphne processes serve the same application on N ports and the connections are
spread over them in turn (as a load balancer would); every page, the trivial view included, is
measured against that same set of processes. With --rounds R, every page is measured R times in
turn (--seconds / R each time), so background load on a shared machine falls on all pages alike.

Data is made once per database with bulk_create (reused on later runs unless --fresh). Each page is
requested by a signed-in member over keep-alive HTTP/1.1 connections from this one process, for a
fixed time after a short warm-up; throughput is responses per second, and p50/p99 latency is reported.
The client runs on the same machine as the server, so absolute numbers are a floor; the ratio to the
trivial view is what the goal (at least half its throughput) is about.
"""

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = 10_000
ANSWERS_PER_QUESTION = 5
CLUSTER_SLUG = "qa-bench"

WORDS_ES = ["exportar", "café", "verde", "registro", "FDA", "flete", "contenedor", "Rotterdam", "carta", "crédito", "cotización", "certificación", "orgánica", "aduana", "Incoterms", "FOB", "precio", "tostador", "muestra", "catación", "puntaje", "embalaje", "etiqueta", "feria", "compradores", "Alemania", "Japón", "Miami", "cacao", "cadmio", "trazabilidad"]
WORDS_EN = ["export", "shipping", "freight", "container", "quote", "letter", "credit", "buyer", "certification", "organic", "customs", "price", "roaster", "sample", "cupping", "score", "packaging", "label", "fair", "market", "Germany", "Japan", "shrimp"]
WORDS_PT = ["exportar", "frete", "contêiner", "certificação", "orgânica", "alfândega", "preço", "amostra", "embalagem", "rótulo", "feira", "compradores", "mercado", "cacau", "rastreabilidade"]


FILLER = [f"{stem}{n}" for stem in ("lote", "finca", "cliente", "puerto", "ref", "item") for n in range(400)]


def text(rng: random.Random, words: list[str], length: int) -> str:
    """A few domain words among many rarer ones, so that a two-word search matches a small share of the
    posts (as in real threads) rather than nearly all of them."""
    domain = rng.sample(words, 3)
    filler = rng.choices(FILLER, k=length - 3)
    tokens = domain + filler
    rng.shuffle(tokens)
    return " ".join(tokens)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_data(fresh: bool) -> dict:
    """10,000 questions and 50,000 answers in one open cluster, a member with a session: bulk inserts."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from django.utils import timezone

    from clusters.models import Cluster, ClusterMembership, Sector, User
    from questions.models import Answer, Question

    cluster = Cluster.objects.filter(slug=CLUSTER_SLUG).first()
    if cluster is not None and fresh:
        Answer.objects.filter(question__cluster=cluster).delete()
        Question.objects.filter(cluster=cluster).delete()
    if cluster is None:
        sector, _ = Sector.objects.get_or_create(slug="qa-bench", defaults={"name": "QA bench"})
        cluster = Cluster.objects.create(sector=sector, slug=CLUSTER_SLUG, name="QA bench", access="open")
    people = []
    for i in range(20):
        user, created = User.objects.get_or_create(
            email=f"qa-bench{i}@example.org", defaults={"name": f"Bench {i}", "onboarded_at": timezone.now()}
        )
        ClusterMembership.objects.get_or_create(cluster=cluster, user=user, defaults={"status": "active"})
        people.append(user)
    if not Question.objects.filter(cluster=cluster).exists():
        started = time.monotonic()
        rng = random.Random(7)
        now = timezone.now()
        languages = [("es", WORDS_ES), ("en", WORDS_EN), ("pt", WORDS_PT)]
        with transaction.atomic():
            questions = []
            for i in range(QUESTIONS):
                language, words = languages[i % 3]
                title = text(rng, words, 8).capitalize() + f" #{i}?"
                body = text(rng, words, 40)
                created = now - timezone.timedelta(minutes=QUESTIONS - i)
                questions.append(Question(
                    cluster=cluster, author=people[i % 20], title=title, body=body, body_html=f"<p>{body}</p>",
                    language=language, topics=[["logistics", "customs", "pricing"][i % 3]],
                    target_markets=[["US", "DE", "JP"][i % 3]], created_at=created, last_activity_at=created,
                    answer_count=ANSWERS_PER_QUESTION, score=rng.randint(-2, 20),
                ))
            questions = Question.objects.bulk_create(questions, batch_size=2000)
            answers = []
            for question in questions:
                words = dict(languages)[question.language]
                for j in range(ANSWERS_PER_QUESTION):
                    body = text(rng, words, 60)
                    answers.append(Answer(question=question, author=people[(question.pk + j + 1) % 20], body=body,
                                          body_html=f"<p>{body}</p>", score=rng.randint(0, 10)))
            Answer.objects.bulk_create(answers, batch_size=5000)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for language, config in (("es", "spanish"), ("pt", "portuguese"), ("en", "english")):
                        cursor.execute(
                            "UPDATE questions_question SET search_vector = "
                            "setweight(to_tsvector(%s::regconfig, title), 'A') || "
                            "setweight(to_tsvector(%s::regconfig, body), 'B') WHERE cluster_id = %s AND language = %s",
                            [config, config, cluster.pk, language],
                        )
                        cursor.execute(
                            "UPDATE questions_answer a SET search_vector = setweight(to_tsvector(%s::regconfig, a.body), 'C') "
                            "FROM questions_question q WHERE a.question_id = q.id AND q.cluster_id = %s AND q.language = %s",
                            [config, cluster.pk, language],
                        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The UPDATEs above left a dead copy of every row (and this server may run without
                # autovacuum): compact as tables written over time are, with fresh statistics.
                cursor.execute("VACUUM (FULL, ANALYZE) questions_question")
                cursor.execute("VACUUM (FULL, ANALYZE) questions_answer")
        print(f"data: {QUESTIONS:,} questions and {QUESTIONS * ANSWERS_PER_QUESTION:,} answers "
              f"in {time.monotonic() - started:.1f} s", flush=True)
    session = SessionStore()
    session[SESSION_KEY] = str(people[0].pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = people[0].get_session_auth_hash()
    session.create()
    middle = Question.objects.filter(cluster=cluster).order_by("pk").values_list("pk", flat=True)[QUESTIONS // 2]
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "pages": {
            "trivial view": "/bench/trivial/",
            "question list": f"/clusters/{CLUSTER_SLUG}/questions/",
            "question list, filtered": f"/clusters/{CLUSTER_SLUG}/questions/?topic=customs&sort=votes&page=3",
            "question page": f"/questions/{middle}/",
            "search": "/questions/search/?q=" + quote("certificación orgánica"),
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def fetch_loop(port: int, path: str, cookie: str, until: float, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
               "X-Forwarded-Proto: https\r\nConnection: keep-alive\r\n\r\n").encode()
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length, chunked = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "transfer-encoding" and "chunked" in value:
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readline()).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            if b" 200 " not in status_line:
                errors.append(status_line)
                return  # a broken page must not count as fast
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def measure(ports: list[int], path: str, cookie: str, seconds: float, concurrency: int) -> dict:
    warm: list = []
    await asyncio.gather(*(fetch_loop(ports[i % len(ports)], path, cookie, time.perf_counter() + 1.0, warm, [])
                           for i in range(concurrency)))
    latencies: list = []
    errors: list = []
    started = time.perf_counter()
    await asyncio.gather(*(fetch_loop(ports[i % len(ports)], path, cookie, started + seconds, latencies, errors)
                           for i in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - started}


def summary(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies"])
    errors = [x for run in runs for x in run["errors"]]
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="recreate the bench data")
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes (connections spread over them)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every page in turn this many times, --seconds in all per page (spreads "
                             "background load on a shared machine over all pages alike)")
    return parser.parse_args()


def prepare() -> None:
    """Production-like environment, migrated database, Django set up in this process."""
    # The server runs as in production (DEBUG off); this process signs its session with the same key.
    os.environ.update(DJANGO_DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING",
                      SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.path.insert(0, str(ROOT))
        from bench.support import ensure_postgres

        ensure_postgres(os.environ["DATABASE_URL"])  # kept between runs: building the data takes minutes
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)
    setup_django()


def serve_and_measure(data: dict, args: argparse.Namespace) -> None:
    """Serves the application with Daphne and measures each of data["pages"] (the first one is the
    trivial view every other page is compared with), printing a Markdown table."""
    from django.db import connection

    vendor = connection.vendor
    connection.close()

    ports = [free_port() for _ in range(max(args.servers, 1))]
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / "qa_bench_daphne.log", "wb")  # noqa: SIM115 - closed below
    env = dict(os.environ)
    servers = [subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bench.qa_asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    ) for port in ports]
    try:
        deadline = time.monotonic() + 30
        for port in ports:
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start")
                time.sleep(0.1)
        rounds = max(args.rounds, 1)
        print(f"database: {vendor}; {len(ports)} Daphne process(es), {args.concurrency} connections, "
              f"{args.seconds:g} s per page in {rounds} round(s); load average {load_average()}\n")
        runs: dict[str, list] = {name: [] for name in data["pages"]}
        for _ in range(rounds):
            for name, path in data["pages"].items():
                runs[name].append(asyncio.run(measure(ports, path, data["cookie"], args.seconds / rounds,
                                                      args.concurrency)))
        print("| page | requests/s | p50 ms | p99 ms | errors | vs trivial |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        baseline = None
        for name, path in data["pages"].items():
            result = summary(runs[name])
            baseline = baseline or result["rps"]
            print(f"| {name} (`{path}`) | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
                  f"{result['errors']} | {result['rps'] / baseline:.0%} |", flush=True)
            if result["first_error"]:
                print(f"  first error: {result['first_error']!r}")
        print(f"\nload average {load_average()}")
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()


def main() -> None:
    args = arguments(__doc__)
    prepare()
    serve_and_measure(make_data(args.fresh), args)


if __name__ == "__main__":
    main()
