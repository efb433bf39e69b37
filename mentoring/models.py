from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from clusters.models import LANGUAGE_CHOICES, Cluster, Sector
from clusters.topics import Topic
from mentoring.plans import template_text


class MentorProfile(models.Model):
    """What an experienced exporter offers: sectors, markets, topics, languages and how many mentees."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile")
    bio = models.TextField(_("about you as an exporter"), blank=True)
    sectors = models.ManyToManyField(Sector, related_name="mentor_profiles", verbose_name=_("sectors"), blank=True)
    topics = models.JSONField(_("topics of expertise"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(_("most active mentees at once"), default=3)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    is_accepting = models.BooleanField(_("accepting new mentees"), default=True)
    # Kept up to date by the services that change them, so directory pages need no aggregate per row.
    active_mentees = models.PositiveSmallIntegerField(default=0, editable=False)
    accepted_answers = models.PositiveIntegerField(default=0, editable=False)
    # Responsiveness, recomputed by the request services whenever a request is answered or expires:
    # the median time to a first answer, where an expired request counts as never answered in time.
    response_median_hours = models.PositiveIntegerField(null=True, blank=True, editable=False)
    requests_answered = models.PositiveIntegerField(default=0, editable=False)
    requests_expired = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("mentor profile")
        verbose_name_plural = _("mentor profiles")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__lte=50), name="mentor_capacity_at_most_50"),
            models.CheckConstraint(
                condition=models.Q(active_mentees__lte=models.F("capacity")) | models.Q(active_mentees=0),
                name="mentor_active_mentees_within_capacity",
            ),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.active_mentees, 0)

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels[t]) for t in self.topics if t in labels]

    @property
    def language_names(self) -> list[str]:
        names = dict(LANGUAGE_CHOICES)
        return [names.get(code, code) for code in self.languages]


class MentorMarket(models.Model):
    """A market the mentor's firm exports to, and since when."""

    profile = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="markets")
    country = CountryField(_("country"))
    since_year = models.PositiveSmallIntegerField(_("exporting there since"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "country"], name="one_row_per_mentor_market")]
        ordering = ["since_year", "country"]

    def __str__(self):
        return f"{self.country.code} since {self.since_year or '?'}"


class AspirantNeeds(models.Model):
    """What an aspiring exporter is looking for; used to suggest mentors."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aspirant_needs")
    sector = models.ForeignKey(Sector, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("sector"))
    target_markets = CountryField(_("target markets"), multiple=True, blank=True)
    topics = models.JSONField(_("topics you need help with"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True)

    class Meta:
        verbose_name = _("aspirant needs")
        verbose_name_plural = _("aspirant needs")

    def __str__(self):
        return str(self.user)


def request_ttl_days() -> int:
    return settings.PUENTE_MENTORSHIP_REQUEST_DAYS


class MentorshipRequest(models.Model):
    """An aspirant asks a mentor for a mentorship, saying what they want to achieve.

    pending -> accepted | declined | expired | withdrawn, with a detour pending -> needs_info -> pending
    when the mentor asks for more information and the aspirant answers.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the mentor")
        NEEDS_INFO = "needs_info", _("The mentor asked for more information")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired without an answer")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.PENDING, Status.NEEDS_INFO)

    aspirant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship_requests_sent"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship_requests_received"
    )
    goal = models.TextField(_("what you want to achieve"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    info_question = models.TextField(_("the mentor's question"), blank=True)
    info_answer = models.TextField(_("your answer"), blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    # Bumped on every change of what the mentor decides on (the question asked, the answer given): an
    # acceptance names the version the mentor read, and a stale one is refused (services.request_accept).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The mentor's first reaction (accept, decline or a question): what responsiveness measures.
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(editable=False)
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mentorship request")
        verbose_name_plural = _("mentorship requests")
        constraints = [
            models.UniqueConstraint(
                fields=["aspirant", "mentor"],
                condition=models.Q(status__in=["pending", "needs_info"]),
                name="one_open_request_per_aspirant_and_mentor",
            ),
            models.CheckConstraint(condition=~models.Q(aspirant=models.F("mentor")), name="request_not_to_oneself"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="mentoring_request_expiry")]

    def __str__(self):
        return f"{self.aspirant} → {self.mentor} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Mentorship(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        ENDED = "ended", _("Ended")

    class Outcome(models.TextChoices):
        STARTED = "started", _("The firm started exporting")
        RESTARTED = "restarted", _("The firm restarted exporting")
        NOT_YET = "not_yet", _("Not exporting yet")

    RUNNING_STATUSES = (Status.ACTIVE, Status.PAUSED)

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentorships_as_mentor")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentorships_as_mentee")
    request = models.OneToOneField(
        MentorshipRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentorship"
    )
    # The cluster the two share: the agency that sponsors it pays for sessions and sees the outcome.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentorships", verbose_name=_("cluster")
    )
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    goal = models.TextField(_("goal"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    end_reason = models.TextField(_("reason"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_markets = CountryField(_("markets reached"), multiple=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_running_mentorship_per_pair",
            ),
            models.CheckConstraint(condition=~models.Q(mentor=models.F("mentee")), name="mentorship_not_with_oneself"),
        ]

    def __str__(self):
        return f"{self.mentor} ↔ {self.mentee}"

    def get_absolute_url(self):
        return reverse("mentoring:mentorship", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATUSES

    def other_side(self, user):
        return self.mentee if user.pk == self.mentor_id else self.mentor


class Goal(models.Model):
    """A goal of the mentorship plan ("First shipment to the United States"), with its milestones."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    # The plan template it came from (mentoring.plans): then its title is shown in the reader's language.
    source = models.CharField(max_length=60, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return (self.source and template_text(self.source)) or self.title


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    # "<template key>:<index>" for a milestone made from a plan template (see Goal.source).
    source = models.CharField(max_length=60, blank=True, editable=False)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return (self.source and template_text(self.source)) or self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Session(models.Model):
    """A mentoring session the mentor logged. Only the mentee's confirmation makes it count (and pay)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the mentee's confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    MIN_MINUTES = 5
    MAX_MINUTES = 480

    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="sessions")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    topics = models.JSONField(_("topics"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    dispute_reason = models.TextField(_("what is wrong"), blank=True)
    # Bumped on every change the mentor makes: the mentee's confirmation or dispute names the version the
    # page showed, and a stale one is refused, so nobody confirms minutes they were not shown.
    version = models.PositiveIntegerField(default=1, editable=False)
    logged_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=5, minutes__lte=480), name="session_minutes_between_5_and_480"
            ),
        ]

    def __str__(self):
        return f"{self.date} · {self.minutes} min"

    @property
    def source_ref(self) -> str:
        return f"mentoring.session:{self.pk}"

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels[t]) for t in self.topics if t in labels]


class Feedback(models.Model):
    """What each side thought of the mentorship, given when it ends."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("feedback"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "author"], name="one_feedback_per_side"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.rating}/5 by {self.author_id}"


class OutcomeFollowUp(models.Model):
    """A firm's own report, 3, 6 or 12 months after its mentorship ended: does it export, where, how much.

    Created when the mentorship ends (services.mentorship_end), asked for by `followups_send` once due,
    answered by a member of the firm (editable for FOLLOWUP_EDIT_DAYS) or recorded by a facilitator of
    the mentorship's cluster from a phone call. Every answer or change leaves an OutcomeFollowUpChange.
    """

    class Months(models.IntegerChoices):
        THREE = 3, _("3 months")
        SIX = 6, _("6 months")
        TWELVE = 12, _("12 months")

    class ValueBand(models.TextChoices):
        NONE = "none", _("No exports")
        LT_10K = "lt_10k", _("Less than US$10,000")
        FROM_10K_TO_100K = "10k_100k", _("US$10,000 to 100,000")
        FROM_100K_TO_1M = "100k_1m", _("US$100,000 to 1 million")
        GT_1M = "gt_1m", _("More than US$1 million")

    firm = models.ForeignKey("clusters.Firm", on_delete=models.PROTECT, related_name="outcome_followups")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="followups")
    months = models.PositiveSmallIntegerField(_("months after the mentorship"), choices=Months.choices)
    due_on = models.DateField(_("due"))
    # When the email and the home-page task went out (followups_send); null until then.
    asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    exporting = models.BooleanField(_("exporting now"), null=True, blank=True)
    markets = models.JSONField(_("markets"), default=list, blank=True)  # ISO 3166 alpha-2 codes
    value_band = models.CharField(_("export value in the last 12 months"), max_length=10,
                                  choices=ValueBand.choices, blank=True)
    new_buyers = models.PositiveIntegerField(_("new buyers since the mentorship ended"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    by_phone = models.BooleanField(_("given by phone"), default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("outcome follow-up")
        verbose_name_plural = _("outcome follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "firm", "months"], name="one_followup_per_firm_and_month"),
            models.CheckConstraint(condition=models.Q(months__in=[3, 6, 12]), name="followup_months_3_6_or_12"),
        ]
        indexes = [models.Index(fields=["answered_at"], name="mentoring_followup_answered")]

    def __str__(self):
        return f"{self.firm_id} · {self.months} months · {self.due_on}"

    def get_absolute_url(self):
        return reverse("mentoring:followup", args=[self.pk])

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class OutcomeFollowUpChange(models.Model):
    """One answer or correction of a follow-up, as given: the audit trail. Never updated or deleted."""

    followup = models.ForeignKey(OutcomeFollowUp, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    by_phone = models.BooleanField(default=False)
    # The answer after this change: {"exporting", "markets", "value_band", "new_buyers"}.
    answer = models.JSONField(default=dict)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("follow-up change")
        verbose_name_plural = _("follow-up changes")

    def __str__(self):
        return f"{self.followup_id} at {self.changed_at:%Y-%m-%d %H:%M}"
