"""What each kind of kept value (infra.cache.KINDS) buys: the median time of the pages that use it,
rendered in this process (Django's test client, the load bench's data), with every kind on and with
that one kind switched off (PUENTE_CACHE_OFF), alternating for several rounds.

    .venv/bin/python bench/cache_bench.py --database-url postgres://postgres@127.0.0.1:5432/puente_cache_bench \
        --redis-url redis://127.0.0.1:6379/7 [--people 1000] [--repeat 15] [--rounds 3]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from load_bench import seed

# The pages each kind is read on (paths filled in from the seeded data).
PAGES = {
    "header": ["qa-list", "room"], "nav-counts": ["qa-list", "room"], "nav-person": ["qa-list", "room"],
    "cluster-role": ["qa-list", "question"], "cluster-ids": ["search"], "open-cluster-ids": ["search"],
    "room-row": ["room"], "room-person": ["room"],
    "qa-list": ["qa-list"], "qa-cluster-slug": ["qa-list"], "qa-content": ["qa-list", "question"],
    "qa-question-page": ["question"], "qa-question-cluster": ["question"], "qa-answer": ["question"], "qa-search": ["search"],
    "library-page": ["library"], "library-curator": ["library"],
}


def median_ms(client, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, HTTP_HOST="127.0.0.1")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return 1000 * statistics.median(times)


def answer_twenty(question_id: int) -> None:
    """Twenty answers by the question's cluster's members (the seed asks questions only)."""
    from clusters.models import ClusterMembership
    from questions.models import Question
    from questions.services import answer_post

    question = Question.objects.select_related("cluster").get(pk=question_id)
    members = ClusterMembership.objects.filter(cluster=question.cluster).select_related("user")[:20]
    for k, membership in enumerate(members):
        answer_post(question=question, author=membership.user,
                    body=f"Respuesta {k}: **certificado de origen**, factura comercial y lista de empaque.")


def ask_twenty(slug: str) -> None:
    """Twenty more questions in the cluster, so that its list shows a full page (the seed asks two)."""
    from clusters.models import ClusterMembership
    from questions.services import question_ask

    members = ClusterMembership.objects.filter(cluster__slug=slug).select_related("user", "cluster")[:20]
    for k, membership in enumerate(members):
        question_ask(cluster=membership.cluster, author=membership.user, title=f"¿Qué incoterm conviene para Rotterdam? {k}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", nargs="*", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = seed(args.database_url or f"sqlite:///{Path(tmp) / 'cache.sqlite3'}", args.people, 1,
                  redis_url=args.redis_url)
        from django.conf import settings
        from django.core.cache import caches
        from django.test import Client

        from clusters.models import User
        from infra.cache import KINDS

        client = Client()
        client.force_login(User.objects.get(email="p2@bench.example"))
        room, slug, question = db["rooms"][2], db["slugs"][2], db["questions"][2][0]
        answer_twenty(question)
        ask_twenty(slug)
        paths = {"home": "/", "room": f"/messages/{room}/", "qa-list": f"/clusters/{slug}/questions/",
                 "question": f"/questions/{question}/", "search": "/questions/search/?q=exporto+caf%C3%A9",
                 "library": "/library/"}
        for path in paths.values():
            client.get(path, HTTP_HOST="127.0.0.1")
        assert set(PAGES) == set(KINDS), set(KINDS) ^ set(PAGES)
        print(f"{'kind':18} {'page':10} {'on ms':>7} {'off ms':>7} {'off/on':>7}")
        for kind in args.kinds or sorted(PAGES):
            for page in PAGES[kind]:
                on, off = [], []
                for _ in range(args.rounds):
                    settings.PUENTE_CACHE_OFF = frozenset()
                    client.get(paths[page], HTTP_HOST="127.0.0.1")  # kept again
                    on.append(median_ms(client, paths[page], args.repeat))
                    settings.PUENTE_CACHE_OFF = frozenset({kind})
                    off.append(median_ms(client, paths[page], args.repeat))
                settings.PUENTE_CACHE_OFF = frozenset()
                on_ms, off_ms = statistics.median(on), statistics.median(off)
                print(f"{kind:18} {page:10} {on_ms:7.2f} {off_ms:7.2f} {off_ms / on_ms:7.2f}", flush=True)
        if args.redis_url:
            caches["default"].clear()


if __name__ == "__main__":
    main()
