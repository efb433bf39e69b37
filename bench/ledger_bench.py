"""Ledger bench: transfers per second through `incentives.ledger.transfer_post` on PostgreSQL, with one hot
account (every transfer leaves the same pool) and with many accounts (random pairs of 200 wallets), against
a single-statement SQL baseline (one CTE that updates both balances, checks the floor and inserts the
transfer) in the same run, on the same tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_incentives_bench \
        .venv/bin/python bench/ledger_bench.py --seconds 3 --threads 4 --rounds 3

The database is created and migrated if needed. Each scenario runs `--threads` threads for `--seconds`, `--rounds` times, alternating with the baseline;
each thread has its own connection and posts 1 credit per transfer in autocommit mode (our function
opens its own transaction). At the end `ledger_check()` must still pass: the baseline writes real
transfers too, so the invariants cover both.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WALLETS = 200
START = 1_000_000

BASELINE_SQL = """
WITH src AS (
    UPDATE incentives_account SET balance = balance - %(amount)s
    WHERE id = %(src)s AND (kind = 'mint' OR balance >= %(amount)s) RETURNING id
), dst AS (
    UPDATE incentives_account SET balance = balance + %(amount)s
    WHERE id = %(dst)s AND EXISTS (SELECT 1 FROM src) RETURNING id
)
INSERT INTO incentives_transfer (from_account_id, to_account_id, amount, kind, idempotency_key, source_ref, memo,
                                 created_at)
SELECT %(src)s, %(dst)s, %(amount)s, 'adjust', %(key)s, 'bench', '', now() FROM dst
"""


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_world():
    from django.core.management import call_command
    from django.utils import timezone

    from clusters.models import Agency, User
    from incentives.ledger import program_accounts, transfer_post
    from incentives.models import Account, Program

    call_command("migrate", verbosity=0)
    agency, _c = Agency.objects.get_or_create(slug="bench-agency", defaults={"name": "Bench", "country": "PA"})
    staff, _c = User.objects.get_or_create(email="bench-staff@bench.local", defaults={"name": "Bench"})
    program = Program.objects.filter(agency=agency, name="bench").first()
    if program is None:
        program = Program.objects.create(agency=agency, name="bench", starts_on=timezone.localdate(), created_by=staff)
    mint, pool = program_accounts(program=program)
    users = [User(email=f"bench-{n}@bench.local", name=f"Bench {n}") for n in range(WALLETS)]
    User.objects.bulk_create(users, ignore_conflicts=True)
    users = list(User.objects.filter(email__endswith="@bench.local", name__startswith="Bench ").order_by("pk"))
    existing = set(Account.objects.filter(agency=agency, kind="wallet").values_list("owner_id", flat=True))
    Account.objects.bulk_create(
        [Account(kind="wallet", agency=agency, owner=u) for u in users if u.pk not in existing]
    )
    wallets = list(Account.objects.filter(agency=agency, kind="wallet").order_by("pk"))
    run = uuid.uuid4().hex[:8]
    transfer_post(from_account=mint, to_account=pool, amount=START * 10, kind="fund", idempotency_key=f"bench:{run}:pool")
    for wallet in wallets:
        transfer_post(from_account=mint, to_account=wallet, amount=START, kind="fund",
                      idempotency_key=f"bench:{run}:w{wallet.pk}")
    pool.refresh_from_db()
    return pool, wallets


def run_scenario(*, name, threads, seconds, pick, post):
    """pick(rng) -> (src, dst) accounts; post(src, dst, key) posts one transfer. Returns transfers/s."""
    from django.db import connection

    stop = time.monotonic() + seconds
    counts = [0] * threads
    errors = []
    barrier = threading.Barrier(threads)

    def work(i):
        rng = random.Random(i)
        prefix = f"bench:{uuid.uuid4().hex}:"
        try:
            barrier.wait()
            n = 0
            while time.monotonic() < stop:
                src, dst = pick(rng)
                post(src, dst, f"{prefix}{n}")
                n += 1
            counts[i] = n
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    if errors:
        raise errors[0]
    rate = sum(counts) / elapsed
    print(f"  {name:<34} {sum(counts):>7} transfers  {rate:>8.0f}/s")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... : this bench is about PostgreSQL row locks.")
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection

    from incentives.ledger import transfer_post
    from incentives.verify import ledger_check

    pool, wallets = setup_world()
    # Earlier runs leave dead versions of the hot pool row behind; start every run from a clean table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incentives_account")

    def ours(src, dst, key):
        transfer_post(from_account=src, to_account=dst, amount=1, kind="adjust", idempotency_key=key,
                      source_ref="bench")

    def baseline(src, dst, key):
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, {"amount": 1, "src": src.pk, "dst": dst.pk, "key": key})
            if cursor.rowcount != 1:
                raise RuntimeError("baseline transfer refused")

    def hot(rng):
        return pool, wallets[rng.randrange(len(wallets))]

    def many(rng):
        a, b = rng.sample(wallets, 2)
        return a, b

    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {args.threads} threads, "
          f"{args.seconds:g} s per scenario, {len(wallets)} wallets")
    # The machine may be shared: baseline and ours alternate for several short rounds and the medians count.
    for scenario, pick in (("hot account", hot), ("many accounts", many)):
        rates = {"baseline": [], "ours": []}
        for _round in range(args.rounds):
            rates["baseline"].append(run_scenario(name=f"{scenario}: single-statement SQL", threads=args.threads,
                                                  seconds=args.seconds, pick=pick, post=baseline))
            rates["ours"].append(run_scenario(name=f"{scenario}: transfer_post", threads=args.threads,
                                              seconds=args.seconds, pick=pick, post=ours))
        base, mine = statistics.median(rates["baseline"]), statistics.median(rates["ours"])
        print(f"= {scenario}: baseline {base:.0f}/s, transfer_post {mine:.0f}/s (medians): {mine / base:.0%}")
    report = ledger_check()
    print(f"ledger_check: {'OK' if report.ok else report.problems[:3]} ({report.transfers} transfers)")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
