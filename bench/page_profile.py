"""Where a page's time goes: renders each page of the load bench in this process (Django's test
client, the load bench's data) and prints the median time per page, then a cProfile of all of them.

    .venv/bin/python bench/page_profile.py [--database-url ...] [--people 1000] [--repeat 20] [--pages home room]
"""

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from load_bench import seed

PAGES = ["room", "messages", "cluster", "questions", "question", "home", "console", "impact"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--callees", help="also print what this function (a pstats pattern) calls")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=PAGES, help="only these pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = seed(args.database_url or f"sqlite:///{Path(tmp) / 'profile.sqlite3'}", args.people, 1)
        from django.test import Client

        from clusters.models import User

        client, staff = Client(), Client()
        client.force_login(User.objects.get(email="p2@bench.example"))
        staff.force_login(User.objects.get(email=f"p{args.people}@bench.example"))
        room, slug, question = db["rooms"][2], db["slugs"][2], db["questions"][2][0]
        pages = [(client, f"/messages/{room}/"), (client, "/messages/"), (client, f"/clusters/{slug}/"),
                 (client, f"/clusters/{slug}/questions/"), (client, f"/questions/{question}/"), (client, "/"),
                 (staff, f"/agency/{db['agency']}/"), (staff, f"/agency/{db['agency']}/impact/")]
        pages = [page for name, page in zip(PAGES, pages, strict=True) if name in args.pages]
        for who, path in pages:
            assert who.get(path, HTTP_HOST="127.0.0.1").status_code == 200, path
        profiler = cProfile.Profile()
        for who, path in pages:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                profiler.enable()
                who.get(path, HTTP_HOST="127.0.0.1")
                profiler.disable()
                times.append(time.perf_counter() - started)
            print(f"{path:40} median {1000 * statistics.median(times):6.1f} ms")
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)


if __name__ == "__main__":
    main()
