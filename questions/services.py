"""Every write of the Q&A domain. Views, the consumer, commands, the demo and tests call these.

Each function is one transaction; it checks rights (PermissionDenied) and rules (ValidationError with a
message for the person) before writing, keeps the denormalised counters right, calls the incentive
award service for acceptances and helpful votes, and schedules live events and notifications.
"""

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django_countries import countries

from attachments import services as attachment_services
from clusters import access
from clusters.models import Cluster, ClusterMembership, User
from clusters.text import render_markdown
from clusters.topics import Topic
from infra.ratelimit import rate_limit
from infra.retry import retry_on_conflict
from infra.words import stored
from mentoring.services import mentor_accepted_answers_adjust
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from questions import credits, events, search_cache, selectors
from questions.models import (
    ANSWER_MAX,
    BODY_MAX,
    SEARCH_CONFIGS,
    TAGS_MAX,
    TITLE_MAX,
    TITLE_MIN,
    Answer,
    Follow,
    Language,
    Question,
    Revision,
    Vote,
)

Status = ClusterMembership.Status
Role = ClusterMembership.Role


# --- Rights ----------------------------------------------------------------------------------------


def can_accept(*, user: User, question: Question) -> bool:
    """The asker (while still a member) or a facilitator of the cluster chooses the accepted answer."""
    if question.author_id == user.pk and access.may_post(user=user, cluster=question.cluster):
        return True
    return access.may_facilitate(user=user, cluster=question.cluster)


def can_edit(*, user: User, post) -> bool:
    """The author (while a member) or a facilitator edits a question or an answer."""
    cluster = post.cluster if isinstance(post, Question) else post.question.cluster
    if post.author_id == user.pk and access.may_post(user=user, cluster=cluster):
        return True
    return access.may_facilitate(user=user, cluster=cluster)


def _require_member(*, user: User, cluster: Cluster) -> None:
    if not access.may_post(user=user, cluster=cluster):
        raise PermissionDenied(_("Only active members of this cluster can do that."))


# --- Input ---------------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Write your question in the title."), code="title_empty")
    if len(title) < TITLE_MIN:
        raise ValidationError(
            _("Make the title a full question of at least %(min)d characters.") % {"min": TITLE_MIN}, code="title_short"
        )
    if len(title) > TITLE_MAX:
        raise ValidationError(
            _("Keep the title to at most %(max)d characters.") % {"max": TITLE_MAX}, code="title_long"
        )
    return title


def _clean_body(body: str, *, limit: int, required: bool) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError(_("Write something first."), code="body_empty")
    if len(body) > limit:
        raise ValidationError(
            _("Keep it to at most %(max)d characters.") % {"max": limit}, code="body_long"
        )
    return body


def _clean_topics(topics) -> list[str]:
    topics = list(dict.fromkeys(topics or []))
    unknown = [t for t in topics if t not in Topic.values]
    if unknown:
        raise ValidationError(_("Choose topics from the list."), code="topic")
    return topics


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = []
    for tag in tags or []:
        tag = "-".join(str(tag).lower().split())[:40]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > TAGS_MAX:
        raise ValidationError(_("Use at most %(max)d tags.") % {"max": TAGS_MAX}, code="tags")
    return cleaned


def _clean_markets(markets) -> list[str]:
    cleaned = []
    for code in markets or []:
        code = str(code).upper()
        if code not in dict(countries):
            raise ValidationError(_("“%(code)s” is not a country we know.") % {"code": code}, code="country")
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _language_for(language: str, author: User) -> str:
    language = (language or "").lower()[:2]
    if language in Language.values:
        return language
    preferred = (author.language or "")[:2]
    return preferred if preferred in Language.values else Language.ES


# --- Search vectors (PostgreSQL) -----------------------------------------------------------------


def _index_question(question: Question) -> None:
    search_cache.changed()
    if connection.vendor != "postgresql":
        return
    config = Value(SEARCH_CONFIGS[question.language])
    Question.objects.filter(pk=question.pk).update(
        search_vector=SearchVector("title", weight="A", config=config)
        + SearchVector("body", weight="B", config=config)
    )


def _index_answer(answer: Answer, language: str) -> None:
    search_cache.changed()
    if connection.vendor != "postgresql":
        return
    Answer.objects.filter(pk=answer.pk).update(
        search_vector=SearchVector("body", weight="C", config=Value(SEARCH_CONFIGS[language]))
    )


# --- Notifications -------------------------------------------------------------------------------


def _question_url(question: Question, anchor: str = "") -> str:
    url = reverse("questions:detail", args=[question.pk])
    return f"{url}#{anchor}" if anchor else url


def _followers_who_may_read(question: Question, *, exclude: set[int]) -> list[User]:
    """Followers still allowed to read the question: nothing of a by-approval cluster reaches someone
    who has left it or was removed."""
    followers = User.objects.filter(question_follows__question=question, is_active=True).exclude(pk__in=exclude)
    if not question.cluster.is_open:
        followers = followers.filter(
            memberships__cluster=question.cluster, memberships__status=Status.ACTIVE
        )
    return list(followers)


def _notify(*, recipient: User, kind: str, template: str, params: dict, url: str, actor: User,
            email: bool = False) -> None:
    # Kept as the msgid and its parameters: shown in the reader's language (infra.words).
    messaging_services.notification_create(
        recipient=recipient, kind=kind, params=stored(template, **params), url=url, actor=actor,
        email_if_offline=email,
    )


def _follow(*, user: User, question: Question) -> None:
    Follow.objects.get_or_create(user=user, question=question)


# --- Questions -----------------------------------------------------------------------------------


QUESTION_FILES = selectors.QUESTION_FILES  # Attachment.owner_type of a question's and an answer's files
ANSWER_FILES = selectors.ANSWER_FILES


def question_ask(
    *,
    cluster: Cluster,
    author: User,
    title: str,
    body: str = "",
    language: str = "",
    topics: list[str] | tuple = (),
    tags: list[str] | tuple | str = (),
    target_markets: list[str] | tuple = (),
    source_message=None,
    files=(),
) -> Question:
    """Asks a question in a cluster, with its files (all or nothing: attachments.services.with_files);
    the asker follows it."""
    _require_member(user=author, cluster=cluster)  # before the files are read and re-encoded

    def write(staged):
        question = _question_ask(
            cluster=cluster, author=author, title=title, body=body, language=language, topics=topics, tags=tags,
            target_markets=target_markets, source_message=source_message,
        )
        if staged is not None:
            question.attachment_list = staged.attach(
                owner_type=QUESTION_FILES, owner_id=question.pk, uploader=author, cluster=cluster
            )
        return question

    return attachment_services.with_files(files, write)


def _question_ask(*, cluster, author, title, body, language, topics, tags, target_markets, source_message):
    _require_member(user=author, cluster=cluster)
    title = _clean_title(title)
    body = _clean_body(body, limit=BODY_MAX, required=False)
    rate_limit(action="question", user=author)
    now = timezone.now()
    question = Question.objects.create(
        cluster=cluster,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
        language=_language_for(language, author),
        topics=_clean_topics(topics),
        tags=_clean_tags(tags),
        target_markets=_clean_markets(target_markets),
        source_message=source_message,
        created_at=now,
        last_activity_at=now,
    )
    _index_question(question)
    _follow(user=author, question=question)
    return question


@transaction.atomic
def question_promote(
    *,
    message,
    acting_user: User,
    title: str,
    body: str = "",
    language: str = "",
    topics: list[str] | tuple = (),
    tags: list[str] | tuple | str = (),
    target_markets: list[str] | tuple = (),
) -> Question:
    """Turns a message of a cluster room into a question of that cluster, linked both ways, with the
    message's files (the same stored files, shown under the question: they stay with it whatever
    happens to the message). Allowed for the message's author and the cluster's facilitators; the
    question's author is the message's."""
    room = message.room
    if not room.is_cluster_room or message.is_deleted:
        raise ValidationError(_("Only messages of cluster rooms can become questions."), code="not_cluster_room")
    if message.author_id != acting_user.pk and not access.may_facilitate(user=acting_user, cluster=room.cluster):
        raise PermissionDenied(_("Only the author of the message or a facilitator can do that."))
    _require_member(user=acting_user, cluster=room.cluster)
    # The message is the parent: locked first, so that two promotions of it at once take turns and the
    # second one sees the first question.
    type(message).objects.select_for_update(no_key=True).filter(pk=message.pk).values_list("pk").first()
    if Question.objects.filter(source_message=message).exists():
        raise ValidationError(_("This message is already a question."), code="already_promoted")
    author = message.author if access.may_post(user=message.author, cluster=room.cluster) else acting_user
    question = question_ask(
        cluster=room.cluster, author=author, title=title, body=body, language=language, topics=topics,
        tags=tags, target_markets=target_markets, source_message=message,
    )
    question.attachment_list = attachment_services.attachments_share(
        from_owner_type=messaging_selectors.ATTACHMENT_OWNER, from_owner_id=message.pk,
        to_owner_type=QUESTION_FILES, to_owner_id=question.pk,
    )
    return question


def _lock_question(question: Question) -> Question:
    # NO KEY UPDATE: rows that merely point at the question (answers, follows, votes) can still be written
    # by others meanwhile; FOR UPDATE would make their foreign-key checks wait for us (docs/ARCHITECTURE.md).
    return Question.objects.select_for_update(no_key=True, of=("self",)).select_related("cluster", "author").get(
        pk=question.pk
    )


@transaction.atomic
def question_edit(
    *,
    question: Question,
    acting_user: User,
    title: str,
    body: str = "",
    topics: list[str] | tuple = (),
    tags: list[str] | tuple | str = (),
    target_markets: list[str] | tuple = (),
) -> Question:
    """The asker or a facilitator edits a question; the previous text goes to the history."""
    question = _lock_question(question)
    if not can_edit(user=acting_user, post=question):
        raise PermissionDenied(_("Only the asker or a facilitator can edit this question."))
    title = _clean_title(title)
    body = _clean_body(body, limit=BODY_MAX, required=False)
    topics, tags, markets = _clean_topics(topics), _clean_tags(tags), _clean_markets(target_markets)
    if (title, body) != (question.title, question.body):
        Revision.objects.create(question=question, editor=acting_user, title=question.title, body=question.body)
    now = timezone.now()
    question.title, question.body, question.body_html = title, body, render_markdown(body)
    question.topics, question.tags, question.target_markets = topics, tags, markets
    question.edited_at = question.last_activity_at = now
    question.save(update_fields=["title", "body", "body_html", "topics", "tags", "target_markets", "edited_at",
                                 "last_activity_at"])
    _index_question(question)
    events.question_edited_on_commit(question)
    return question


@transaction.atomic
def question_close(*, question: Question, acting_user: User) -> Question:
    question = _lock_question(question)
    if not (question.author_id == acting_user.pk or access.may_facilitate(user=acting_user, cluster=question.cluster)):
        raise PermissionDenied(_("Only the asker or a facilitator can close this question."))
    if question.is_closed:
        raise ValidationError(_("This question is already closed."), code="already_closed")
    question.status = Question.Status.CLOSED
    question.last_activity_at = timezone.now()
    question.save(update_fields=["status", "last_activity_at"])
    return question


@transaction.atomic
def question_reopen(*, question: Question, acting_user: User) -> Question:
    question = _lock_question(question)
    if not access.may_facilitate(user=acting_user, cluster=question.cluster) and question.author_id != acting_user.pk:
        raise PermissionDenied(_("Only the asker or a facilitator can reopen this question."))
    if not question.is_closed:
        raise ValidationError(_("This question is not closed."), code="not_closed")
    question.status = Question.Status.ANSWERED if question.accepted_answer_id else Question.Status.OPEN
    question.duplicate_of = None
    question.last_activity_at = timezone.now()
    question.save(update_fields=["status", "duplicate_of", "last_activity_at"])
    return question


@transaction.atomic
def question_mark_duplicate(*, question: Question, original: Question, acting_user: User) -> Question:
    """A facilitator (or the asker) points a question to an earlier one of the same cluster."""
    question = _lock_question(question)
    if not (question.author_id == acting_user.pk or access.may_facilitate(user=acting_user, cluster=question.cluster)):
        raise PermissionDenied(_("Only the asker or a facilitator can mark this question as a duplicate."))
    if original.pk == question.pk:
        raise ValidationError(_("A question cannot duplicate itself."), code="duplicate_self")
    if original.cluster_id != question.cluster_id:
        raise ValidationError(_("Choose a question of the same cluster."), code="duplicate_other_cluster")
    if original.status == Question.Status.DUPLICATE:
        raise ValidationError(_("Point to the original question, not to another duplicate."), code="duplicate_chain")
    question.status = Question.Status.DUPLICATE
    question.duplicate_of = original
    question.last_activity_at = timezone.now()
    question.save(update_fields=["status", "duplicate_of", "last_activity_at"])
    return question


@transaction.atomic
def question_follow(*, question: Question, user: User) -> None:
    _require_member(user=user, cluster=question.cluster)
    _follow(user=user, question=question)


@transaction.atomic
def question_unfollow(*, question: Question, user: User) -> None:
    Follow.objects.filter(user=user, question=question).delete()


# --- Answers -------------------------------------------------------------------------------------


def answer_post(*, question: Question, author: User, body: str, files=()) -> Answer:
    """Answers a question, with its files (all or nothing): the asker and the followers hear of it; the
    answerer now follows it."""
    _require_member(user=author, cluster=question.cluster)  # before the files are read and re-encoded

    def write(staged):
        return _answer_post(question=question, author=author, body=body, staged=staged)

    return attachment_services.with_files(files, write)


def _answer_post(*, question: Question, author: User, body: str, staged) -> Answer:
    question = _lock_question(question)
    _require_member(user=author, cluster=question.cluster)
    if question.is_closed:
        raise ValidationError(_("This question is closed to new answers."), code="closed")
    body = _clean_body(body, limit=ANSWER_MAX, required=True)
    rate_limit(action="answer", user=author)
    now = timezone.now()
    answer = Answer.objects.create(question=question, author=author, body=body, body_html=render_markdown(body),
                                   created_at=now)
    Question.objects.filter(pk=question.pk).update(
        answer_count=F("answer_count") + 1, last_activity_at=now,
        first_answer_at=question.first_answer_at or now,
    )
    question.answer_count += 1
    _index_answer(answer, question.language)
    answer.question = question
    answer.attachment_list = []
    if staged is not None:  # before the live frame is scheduled, which shows them
        answer.attachment_list = staged.attach(
            owner_type=ANSWER_FILES, owner_id=answer.pk, uploader=author, cluster=question.cluster
        )
    events.answer_posted_on_commit(answer)

    url = _question_url(question, f"a{answer.pk}")
    if question.author_id != author.pk and question.author.is_active:
        _notify(recipient=question.author, kind="question_answered", actor=author, url=url, email=True,
                template=N_("%(name)s answered your question “%(title)s”"),
                params={"name": author.display_name, "title": question.title})
    for follower in _followers_who_may_read(question, exclude={author.pk, question.author_id}):
        _notify(recipient=follower, kind="question_activity", actor=author, url=url,
                template=N_("New answer to “%(title)s”"), params={"title": question.title})
    _follow(user=author, question=question)
    return answer


@transaction.atomic
def answer_edit(*, answer: Answer, acting_user: User, body: str) -> Answer:
    answer = Answer.objects.select_for_update(no_key=True, of=("self",)).select_related("question", "question__cluster").get(
        pk=answer.pk
    )
    if not can_edit(user=acting_user, post=answer):
        raise PermissionDenied(_("Only the author or a facilitator can edit this answer."))
    body = _clean_body(body, limit=ANSWER_MAX, required=True)
    if body == answer.body:
        return answer
    Revision.objects.create(answer=answer, editor=acting_user, body=answer.body)
    answer.body, answer.body_html, answer.edited_at = body, render_markdown(body), timezone.now()
    answer.save(update_fields=["body", "body_html", "edited_at"])
    _index_answer(answer, answer.question.language)
    events.answer_edited_on_commit(answer)
    return answer


def _set_accepted(*, question: Question, answer: Answer | None, acting_user: User) -> Question:
    previous = question.accepted_answer
    if previous is not None:
        credits.accepted_answer_revoke(
            answer=previous, acting_user=acting_user, reason=N_("Another answer was accepted") if answer else
            N_("The acceptance was withdrawn"),
        )
    question.accepted_answer = answer
    if question.status in (Question.Status.OPEN, Question.Status.ANSWERED):
        question.status = Question.Status.ANSWERED if answer else Question.Status.OPEN
    question.last_activity_at = timezone.now()
    question.save(update_fields=["accepted_answer", "status", "last_activity_at"])
    if answer is not None:
        answer.question = question
        credits.accepted_answer_grant(answer=answer, acting_user=acting_user)
    # The mentors' profiles come after the ledger's accounts, in id order (docs/ARCHITECTURE.md).
    moved = [(previous.author, -1)] if previous is not None else []
    if answer is not None:
        moved.append((answer.author, 1))
    for author, delta in sorted(moved, key=lambda change: change[0].pk):
        mentor_accepted_answers_adjust(user=author, delta=delta)
    events.accepted_changed_on_commit(question=question, previous_id=previous.pk if previous else None)
    return question


@retry_on_conflict  # the earlier award and the new one may be paid by two programs' pools
@transaction.atomic
def answer_accept(*, question: Question, answer: Answer, acting_user: User) -> Question:
    """Accepts an answer of this question (replacing any earlier choice: the earlier award is reversed)."""
    # Not joined with the accepted answer: after waiting for the lock PostgreSQL re-reads the question
    # alone, and a joined answer could be the one accepted before the acceptance we waited for.
    question = Question.objects.select_for_update(no_key=True, of=("self",)).select_related("cluster").get(
        pk=question.pk
    )
    if answer.question_id != question.pk:
        raise ValidationError(_("That answer belongs to another question."), code="other_question")
    if not can_accept(user=acting_user, question=question):
        raise PermissionDenied(_("Only the asker or a facilitator can accept an answer."))
    if question.is_closed:
        raise ValidationError(_("This question is closed."), code="closed")
    if question.accepted_answer_id == answer.pk:
        raise ValidationError(_("This answer is already accepted."), code="already_accepted")
    answer = Answer.objects.select_related("author").get(pk=answer.pk)
    question = _set_accepted(question=question, answer=answer, acting_user=acting_user)
    if answer.author_id != acting_user.pk and answer.author.is_active:
        _notify(recipient=answer.author, kind="answer_accepted", actor=acting_user, email=True,
                url=_question_url(question, f"a{answer.pk}"),
                template=N_("Your answer to “%(title)s” was accepted"), params={"title": question.title})
    for follower in _followers_who_may_read(question, exclude={acting_user.pk, answer.author_id}):
        _notify(recipient=follower, kind="question_activity", actor=acting_user,
                url=_question_url(question, f"a{answer.pk}"),
                template=N_("An answer to “%(title)s” was accepted"), params={"title": question.title})
    return question


@retry_on_conflict
@transaction.atomic
def answer_unaccept(*, question: Question, acting_user: User) -> Question:
    # Not joined with the accepted answer: after waiting for the lock PostgreSQL re-reads the question
    # alone, and a joined answer could be the one accepted before the acceptance we waited for.
    question = Question.objects.select_for_update(no_key=True, of=("self",)).select_related("cluster").get(
        pk=question.pk
    )
    if not can_accept(user=acting_user, question=question):
        raise PermissionDenied(_("Only the asker or a facilitator can change the accepted answer."))
    if question.accepted_answer_id is None:
        raise ValidationError(_("No answer is accepted."), code="none_accepted")
    return _set_accepted(question=question, answer=None, acting_user=acting_user)


# --- Votes ---------------------------------------------------------------------------------------


def _post_of(question: Question | None, answer: Answer | None):
    """Locks the post voted on: the question first, then the answer (the lock order of
    docs/ARCHITECTURE.md, which answer_post and answer_accept keep too)."""
    if (question is None) == (answer is None):
        raise ValidationError(_("Vote on one question or one answer."), code="post")
    question_id = answer.question_id if answer is not None else question.pk
    owner = Question.objects.select_for_update(no_key=True, of=("self",)).select_related("cluster", "author").get(
        pk=question_id
    )
    if answer is None:
        return owner, owner, "question"
    answer = Answer.objects.select_for_update(no_key=True, of=("self",)).select_related("author").get(pk=answer.pk)
    answer.question = owner
    return answer, owner, "answer"


def _change_score(post, kind: str, delta: int) -> None:
    model = Answer if kind == "answer" else Question
    model.objects.filter(pk=post.pk).update(score=F("score") + delta)
    post.score += delta
    search_cache.changed()  # the score orders search results of equal rank


@retry_on_conflict
@transaction.atomic
def vote_cast(*, user: User, value: int, question: Question | None = None, answer: Answer | None = None) -> Vote:
    """Votes a post up (+1) or down (-1). Changing one's vote flips it; the same vote twice is refused.
    An up-vote on an answer is a helpful vote: it earns the answerer credits while it stands."""
    if value not in (Vote.UP, Vote.DOWN):
        raise ValidationError(_("A vote is up or down."), code="value")
    post, owner_question, kind = _post_of(question, answer)
    _require_member(user=user, cluster=owner_question.cluster)
    if post.author_id == user.pk:
        raise ValidationError(_("You cannot vote on your own post."), code="own_post")
    lookup = {kind: post}
    vote = Vote.objects.select_for_update(no_key=True).filter(user=user, **lookup).first()
    if vote is not None and vote.value == value:
        raise ValidationError(_("You have already voted on this."), code="already_voted")
    rate_limit(action="vote", user=user)
    if vote is None:
        try:
            with transaction.atomic():
                vote = Vote.objects.create(user=user, value=value, **lookup)
        except IntegrityError:
            # The same person voting twice at the same moment: the database constraint decides.
            raise ValidationError(_("You have already voted on this."), code="already_voted") from None
        _change_score(post, kind, value)
    else:
        if kind == "answer" and vote.value == Vote.UP:
            credits.helpful_vote_revoke(vote=vote, acting_user=user, reason=N_("The vote was changed to down"))
        vote.value = value
        vote.save(update_fields=["value"])
        _change_score(post, kind, 2 * value)
    if kind == "answer" and value == Vote.UP:
        credits.helpful_vote_grant(vote=vote, answer=post, acting_user=user)
    Question.objects.filter(pk=owner_question.pk).update(last_activity_at=timezone.now())
    events.vote_changed_on_commit(question_id=owner_question.pk, post=kind, post_id=post.pk, score=post.score)
    return vote


@retry_on_conflict
@transaction.atomic
def vote_withdraw(*, user: User, question: Question | None = None, answer: Answer | None = None) -> None:
    post, owner_question, kind = _post_of(question, answer)
    vote = Vote.objects.select_for_update().filter(user=user, **{kind: post}).first()
    if vote is None:
        raise ValidationError(_("You have not voted on this."), code="no_vote")
    if kind == "answer" and vote.value == Vote.UP:
        credits.helpful_vote_revoke(vote=vote, acting_user=user, reason=N_("The vote was withdrawn"))
    _change_score(post, kind, -vote.value)
    vote.delete()
    events.vote_changed_on_commit(question_id=owner_question.pk, post=kind, post_id=post.pk, score=post.score)
