"""Agency API bench: the ledger's transfers listed through GET /api/v1/transfers with 100,000 transfers,
first page against pages deep in the list (cursor pagination: each page costs the same), and, for
contrast, the same pages fetched with OFFSET as a page-number paginator would.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_i_bench .venv/bin/python bench/api_bench.py
    .venv/bin/python bench/api_bench.py --database sqlite:////tmp/api_bench.sqlite3

The database is dropped, migrated and filled with `--transfers` transfers (bulk inserted, then ANALYZEd as
autovacuum would: the bench reads, so balances are not kept). Each page is requested `--repeat` times through Django's test client (the whole
stack: middleware, token check, audit entry); the figure is the median. Bench only.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import setup_django  # noqa: E402

WALLETS = 200
LIMIT = 50


def build_world(n: int) -> tuple[str, list[int]]:
    from django.utils import timezone

    from agency_api.services import token_create
    from clusters.models import Agency, User
    from incentives.ledger import program_accounts
    from incentives.models import Account, Program, Transfer

    agency = Agency.objects.create(slug="bench-agency", name="Bench", country="PA")
    staff = User.objects.create(email="bench-staff@bench.local", name="Bench staff")
    agency.staff.add(staff)
    program = Program.objects.create(agency=agency, name="bench", starts_on=timezone.localdate(), created_by=staff)
    _mint, pool = program_accounts(program=program)
    users = User.objects.bulk_create([User(email=f"bench-{k}@bench.local", name=f"Bench {k}") for k in range(WALLETS)])
    wallets = Account.objects.bulk_create([Account(kind="wallet", agency=agency, owner=u) for u in users])
    now = timezone.now()
    batch = 5000
    for start in range(0, n, batch):
        Transfer.objects.bulk_create([
            Transfer(from_account=pool, to_account=wallets[k % WALLETS], amount=1 + k % 50, kind="award",
                     idempotency_key=f"bench:{k}", source_ref=f"questions.answer:{k}", memo="Accepted answer",
                     created_at=now)
            for k in range(start, min(start + batch, n))
        ])
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load: planner statistics
    _token, text = token_create(agency=agency, acting_user=staff, name="bench", scopes=["read"], expires_in_days=1)
    ids = list(Transfer.objects.order_by("-id").values_list("pk", flat=True))
    return text, ids


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", "sqlite:////tmp/puente_api_bench.sqlite3"))
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["PUENTE_RATE_API"] = "1000000000/60"
    setup_django(args.database)
    from django.test import Client

    from clusters.models import Agency
    from incentives.selectors import transfers_for_agency

    started = time.perf_counter()
    text, ids = build_world(args.transfers)
    print(f"{len(ids)} transfers written in {time.perf_counter() - started:.1f} s ({args.database.split(':')[0]})")
    client = Client(SERVER_NAME="127.0.0.1")
    headers = {"Authorization": f"Bearer {text}"}
    agency = Agency.objects.get(slug="bench-agency")

    def page(cursor):
        def fetch():
            params = {"limit": LIMIT, **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/v1/transfers", params, headers=headers)
            assert response.status_code == 200 and len(response.json()["items"]) == LIMIT, response.content[:300]
        return fetch

    def offset_page(offset):
        def fetch():
            rows = list(transfers_for_agency(agency=agency)[offset:offset + LIMIT])
            assert len(rows) == LIMIT
        return fetch

    depths = [0, len(ids) // 2, len(ids) - LIMIT - 1]
    print(f"{'page':>28} {'cursor (API) ms':>16} {'OFFSET (query only) ms':>24}")
    results = []
    for depth in depths:
        cursor = str(ids[depth - 1]) if depth else None
        api_ms = median_ms(page(cursor), args.repeat)
        offset_ms = median_ms(offset_page(depth), args.repeat)
        results.append((depth, api_ms, offset_ms))
        print(f"{f'after {depth:,} transfers':>28} {api_ms:>16.2f} {offset_ms:>24.2f}")
    first, last = results[0], results[-1]
    print(f"deepest / first page: cursor {last[1] / first[1]:.2f}x, OFFSET {last[2] / first[2]:.2f}x")


if __name__ == "__main__":
    main()
