"""Q&A threads in clusters: questions, answers, votes, follows and edit history.

Counters (answer_count, score, last_activity_at) are denormalised so that list pages need no aggregate
per row; only questions.services changes them, in the same transaction as the rows they count.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from clusters.models import Cluster
from clusters.topics import Topic

TITLE_MIN = 10
TITLE_MAX = 200
BODY_MAX = 10_000
ANSWER_MAX = 10_000
TAGS_MAX = 8


class Language(models.TextChoices):
    ES = "es", "Español"
    PT = "pt", "Português"
    EN = "en", "English"


# The PostgreSQL text-search configuration that stems each language.
SEARCH_CONFIGS = {Language.ES: "spanish", Language.PT: "portuguese", Language.EN: "english"}


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        DUPLICATE = "duplicate", _("Duplicate")

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="questions", verbose_name=_("cluster"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("details"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ES)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    target_markets = CountryField(_("target markets"), multiple=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    accepted_answer = models.OneToOneField(
        "Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="accepted_for",
    )
    # The chat message this question was promoted from, if any.
    source_message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="promoted_questions",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    first_answer_at = models.DateTimeField(null=True, blank=True)
    answer_count = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    # Filled by the services on PostgreSQL only (title weighted above the body, stemmed by language).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["cluster", "-created_at"], name="question_cluster_new"),
            models.Index(fields=["cluster", "-last_activity_at"], name="question_cluster_activity"),
            models.Index(fields=["cluster", "-score"], name="question_cluster_score"),
            models.Index(fields=["cluster", "answer_count"], name="question_cluster_unanswered"),
            # The mentors' queue walks open questions oldest first and stops after a few hundred.
            models.Index(fields=["created_at"], condition=Q(status="open"), name="question_open_by_age"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "answered", "closed", "duplicate"]), name="question_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False)
                | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="question_duplicate_has_original",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=F("pk")), name="question_not_duplicate_of_itself"),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(accepted_answer__isnull=False),
                name="question_answered_has_accepted_answer",
            ),
            models.CheckConstraint(condition=Q(answer_count__gte=0), name="question_answer_count_not_negative"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("questions:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.DUPLICATE)

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels[t]) for t in self.topics if t in labels]

    @property
    def search_config(self) -> str:
        return SEARCH_CONFIGS.get(self.language, "simple")


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="answers", verbose_name=_("author")
    )
    body = models.TextField(_("answer"))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    score = models.IntegerField(default=0)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "-score", "created_at"], name="answer_question_rank")]

    def __str__(self):
        return f"answer {self.pk} to {self.question_id}"


class Vote(models.Model):
    """One vote per person per post (a question or an answer), up (+1) or down (-1)."""

    UP = 1
    DOWN = -1

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_votes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="votes")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="votes")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_up_or_down"),
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(answer__isnull=True))
                | (Q(question__isnull=True) & Q(answer__isnull=False)),
                name="vote_on_exactly_one_post",
            ),
            models.UniqueConstraint(
                fields=["user", "question"], condition=Q(question__isnull=False), name="one_vote_per_person_question"
            ),
            models.UniqueConstraint(
                fields=["user", "answer"], condition=Q(answer__isnull=False), name="one_vote_per_person_answer"
            ),
        ]

    def __str__(self):
        return f"{self.value:+d} by {self.user_id}"

    @property
    def source_ref(self) -> str:
        return f"questions.vote:{self.pk}"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_follows")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_follow_per_person_question")]

    def __str__(self):
        return f"{self.user_id} follows {self.question_id}"


class Revision(models.Model):
    """The text of a post before an edit: the history shows who changed what, and when."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(answer__isnull=True))
                | (Q(question__isnull=True) & Q(answer__isnull=False)),
                name="revision_of_exactly_one_post",
            ),
        ]

    def __str__(self):
        return f"revision {self.pk}"


class DigestState(models.Model):
    """Up to when a mentor's question digest has covered new questions (so no question is sent twice)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_digest")
    covered_until = models.DateTimeField()

    def __str__(self):
        return f"digest of {self.user_id} until {self.covered_until}"
