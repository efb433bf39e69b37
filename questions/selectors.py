"""Read queries that Q&A pages, consumers and commands share, scoped to the person reading.

Visibility (docs/QA.md): questions of an active open cluster are readable by anyone, signed in or not;
questions of a by-approval cluster only by its active members (and superusers). Outsiders get the same
Http404 as for a missing question.
"""

import math
import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from attachments.selectors import attachments_for_owners
from clusters import access
from clusters.models import Cluster, ClusterMembership, User
from clusters.topics import Topic
from questions.models import SEARCH_CONFIGS, Answer, Follow, Question, Revision, Vote

Status = ClusterMembership.Status
Role = ClusterMembership.Role

SORTS = {
    "newest": ["-created_at", "-id"],
    "votes": ["-score", "-created_at", "-id"],
    "activity": ["-last_activity_at", "-id"],
}


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def readable_questions_q(user: User) -> Q:
    """Questions of the clusters the person may read (clusters.access.may_read)."""
    return access.readable_q(user, "cluster__")


def questions_readable_by(*, user: User) -> QuerySet[Question]:
    return Question.objects.filter(readable_questions_q(user))


def active_cluster_get(*, slug: str) -> Cluster:
    try:
        return Cluster.objects.select_related("sector").get(slug=slug, is_active=True)
    except Cluster.DoesNotExist:
        raise Http404 from None


def cluster_for_questions(*, user: User, slug: str) -> Cluster:
    """The cluster if this person may read its questions; Http404 otherwise (as for a missing one)."""
    cluster = active_cluster_get(slug=slug)
    if not access.may_read(user=user, cluster=cluster):
        raise Http404
    return cluster


def question_get_for_user(*, user: User, question_id: int, with_last_answer_id: bool = False) -> Question:
    """The question with its cluster, author and links; Http404 for outsiders and missing ones: 1 query.

    `with_last_answer_id` adds `last_answer_id`, the id of its newest answer (0 when none), read in the
    same query: the question page's live-update marker (docs/PROTOCOL.md, "Question pages")."""
    # Nothing reading a question by id uses its cluster's sector or its stored search vector.
    questions = questions_readable_by(user=user).select_related(
        "cluster", "author", "duplicate_of", "source_message"
    ).defer("search_vector", "duplicate_of__body", "duplicate_of__body_html", "duplicate_of__search_vector")
    if with_last_answer_id:
        newest = Answer.objects.filter(question=OuterRef("pk")).order_by("-pk").values("pk")[:1]
        questions = questions.annotate(last_answer_id=Subquery(newest))
    try:
        question = questions.get(pk=question_id)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if with_last_answer_id:
        question.last_answer_id = question.last_answer_id or 0
    return question


def question_for_page(*, user: User, question_id: int) -> tuple[Question, str | None]:
    """The question page's question (as question_get_for_user with `with_last_answer_id`) and the
    person's active role in its cluster: 2 queries (or 1, the role kept), Http404 exactly when
    question_get_for_user gives it.

    The question is read by id alone and who may read it decided here from its cluster and the role
    (which the page needs anyway), the same rule as readable_questions_q: an active cluster, and then a
    superuser, an open cluster or an active member. PostgreSQL plans the plain query in a third of the
    time of the one with the visibility condition."""
    newest = Answer.objects.filter(question=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    try:
        question = (
            Question.objects.select_related("cluster", "author", "duplicate_of", "source_message")
            .defer("search_vector", "duplicate_of__body", "duplicate_of__body_html", "duplicate_of__search_vector")
            .annotate(last_answer_id=Subquery(newest))
            .get(pk=question_id)
        )
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    question.last_answer_id = question.last_answer_id or 0
    return question, question_page_role(user=user, question=question)


def question_page_role(*, user: User, question: Question, role=access.ASK) -> str | None:
    """The person's active role in the question's cluster; Http404 if they may not read the question
    (the rule of readable_questions_q: an active cluster, then a superuser, an open cluster or an active
    member). The role is given, or comes from the cache or 1 query (clusters.access)."""
    cluster = question.cluster
    if not cluster.is_active:
        raise Http404
    if role is access.ASK:
        role = access.role_in(user=user, cluster_id=cluster.pk)
    if not access.may_read(user=user, cluster=cluster, role=role):
        raise Http404
    return role


def answer_get_for_user(*, user: User, answer_id: int) -> Answer:
    try:
        return (
            Answer.objects.filter(question__in=questions_readable_by(user=user))
            .select_related("question", "question__cluster", "author")
            .get(pk=answer_id)
        )
    except (Answer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _country_q(field: str, code: str) -> Q:
    # A multiple CountryField is a comma-separated column: match whole codes only.
    return (
        Q(**{field: code})
        | Q(**{f"{field}__startswith": f"{code},"})
        | Q(**{f"{field}__endswith": f",{code}"})
        | Q(**{f"{field}__contains": f",{code},"})
    )


def _topic_q(topic: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(topics__contains=[topic])
    return Q(topics__icontains=f'"{topic}"')


def filter_questions(
    questions: QuerySet[Question],
    *,
    user: User,
    unanswered: bool = False,
    topic: str = "",
    market: str = "",
    mine: bool = False,
    sort: str = "newest",
) -> QuerySet[Question]:
    if unanswered:
        questions = questions.filter(answer_count=0, status=Question.Status.OPEN)
    if topic:
        questions = questions.filter(_topic_q(topic))
    if market:
        questions = questions.filter(_country_q("target_markets", market.upper()))
    if mine and user.is_authenticated:
        questions = questions.filter(Q(author=user) | Q(follows__user=user)).distinct()
    return questions.order_by(*SORTS.get(sort, SORTS["newest"]))


# What a list row shows (questions/_question_row.html, questions.rendering): loading no more of the
# question, its author and its cluster saves building some 60 wide model instances per page.
ROW_FIELDS = (
    "id", "cluster_id", "author_id", "title", "language", "topics", "target_markets", "status", "score",
    "answer_count", "created_at", "author__name", "author__email",
)


def cluster_questions(*, cluster: Cluster, user: User, **filters) -> QuerySet[Question]:
    """A cluster's questions for its list page (the caller has checked the cluster is readable)."""
    questions = Question.objects.filter(cluster=cluster).select_related("author").only(*ROW_FIELDS)
    return filter_questions(questions, user=user, **filters)


def questions_across_my_clusters(*, user: User, **filters) -> QuerySet[Question]:
    questions = (
        Question.objects.filter(cluster_id__in=access.member_cluster_ids_query(user))
        .select_related("author", "cluster")
        .only(*ROW_FIELDS, "cluster__name")
    )
    return filter_questions(questions, user=user, **filters)


def question_answers(*, question: Question) -> QuerySet[Answer]:
    """Accepted answer first, then by votes, then oldest first."""
    return (
        Answer.objects.filter(question=question)
        .select_related("author")
        .defer("search_vector")
        .annotate(
            is_accepted=Case(
                When(pk=question.accepted_answer_id or 0, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("-is_accepted", "-score", "created_at", "id")
    )


def answers_after(*, question: Question, after_id: int, limit: int) -> list[Answer]:
    """The question's answers with an id above `after_id`, oldest first, with their authors: 1 query.
    Each carries `question` (the one given), so rendering it costs no further query."""
    answers = list(
        Answer.objects.filter(question=question, pk__gt=after_id)
        .select_related("author")
        .defer("search_vector")
        .order_by("pk")[:limit]
    )
    for answer in answers:
        answer.question = question
    return answers


def answers_edited_since(*, question: Question, up_to_id: int, since, limit: int) -> list[tuple[int, str]]:
    """(id, body_html) of the question's answers up to `up_to_id` edited at or after `since`, the most
    recently edited last: 1 query."""
    rows = (
        Answer.objects.filter(question=question, pk__lte=up_to_id, edited_at__gte=since)
        .order_by("-edited_at", "-pk")
        .values_list("pk", "body_html")[:limit]
    )
    return list(reversed(rows))


def answer_scores(*, question: Question) -> dict[int, int]:
    """Every answer's score, by answer id: 1 query."""
    return dict(Answer.objects.filter(question=question).order_by("pk").values_list("pk", "score"))


def my_votes_and_follow(*, user: User, question: Question, answers: list[Answer]) -> tuple[int, dict[int, int], bool]:
    """The person's vote on the question and on each of these answers, and whether they follow the
    question: 1 query (none for visitors).

    Plain SQL: it is read on every view of a question page by everyone signed in, and building it
    through the ORM (a union of two querysets) took four times as long as running it."""
    if not user.is_authenticated:
        return 0, {}, False
    answer_ids = [answer.pk for answer in answers]
    on_answers = f" OR answer_id IN ({', '.join(['%s'] * len(answer_ids))})" if answer_ids else ""
    # A follow comes as a row with value 0, which no vote has.
    sql = (
        f"SELECT question_id, answer_id, value FROM {Vote._meta.db_table} "
        f"WHERE user_id = %s AND (question_id = %s{on_answers}) "
        f"UNION ALL SELECT question_id, NULL, 0 FROM {Follow._meta.db_table} WHERE user_id = %s AND question_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, question.pk, *answer_ids, user.pk, question.pk])
        rows = cursor.fetchall()
    question_vote, answer_votes, following = 0, {}, False
    for question_id, answer_id, value in rows:
        if value == 0:
            following = True
        elif question_id:
            question_vote = value
        else:
            answer_votes[answer_id] = value
    return question_vote, answer_votes, following


def question_history(*, question: Question) -> QuerySet[Revision]:
    return Revision.objects.filter(Q(question=question) | Q(answer__question=question)).select_related("editor")


# --- Search --------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def _any_language_query(text: str, *, search_type: str) -> SearchQuery:
    """The query stemmed in each of our languages, or'ed: a Spanish question is found by Spanish stems."""
    query = None
    for config in SEARCH_CONFIGS.values():
        part = SearchQuery(text, config=config, search_type=search_type)
        query = part if query is None else query | part
    return query


def search_questions(*, user: User, text: str, cluster: Cluster | None = None) -> QuerySet[Question]:
    """Questions whose title, details or answers match, ranked; only questions this person may read."""
    text = " ".join((text or "").split())[:200]
    # The body is read only by the SQLite fallback's word matching, in SQL.
    questions = questions_readable_by(user=user).select_related("cluster", "author").only(*ROW_FIELDS, "cluster__name")
    if cluster is not None:
        questions = questions.filter(cluster=cluster)
    if not text:
        return questions.none()
    if _postgres():
        query = _any_language_query(text, search_type="websearch")
        # A union of two GIN index scans; an OR of the two conditions would scan every question instead.
        matching = Question.objects.filter(search_vector=query).values("pk").union(
            Answer.objects.filter(search_vector=query).values("question_id")
        )
        return (
            questions.filter(pk__in=matching)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-score", "-id")
        )
    words = _WORD.findall(text)[:8]
    for word in words:
        in_answers = Answer.objects.filter(body__icontains=word).values("question_id")
        questions = questions.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(pk__in=in_answers))
    return questions.order_by("-score", "-id")


def similar_questions(*, user: User, cluster: Cluster, title: str, limit: int = 5) -> list[Question]:
    """Existing questions that share words with a title being typed: 1 query."""
    words = [w for w in _WORD.findall((title or "").lower()) if len(w) >= 4][:8]
    if not words:
        return []
    questions = Question.objects.filter(cluster=cluster).only(
        "pk", "title", "status", "answer_count", "score", "created_at", "cluster_id"
    )
    if _postgres():
        query = None
        for word in words:
            part = _any_language_query(word, search_type="plain")
            query = part if query is None else query | part
        questions = questions.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        return list(questions.order_by("-rank", "-score")[:limit])
    condition, shared = Q(), Value(0)
    for word in words:
        condition |= Q(title__icontains=word)
        shared = shared + Case(When(title__icontains=word, then=Value(1)), default=Value(0))
    questions = questions.filter(condition).annotate(shared=shared)
    return list(questions.order_by("-shared", "-score", "-id")[:limit])


# --- The mentor's queue ----------------------------------------------------------------------------

QUEUE_CANDIDATES = 300


def waiting_for_mentor(*, user: User, limit: int = 50) -> list[Question]:
    """Open questions without an accepted answer in the person's clusters that they have not answered,
    ranked by how long they have waited and how well they fit the person's expertise: 4 queries.

    Each returned question carries `fit_topics` (the topics it shares with the mentor's profile),
    `fit_sector` and `waiting_hours`.
    """
    from mentoring.models import MentorProfile

    profile = MentorProfile.objects.filter(user=user).prefetch_related("sectors").first()
    my_topics = set(profile.topics) if profile else set()
    my_sectors = {sector.pk for sector in profile.sectors.all()} if profile else set()
    answered_by_me = Answer.objects.filter(question=OuterRef("pk"), author=user)
    # The cluster ids as values (one small query) let PostgreSQL walk the open questions oldest first
    # (partial index question_open_by_age) and stop at the limit, instead of sorting all of them.
    cluster_ids = list(access.member_cluster_ids_query(user).values_list("cluster_id", flat=True))
    candidates = list(
        Question.objects.filter(
            cluster_id__in=cluster_ids, status=Question.Status.OPEN, accepted_answer__isnull=True
        )
        .exclude(author=user)
        .exclude(Exists(answered_by_me))
        .select_related("cluster", "author")
        .defer("body", "body_html", "search_vector")
        .order_by("created_at")[:QUEUE_CANDIDATES]
    )
    now = timezone.now()
    labels = dict(Topic.choices)
    for question in candidates:
        question.fit_topics = [str(labels[t]) for t in question.topics if t in my_topics and t in labels]
        question.fit_sector = question.cluster.sector_id in my_sectors
        question.waiting_hours = max(int((now - question.created_at).total_seconds() // 3600), 0)
        fit = 1 + 2 * len(question.fit_topics) + (1 if question.fit_sector else 0)
        urgency = 1 + math.log1p(question.waiting_hours)
        question.queue_rank = fit * urgency * (2 if question.answer_count == 0 else 1)
    candidates.sort(key=lambda q: (-q.queue_rank, q.created_at))
    return candidates[:limit]



def questions_asked_by(*, user: User, limit: int = 5) -> list[Question]:
    """The person's own questions that are still open or were answered, latest activity first, with
    their cluster: 1 query."""
    return list(
        Question.objects.filter(author=user, status__in=[Question.Status.OPEN, Question.Status.ANSWERED])
        .select_related("cluster")
        .defer("body", "body_html", "search_vector")
        .order_by("-last_activity_at", "-pk")[:limit]
    )


def with_attachments(question: Question, answers: list[Answer]) -> list[Answer]:
    """Sets `attachment_list` on the question and each answer: one query."""
    found = attachments_for_owners({QUESTION_FILES: [question.pk], ANSWER_FILES: [answer.pk for answer in answers]})
    question.attachment_list = found.get((QUESTION_FILES, question.pk), [])
    for answer in answers:
        answer.attachment_list = found.get((ANSWER_FILES, answer.pk), [])
    return answers


def question_readable(user: User, question_id: int) -> bool:
    """The rule of a question's files: whoever may read the question now (question_get_for_user)."""
    try:
        question_get_for_user(user=user, question_id=question_id)
    except Http404:
        return False
    return True


def answer_readable(user: User, answer_id: int) -> bool:
    """The rule of an answer's files: whoever may read its question now."""
    question_id = Answer.objects.filter(pk=answer_id).values_list("question_id", flat=True).first()
    return question_id is not None and question_readable(user, question_id)


def question_moderated_by(user: User, question_id: int) -> bool:
    cluster_id = Question.objects.filter(pk=question_id).values_list("cluster_id", flat=True).first()
    return access.may_facilitate_id(user=user, cluster_id=cluster_id)


def answer_moderated_by(user: User, answer_id: int) -> bool:
    cluster_id = Answer.objects.filter(pk=answer_id).values_list("question__cluster_id", flat=True).first()
    return access.may_facilitate_id(user=user, cluster_id=cluster_id)


QUESTION_FILES = "questions.question"  # Attachment.owner_type of a question's files (questions.services)
ANSWER_FILES = "questions.answer"
