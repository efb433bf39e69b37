"""Search results kept in the shared cache (infra.cache).

A page of results is kept as the rows it shows (their HTML split around the elapsed time, as
questions.rendering makes them), each with its question's cluster, and whether a next page exists,
under a key made of the search (words, cluster, page, language), of who may read what (superuser;
or the person's active clusters, so joining or leaving a cluster changes the key) and of two version
numbers: the search version, which every write that can change a search's matches, their order or
what their rows show moves forward after its commit (a question asked, promoted, edited, closed or
deleted; an answer posted, edited or deleted; a vote cast or withdrawn; any question, answer or
cluster saved or deleted), and the names version of questions.page_cache (a row shows its author's
name). A new answer or vote is therefore in the very next search.

Rows taken from the cache still pass a visibility check of their own before they are shown: each
row's cluster must be one the reader may read now (an open active cluster, or one of their active
clusters: clusters.access, forgotten on every membership or cluster write). So even an entry found
under a wrong key can never show a question to someone who may not read it.
"""

import hashlib

from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from clusters import access
from clusters.models import Cluster
from infra.cache import Kept, Version, read_many
from questions import page_cache, selectors
from questions.models import Answer, Question
from questions.rendering import join_rows, row_pieces

VERSION = Version("qa-search")
RESULTS = Kept("qa-search", timeout=300)


def version_entry() -> tuple:
    """The search version as an entry for infra.cache.read_many."""
    return VERSION.entry()


def version() -> int:
    return VERSION.read()


def changed() -> None:
    """Call on any write that can change which questions a search finds or their order."""
    VERSION.changed()


def scope(*, user, member_cluster_ids) -> str:
    """Who may read what, as far as search results go (readable_questions_q): everyone's open clusters,
    plus the person's active clusters; superusers every active cluster."""
    if user.is_authenticated and user.is_superuser:
        return "all"
    if not member_cluster_ids:
        return "open"
    return "open+" + hashlib.sha256(",".join(map(str, sorted(member_cluster_ids))).encode()).hexdigest()[:24]


def key(*, scope: str, text: str, cluster_id, offset: int, limit: int, versions: tuple[int, int]) -> str:
    """The key of a page of results, under the search and names `versions` (read before the results)."""
    words = hashlib.sha256(text.encode()).hexdigest()[:32]
    return RESULTS.key(*versions, get_language(), scope, cluster_id or 0, offset, limit, words)


def search_rows(*, user, text: str, cluster, offset: int, limit: int, also=()) -> tuple:
    """One page of search results as questions.search_questions ranks them: the rows' HTML, whether a
    next page exists, the questions themselves when they were read now (None when kept), and the values
    of the `also` entries (infra.cache.read_many), read in the same round trip to the cache."""
    text = " ".join((text or "").split())[:200]
    if not text:
        return join_rows([]), False, [], read_many(list(also))
    # Who may read what and the versions (and what the caller wants), in one round trip to the cache.
    member_cluster_ids, open_cluster_ids, *versions = read_many([
        access.member_ids_entry(user=user), access.open_ids_entry(), version_entry(), page_cache.NAMES.entry(),
        *also,
    ])
    versions, also_values = versions[:2], versions[2:]
    cache_key = key(scope=scope(user=user, member_cluster_ids=member_cluster_ids), text=text,
                    cluster_id=cluster.pk if cluster else None, offset=offset, limit=limit, versions=tuple(versions))
    kept = RESULTS.get(cache_key)
    if kept is None:
        questions = list(selectors.search_questions(user=user, text=text, cluster=cluster)[offset:offset + limit + 1])
        shown = questions[:limit]
        pieces = row_pieces(shown, show_cluster=True)
        kept = {"rows": [(q.cluster_id, piece) for q, piece in zip(shown, pieces, strict=True)],
                "has_next": len(questions) > limit}
        RESULTS.set(cache_key, kept)
        return join_rows(pieces), kept["has_next"], shown, also_values
    if user.is_authenticated and user.is_superuser:  # every active cluster: one closing down moves the version
        return join_rows([piece for _cluster_id, piece in kept["rows"]]), kept["has_next"], None, also_values
    readable = open_cluster_ids | member_cluster_ids
    pieces = [piece for cluster_id, piece in kept["rows"] if cluster_id in readable]
    return join_rows(pieces), kept["has_next"], None, also_values


def _changed_signal(sender, **kwargs):
    changed()


def connect() -> None:
    for model in (Question, Answer, Cluster):
        post_save.connect(_changed_signal, sender=model, dispatch_uid=f"qa_search_saved_{model.__name__}")
        post_delete.connect(_changed_signal, sender=model, dispatch_uid=f"qa_search_deleted_{model.__name__}")
