"""Library bench: the library list, a market page, an entry page and search (entries and threads),
with 5,000 published entries (es, most also pt, some en) and the Q&A bench's 10,000 questions and
50,000 answers, against the trivial view served by the same Daphne process in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_library_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/library_bench.py --seconds 10 --concurrency 4 --rounds 2

Same options, client and server as bench/qa_bench.py, whose machinery it uses; data is made once per
database (reused on later runs unless --fresh).
"""

import random
import sys
import time
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
                    cursor.execute("ANALYZE library_entry; ANALYZE library_entrytext;")
        print(f"data: {ENTRIES:,} entries and {len(texts):,} texts in {time.monotonic() - started:.1f} s", flush=True)
    ids = Entry.objects.filter(created_by=author).order_by("pk").values_list("pk", flat=True)
    return ids[ENTRIES // 2]


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


if __name__ == "__main__":
    main()
