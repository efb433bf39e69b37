"""A firm's export-readiness assessments: one in progress at most, any number completed (a retake is a
new assessment, so the firm sees its progress per area over time)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Firm
from readiness import questionnaire


class Assessment(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="readiness_assessments")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    # Saved after every step, so the person can stop on a phone and go on later.
    answers = models.JSONField(default=dict, blank=True)
    step = models.PositiveSmallIntegerField(default=0)  # the next step to answer (0 .. STEPS-1)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Per area, in percent; set once, when the assessment is completed.
    scores = models.JSONField(default=dict, blank=True)
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    # The firm's consent to show its level and gaps on its public profile (carried over to a retake).
    share_on_profile = models.BooleanField(_("show the result on the firm's profile"), default=False)

    class Meta:
        ordering = ["-completed_at", "-id"]
        verbose_name = _("readiness assessment")
        verbose_name_plural = _("readiness assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["firm"], condition=Q(completed_at__isnull=True), name="one_open_assessment_per_firm"
            ),
            models.CheckConstraint(condition=Q(step__lte=questionnaire.STEPS), name="assessment_step_in_range"),
        ]
        indexes = [models.Index(fields=["firm", "-completed_at"], name="assessment_firm_completed")]

    def __str__(self):
        return f"{self.firm_id} {self.completed_at or 'open'}"

    def get_absolute_url(self):
        return reverse("readiness:result", args=[self.pk])

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def level(self) -> str:
        return questionnaire.level(self.overall or 0)[1]

    @property
    def gaps(self) -> list[questionnaire.Gap]:
        return questionnaire.gaps(self.answers, self.scores or None)

    @property
    def area_rows(self) -> list[tuple[questionnaire.Area, int]]:
        return [(area, self.scores.get(area.key, 0)) for area in questionnaire.AREAS]
