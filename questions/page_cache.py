"""Question lists kept in the cache (Redis in production, shared by every process).

A cluster's question list is the same for every reader of a language, except for "Mine and followed"
(the person's own) and each row's "asked … ago". So a page of a list (its rows' HTML, split around
the elapsed time, and whether a next page exists) is kept under a key made of the cluster, the
filters, the page, the language, the person for "mine", and two version numbers:

- the cluster's, moved forward after the commit of every write that can change what a list of that
  cluster shows or its order: a question asked, edited, closed, reopened, marked as a duplicate or
  deleted; an answer posted, edited or deleted (the answer count, the activity order); a vote cast,
  changed or withdrawn (the score); a follow made or removed ("Mine and followed"); the cluster
  itself saved or deleted. All of them save or delete a Question, Answer, Vote, Follow or Cluster,
  so model signals catch them; the services' own `update()`s (counts, scores, activity times) run in
  the same transaction as one of those saves.
- the names', moved forward when anybody's name or email changes (a row shows its author's name).

So the next page after any such write is built afresh: nothing is ever shown stale, and there is
nothing to delete, since old entries are just no longer asked for (LIST_TTL bounds how long an unused
entry stays in memory). Who may read the cluster is decided on every request before the list is read.
The versions live in the cache, so every process sees them move only with a shared cache (Redis, as
in production); the in-memory cache of a one-process development server is its own.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import Http404
from django.urls import reverse

from clusters.models import Cluster, User
from infra.cache import KEPT_BY_READ, read_many
from questions.models import Answer, Follow, Question, Vote

LIST_TTL = 300
NAMES_KEY = "qa-names:version"


def _cluster_key(cluster_id: int) -> str:
    return f"qa-cluster:{cluster_id}:version"


def _start(key: str) -> int:
    # A fresh start (or an evicted key) begins at the current time, never at a number used before.
    cache.add(key, time.time_ns(), timeout=None)
    return cache.get(key)


def cluster_version_entry(cluster_id: int) -> tuple:
    """The cluster's version as an entry for infra.cache.read_many."""
    key = _cluster_key(cluster_id)
    return key, lambda: _start(key), KEPT_BY_READ


def names_version_entry() -> tuple:
    return NAMES_KEY, lambda: _start(NAMES_KEY), KEPT_BY_READ


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # gone from the cache: the next read starts a new, larger number
        cache.delete(key)


def cluster_changed(cluster_id: int | None) -> None:
    if cluster_id is not None:
        transaction.on_commit(lambda: _bump(_cluster_key(cluster_id)))


def names_changed() -> None:
    transaction.on_commit(lambda: _bump(NAMES_KEY))


def list_key(*, cluster_id: int, versions: tuple[int, int], filters: dict, page: int, language: str,
             user_id: int | None) -> str:
    """The key of one page of a cluster's list, under the cluster's and the names' `versions` (read
    before the list); `user_id` only matters for "mine"."""
    mine = user_id if filters.get("mine") else None
    described = repr(sorted(filters.items())).encode()
    digest = hashlib.blake2b(described, digest_size=12).hexdigest()
    return f"qa-list:{cluster_id}:{versions[0]}:{versions[1]}:{language}:{page}:{mine}:{digest}"


def question_key(*, question_id: int, versions: tuple[int, int], page: int) -> str:
    """The key of a question page's shared part (the question and one page of its answers), under its
    cluster's and the names' `versions` (read before the data)."""
    return f"qa-question:{question_id}:{versions[0]}:{versions[1]}:{page}"


_question_clusters: dict[int, int] = {}  # a question never moves to another cluster


def cluster_of_question(question_id: int) -> int | None:
    """The cluster of a question this process has read before (so its page's key can be made before
    reading it), else None. The page checks the question it gets against it (a restored database
    could give an id to another question)."""
    return _question_clusters.get(question_id) if enabled() else None


def remember_cluster_of_question(question_id: int, cluster_id: int) -> None:
    if not enabled():
        return
    if len(_question_clusters) >= 100_000:
        _question_clusters.clear()
    _question_clusters[question_id] = cluster_id


def forget_process_memory() -> None:
    """Forget what this process keeps of questions and clusters (for tests: ids start again)."""
    _question_clusters.clear()
    _clusters.clear()


def enabled() -> bool:
    return bool(LIST_TTL)


def get(key: str):
    return cache.get(key) if LIST_TTL else None


def put(key: str, value) -> None:
    if LIST_TTL:
        cache.set(key, value, LIST_TTL)


# In the model's own field order, as Model.from_db wants them.
_CLUSTER_FIELDS = tuple(
    field.attname for field in Cluster._meta.concrete_fields if field.attname in {"id", "slug", "name", "access", "is_active"}
)
_clusters: dict[str, tuple] = {}  # slug -> (cluster id, its version when read, what a list shows of it)


def _read_cluster(slug: str) -> Cluster | None:
    row = Cluster.objects.filter(slug=slug, is_active=True).values_list(*_CLUSTER_FIELDS).first()
    return Cluster.from_db("default", _CLUSTER_FIELDS, row) if row else None


def list_cluster_and_values(slug: str, entries) -> tuple[Cluster, list]:
    """The active cluster with this slug (only what a list page shows of it: its other fields load on
    first use) and, in the same round trip to the cache, the values of entries(cluster_id) for
    infra.cache.read_many, whose second must be the cluster's version; Http404 if there is none.

    The cluster is kept in this process under its version, which every save of it moves: it is read
    from the database (after the version, so never older than it) once per version. A slug that now
    names another cluster, or none, is found out by the same check."""
    known = _clusters.get(slug) if enabled() else None
    if known is not None:
        cluster_id, version, cluster = known
        values = read_many(entries(cluster_id))
        if cluster is not None and values[1] == version:
            return cluster, values
        cluster = _read_cluster(slug)
        if cluster is not None and cluster.pk == cluster_id:
            _remember(slug, (cluster_id, values[1], cluster))
            return cluster, values
    cluster = _read_cluster(slug)
    if cluster is None:
        raise Http404
    values = read_many(entries(cluster.pk))
    _remember(slug, (cluster.pk, None, None))  # its version was read after it: keep only its id for now
    return cluster, values


def _remember(slug: str, known: tuple) -> None:
    if enabled():
        if len(_clusters) >= 10_000:
            _clusters.clear()
        _clusters[slug] = known


# --- What moves the versions --------------------------------------------------------------------


def _question_saved(sender, instance, **kwargs):
    cluster_changed(instance.cluster_id)


def _cluster_of_question(question_id) -> int | None:
    return Question.objects.filter(pk=question_id).values_list("cluster_id", flat=True).first()


def _answer_saved(sender, instance, **kwargs):
    if Answer.question.is_cached(instance):
        cluster_changed(instance.question.cluster_id)
    else:  # a cascade from the question's deletion finds none: the question's own signal counts
        cluster_changed(_cluster_of_question(instance.question_id))


def _vote_or_follow_saved(sender, instance, **kwargs):
    question_id = instance.question_id
    if question_id is None:  # a vote on an answer
        question_id = Answer.objects.filter(pk=instance.answer_id).values_list("question_id", flat=True).first()
    cluster_changed(_cluster_of_question(question_id))


def _cluster_saved(sender, instance, **kwargs):
    cluster_changed(instance.pk)


def _person_saving(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"name", "email"} & set(update_fields)):
        return  # a new person has no rows yet; a login (last_login only) changes no name
    before = User.objects.filter(pk=instance.pk).values_list("name", "email").first()
    if before is not None and before != (instance.name, instance.email):
        names_changed()


def connect() -> None:
    for model, receiver in ((Question, _question_saved), (Answer, _answer_saved), (Vote, _vote_or_follow_saved),
                            (Follow, _vote_or_follow_saved), (Cluster, _cluster_saved)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"qa_list_saved_{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"qa_list_deleted_{model.__name__}")
    pre_save.connect(_person_saving, sender=User, dispatch_uid="qa_list_person_saving")


def attachment_removed(sender, attachment, **kwargs):
    """A file of a question or an answer was taken down: its page is built afresh. (A file shared from
    a room message, attachments_share, names no cluster: the question's is used.)"""
    if not attachment.owner_type.startswith("questions."):
        return
    cluster_id = attachment.cluster_id
    if cluster_id is None and attachment.owner_type == "questions.question":
        cluster_id = Question.objects.filter(pk=attachment.owner_id).values_list("cluster_id", flat=True).first()
    if cluster_id:
        cluster_changed(cluster_id)


def question_url(question_id: int) -> str:
    return reverse("questions:detail", args=[question_id])


def answer_url(answer_id: int) -> str:
    question_id = Answer.objects.filter(pk=answer_id).values_list("question_id", flat=True).first()
    return f"{reverse('questions:detail', args=[question_id])}#a{answer_id}" if question_id else "/"
