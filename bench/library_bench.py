"""Library bench: the library list, a market page, an entry page and search (entries and threads),
with 5,000 published entries (es, most also pt, some en) and the Q&A bench's 10,000 questions and
50,000 answers, against the trivial view served by the same Daphne process in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_library_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/library_bench.py --seconds 10 --concurrency 4 --rounds 2

Same options, client and server as bench/qa_bench.py, whose machinery it uses; data is made once per
database (reused on later runs unless --fresh). The served pages are mostly kept ones (library.page_cache);
a second table gives each page's time when it is not kept (rendered in this process, kept pages invalidated
before every request).
"""

import random
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.qa_bench import WORDS_EN, WORDS_ES, WORDS_PT, arguments, make_data, prepare, serve_and_measure, text

ENTRIES = 5_000
BENCH_EMAIL = "library-bench@example.org"
MARKETS = ["US", "DE", "JP", "CN", "CA", "FR", "NL", "ES"]
TOPICS = ["logistics", "customs", "certifications", "pricing", "payments", "market-entry"]


def make_entries(fresh: bool) -> int:
    """5,000 published entries with their texts, made with bulk inserts; the id of one in the middle."""
    from django.db import connection, transaction
    from django.utils import timezone

    from clusters.models import User
    from library.models import Entry, EntryText
    from library.search import normalise

    author, _ = User.objects.get_or_create(email=BENCH_EMAIL, defaults={"name": "Library bench",
                                                                        "onboarded_at": timezone.now()})
    if fresh:
        Entry.objects.filter(created_by=author).delete()
    if not Entry.objects.filter(created_by=author).exists():
        started = time.monotonic()
        rng = random.Random(11)
        now = timezone.now()
        with transaction.atomic():
            entries = Entry.objects.bulk_create([
                Entry(original_language="es", markets=rng.sample(MARKETS, 2), topics=rng.sample(TOPICS, 2),
                      sources=[{"label": "Official", "url": "https://www.fda.gov/"}], status="published",
                      published_at=now - timezone.timedelta(minutes=ENTRIES - i), created_by=author,
                      last_checked_on=timezone.localdate())
                for i in range(ENTRIES)
            ], batch_size=2000)
            texts = []
            for i, entry in enumerate(entries):
                for language, words, wanted in (("es", WORDS_ES, True), ("pt", WORDS_PT, i % 3 != 0),
                                                ("en", WORDS_EN, i % 5 == 0)):
                    if not wanted:
                        continue
                    title = text(rng, words, 8).capitalize()
                    summary = text(rng, words, 40)
                    steps = "\n".join(text(rng, words, 8) for _ in range(4))
                    texts.append(EntryText(entry=entry, language=language, title=title[:200], summary=summary,
                                           steps=steps, search_text=normalise(" ".join([title, summary, steps]))))
            EntryText.objects.bulk_create(texts, batch_size=5000)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for language in ("es", "pt", "en"):
                        config = f"puente_{language}"
                        cursor.execute(
                            "UPDATE library_entrytext SET search_vector = "
                            "setweight(to_tsvector(%s::regconfig, title), 'A') || "
                            "setweight(to_tsvector(%s::regconfig, summary), 'B') || "
                            "setweight(to_tsvector(%s::regconfig, steps), 'C') WHERE language = %s",
                            [config, config, config, language],
                        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The UPDATE above left a dead copy of every text: compact as a table written over time is.
                cursor.execute("VACUUM (FULL, ANALYZE) library_entrytext")
                cursor.execute("ANALYZE library_entry")
        print(f"data: {ENTRIES:,} entries and {len(texts):,} texts in {time.monotonic() - started:.1f} s", flush=True)
    ids = Entry.objects.filter(created_by=author).order_by("pk").values_list("pk", flat=True)
    return ids[ENTRIES // 2]


def missed_pages(pages: dict, runs: int) -> None:
    """Each page rendered in this process with the library's kept pages invalidated before every request
    (what the first reader after a change, or a search nobody made before, waits for): median ms and
    queries, against the trivial view."""
    import statistics

    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from clusters.models import User
    from library import page_cache

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected for a bench
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ROOT_URLCONF="bench.qa_urls", ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        client = Client()
        client.force_login(User.objects.get(email="qa-bench0@example.org"))
        connection.force_debug_cursor = True  # count queries with DEBUG off
        print(f"\nkept pages invalidated before each request, in-process, median of {runs}:\n")
        print("| page | median ms | queries | × trivial |")
        print("| --- | ---: | ---: | ---: |")
        trivial = None
        for name, path in pages.items():
            client.get(path, secure=True)
            times = []
            for _ in range(runs):
                page_cache.changed()
                reset_queries()
                started = time.perf_counter()
                response = client.get(path, secure=True)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            median = statistics.median(times)
            trivial = trivial or median
            print(f"| {name} | {median:.1f} | {len(connection.queries)} | {median / trivial:.1f} |")
        connection.force_debug_cursor = False


def main() -> None:
    args = arguments(__doc__)
    prepare()
    data = make_data(args.fresh)
    middle = make_entries(args.fresh)
    data["pages"] = {
        "trivial view": "/bench/trivial/",
        "library list": "/library/",
        "library list, topic, page 5": "/library/?topic=customs&page=5",
        "market page": "/library/markets/US/",
        "entry page": f"/library/{middle}/",
        "search": "/library/search/?q=" + quote("catacion"),
        "search, glossary": "/library/search/?q=" + quote("carta de credito"),
        "for reference: Q&A question page": data["pages"]["question page"],
    }
    serve_and_measure(data, args)
    missed_pages(data["pages"], runs=10)


if __name__ == "__main__":
    main()
