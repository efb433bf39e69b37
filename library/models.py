"""The knowledge library: entries grown from accepted answers and facilitators' writing, a text per
language, and every edit kept as a version.

An entry's markets and topics use the project's vocabularies (country codes, clusters.topics.Topic),
so that other features (an export-readiness assessment, mentor suggestions) can point at entries by
topic and market without knowing the library's internals.
"""

import html

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from clusters.models import Cluster
from clusters.topics import Topic

TITLE_MAX = 200
SUMMARY_MAX = 2_000
STEPS_MAX = 8_000
SOURCES_MAX = 10


# Attachment.owner_type of an entry's files: those of the answer it grew from (attachments_share).
ENTRY_FILES = "library.entry"


class Language(models.TextChoices):
    ES = "es", "Español"
    PT = "pt", "Português"
    EN = "en", "English"


# The PostgreSQL text-search configurations (library migration 0002): each language's stemmer after
# `unaccent`, so "catacion" finds "catación" and "Certificacao" finds "certificação".
SEARCH_CONFIGS = {Language.ES: "puente_es", Language.PT: "puente_pt", Language.EN: "puente_en"}


class Entry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        OUTDATED = "outdated", _("Outdated")

    class Consent(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        ASKED = "asked", _("Asked")
        GIVEN = "given", _("Given")
        DECLINED = "declined", _("Declined")

    original_language = models.CharField(_("original language"), max_length=2, choices=Language.choices)
    markets = CountryField(_("markets"), multiple=True, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # [{"label": "...", "url": "https://..."}], checked by the services (http(s) URLs only).
    sources = models.JSONField(_("sources"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The accepted answer it grew from (none for a facilitator's own writing), its cluster (whose
    # program pays the library award) and the answer's author, credited by name only with consent.
    source_answer = models.ForeignKey(
        "questions.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="library_entries",
    )
    source_cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="library_entries",
    )
    credit_consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.NOT_NEEDED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    last_checked_on = models.DateField(_("last checked"), default=timezone.localdate)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("library entry")
        verbose_name_plural = _("library entries")
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="entry_status_published"),
            models.Index(fields=["last_checked_on"], name="entry_last_checked"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "outdated"]), name="entry_status_known"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="entry_published_has_date"
            ),
            models.UniqueConstraint(fields=["source_answer"], condition=Q(source_answer__isnull=False),
                                    name="one_entry_per_answer"),
        ]

    def __str__(self):
        return f"entry {self.pk}"

    def get_absolute_url(self):
        return reverse("library:entry", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.OUTDATED)

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels[t]) for t in self.topics if t in labels]

    @property
    def credited(self) -> bool:
        return self.contributor_id is not None and self.credit_consent == self.Consent.GIVEN


class EntryText(models.Model):
    """An entry's words in one language: the original, or a translation a facilitator added."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("plain-language summary"), max_length=SUMMARY_MAX)
    # The summary's Markdown (an entry grown from an answer keeps the answer's) rendered and cleaned on
    # write (clusters.text.render_markdown), as every user text is.
    summary_html = models.TextField(blank=True, editable=False)
    # One step or checklist item per line.
    steps = models.TextField(_("steps or checklist"), blank=True, max_length=STEPS_MAX)
    # Lower case, accents removed (library.search.normalise): the SQLite search and the fallback.
    search_text = models.TextField(editable=False, blank=True)
    # Filled by the services on PostgreSQL only (title above summary above steps, unaccented stems).
    search_vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "language"], name="one_text_per_entry_language")]

    def __str__(self):
        return self.title

    @property
    def summary_plain(self) -> str:
        """The summary as plain words, for a row that shows the start of it (no Markdown marks, no tags)."""
        return " ".join(html.unescape(strip_tags(self.summary_html)).split()) if self.summary_html else self.summary

    @property
    def step_list(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.steps.splitlines() if line.strip(" -*\t")]


class EntryVersion(models.Model):
    """The text of one language of an entry as saved by one edit (versions are never changed)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(max_length=2, choices=Language.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField()
    steps = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "language", "number"], name="one_version_number_per_text"),
        ]

    def __str__(self):
        return f"entry {self.entry_id} {self.language} v{self.number}"

    def as_lines(self) -> list[str]:
        lines = [self.title, "", self.summary, ""]
        lines += self.steps.splitlines()
        lines += [""] + [f"{source.get('label', '')} <{source.get('url', '')}>" for source in self.sources]
        return lines
