"""Search results kept in the cache (Redis in production, shared by every process).

What is kept is only which questions a search matched, in rank order, one page at a time: the rows a
page shows (titles, scores, answer counts, authors) are always read fresh, through the same
visibility filter as an uncached search, so a cached entry can never show a question to someone who
may not read it, nor show an old title or score.

An entry is keyed by the search (words, cluster, page), by who may read what (superuser; or the
person's active clusters, so joining or leaving a cluster changes the key) and by a version number
that every write which can change a search's matches or their order moves forward, after its commit:
a question asked, promoted or edited, an answer posted or edited, a vote cast or withdrawn (the score
orders ties), any question, answer or cluster saved or deleted. A new answer or vote is therefore in
the very next search. SEARCH_TTL only bounds how long an unused entry stays in memory. The version
lives in the cache, so every process sees it move only with a shared cache (Redis, as in production
and as several processes need anyway for Channels); with the in-memory cache of a one-process
development server it is that process's own.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from clusters.models import Cluster
from questions.models import Answer, Question

SEARCH_TTL = 300
VERSION_KEY = "qa-search:version"


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        # A fresh start (or an evicted key) begins at the current time, never at a number used before.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # gone from the cache: the next read starts a new, larger number
        cache.delete(VERSION_KEY)


def changed() -> None:
    """Call on any write that can change which questions a search finds or their order."""
    transaction.on_commit(_bump)


def key(*, scope: str, text: str, cluster_id, offset: int, limit: int) -> str:
    words = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"qa-search:{version()}:{scope}:{cluster_id or 0}:{offset}:{limit}:{words}"


def get_ids(cache_key: str):
    return cache.get(cache_key) if SEARCH_TTL else None


def set_ids(cache_key: str, ids: list[int]) -> None:
    if SEARCH_TTL:
        cache.set(cache_key, ids, SEARCH_TTL)


def _changed_signal(sender, **kwargs):
    changed()


def connect() -> None:
    for model in (Question, Answer, Cluster):
        post_save.connect(_changed_signal, sender=model, dispatch_uid=f"qa_search_saved_{model.__name__}")
        post_delete.connect(_changed_signal, sender=model, dispatch_uid=f"qa_search_deleted_{model.__name__}")
