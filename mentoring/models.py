from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from clusters.models import LANGUAGE_CHOICES, Sector
from clusters.topics import Topic


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
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("mentor profile")
        verbose_name_plural = _("mentor profiles")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__lte=50), name="mentor_capacity_at_most_50"),
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


class MentorMarket(models.Model):
    """A market the mentor's firm exports to, and since when."""

    profile = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="markets")
    country = CountryField(_("country"))
    since_year = models.PositiveSmallIntegerField(_("exporting there since"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "country"], name="one_row_per_mentor_market")]
        ordering = ["since_year", "country"]


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
