"""Question lists and question pages kept in the shared cache (infra.cache).

A cluster's question list is the same for every reader of a language, except for "Mine and followed"
(the person's own) and each row's "asked … ago". So a page of a list (its rows' HTML, split around the
elapsed time, and whether a next page exists) is kept under a key made of the cluster, the filters,
the page, the language, the person for "mine", and two versions: the cluster's (CLUSTER), moved by
every write that can change what a list of it shows or its order (a question asked, edited, closed,
reopened, marked as a duplicate or deleted; an answer posted, edited or deleted; a vote; a follow; the
cluster saved or deleted), and the names' (NAMES), moved when anybody's name or email changes.

A question page's shared part (the question and a page of its answers) is kept under the question's
own version (QUESTION, moved by the same writes to it, its answers, votes, follows and files), the
names' and the clusters' (CLUSTERS, moved by any cluster's save: the page shows its cluster), all
read knowing only the question's id. All those writes save or delete a Question, Answer, Vote,
Follow or Cluster, so model signals catch them. Who may read is decided on every request.
"""

import hashlib

from django.db.models.signals import post_delete, post_save, pre_save
from django.http import Http404
from django.urls import reverse

from clusters.models import Cluster, User
from infra.cache import Kept, Version, read_many
from questions.models import Answer, Follow, Question, Vote

CLUSTER = Version("qa-cluster")  # per cluster
QUESTION = Version("qa-question")  # per question
CLUSTERS = Version("qa-clusters")  # any cluster
NAMES = Version("qa-names")  # anybody's name
LISTS = Kept("qa-list", timeout=300)
QUESTION_PAGES = Kept("qa-question-page", timeout=300)
QUESTION_CLUSTERS = Kept("qa-question-cluster", timeout=None)  # a question never moves
CLUSTERS_BY_SLUG = Kept("qa-cluster-slug", timeout=300)  # what a list page shows of its cluster


def cluster_changed(cluster_id: int | None) -> None:
    if cluster_id is not None:
        CLUSTER.changed(cluster_id)


def question_changed(question_id: int | None) -> None:
    if question_id is not None:
        QUESTION.changed(question_id)


def cluster_of_question(question_id: int) -> int | None:
    """The question's cluster (1 query), kept for good once found: a question never moves."""
    cluster_id = Question.objects.filter(pk=question_id).values_list("cluster_id", flat=True).first()
    if cluster_id:
        QUESTION_CLUSTERS.set(QUESTION_CLUSTERS.key(question_id), cluster_id)
    return cluster_id


def list_key(*, cluster_id: int, versions: tuple[int, int], filters: dict, page: int, language: str,
             user_id: int | None) -> str:
    """The key of one page of a cluster's list, under the cluster's and the names' `versions` (read
    before the list); `user_id` only matters for "mine"."""
    mine = user_id if filters.get("mine") else None
    described = hashlib.blake2b(repr(sorted(filters.items())).encode(), digest_size=12).hexdigest()
    return LISTS.key(cluster_id, *versions, language, page, mine, described)


def question_entries(question_id: int) -> list:
    """The versions a question page's key is made of, as read_many entries."""
    return [QUESTION.entry(question_id), NAMES.entry(), CLUSTERS.entry()]


def question_key(*, question_id: int, versions: tuple, page: int) -> str:
    """The key of a question page's shared part, under the `versions` of question_entries (read
    before the data)."""
    return QUESTION_PAGES.key(question_id, *versions, page)


def list_cluster_and_values(slug: str, entries) -> tuple[Cluster, list]:
    """The active cluster with this slug (only what a list page shows of it: its other fields load on
    first use; kept, forgotten on every save of it) and the values of entries(cluster_id) for
    read_many; Http404 if there is none."""
    cluster = CLUSTERS_BY_SLUG.read(slug, read=lambda: Cluster.objects.filter(slug=slug, is_active=True).only(
        "slug", "name", "access", "is_active").first() or 0)
    if not cluster:
        raise Http404
    return cluster, read_many(entries(cluster.pk))


# --- What moves the versions --------------------------------------------------------------------


def _question_saved(sender, instance, **kwargs):
    cluster_changed(instance.cluster_id)
    question_changed(instance.pk)


def _answer_saved(sender, instance, **kwargs):
    question_changed(instance.question_id)
    if Answer.question.is_cached(instance):
        cluster_changed(instance.question.cluster_id)
    else:  # a cascade from the question's deletion finds none: the question's own signal counts
        cluster_changed(cluster_of_question(instance.question_id))


def _vote_or_follow_saved(sender, instance, **kwargs):
    question_id = instance.question_id
    if question_id is None:  # a vote on an answer
        question_id = Answer.objects.filter(pk=instance.answer_id).values_list("question_id", flat=True).first()
    question_changed(question_id)
    cluster_changed(cluster_of_question(question_id))


def _cluster_saved(sender, instance, **kwargs):
    cluster_changed(instance.pk)
    CLUSTERS.changed()
    CLUSTERS_BY_SLUG.forget((instance.slug,))


def _cluster_saving(sender, instance, **kwargs):
    if instance.pk is not None:  # a slug given up: its kept cluster goes too
        old = Cluster.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        if old and old != instance.slug:
            CLUSTERS_BY_SLUG.forget((old,))


def _person_saving(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"name", "email"} & set(update_fields)):
        return  # a new person has no rows yet; a login (last_login only) changes no name
    before = User.objects.filter(pk=instance.pk).values_list("name", "email").first()
    if before is not None and before != (instance.name, instance.email):
        NAMES.changed()


def connect() -> None:
    for model, receiver in ((Question, _question_saved), (Answer, _answer_saved), (Vote, _vote_or_follow_saved),
                            (Follow, _vote_or_follow_saved), (Cluster, _cluster_saved)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"qa_list_saved_{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"qa_list_deleted_{model.__name__}")
    pre_save.connect(_person_saving, sender=User, dispatch_uid="qa_list_person_saving")
    pre_save.connect(_cluster_saving, sender=Cluster, dispatch_uid="qa_list_cluster_saving")


def attachment_removed(sender, attachment, **kwargs):
    """A file of a question or an answer was taken down: its page is built afresh. (A file shared from
    a room message, attachments_share, names no cluster: the question's is used.)"""
    if not attachment.owner_type.startswith("questions."):
        return
    if attachment.owner_type == "questions.question":
        question_id = attachment.owner_id
    else:
        question_id = Answer.objects.filter(pk=attachment.owner_id).values_list("question_id", flat=True).first()
    question_changed(question_id)
    cluster_changed(attachment.cluster_id or cluster_of_question(question_id))


def question_url(question_id: int) -> str:
    return reverse("questions:detail", args=[question_id])


def answer_url(answer_id: int) -> str:
    question_id = Answer.objects.filter(pk=answer_id).values_list("question_id", flat=True).first()
    return f"{reverse('questions:detail', args=[question_id])}#a{answer_id}" if question_id else "/"
