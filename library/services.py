"""Every write of the library: proposing an entry from an accepted answer, writing one, editing,
translating, publishing, marking outdated, re-checking, and the contributor's consent to be named.

Who may do what (docs/LIBRARY.md):
- propose from an accepted answer: a facilitator or mentor of the answer's cluster (or a superuser);
- write, edit, translate, publish, mark outdated, mark checked: a facilitator of any active cluster
  (for an entry from an answer, of that answer's cluster) or a superuser;
- give or decline consent to be named: the answer's author only.
"""

import datetime

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Max, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from attachments import services as attachment_services
from clusters import access
from clusters.models import User
from clusters.text import render_markdown
from clusters.topics import Topic
from library import credits, page_cache
from library.models import (
    ENTRY_FILES,
    SEARCH_CONFIGS,
    SOURCES_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Entry,
    EntryText,
    EntryVersion,
    Language,
)
from library.search import normalise
from questions.models import Answer
from questions.selectors import ANSWER_FILES

# --- Who may ---------------------------------------------------------------------------------------


def can_curate(*, user: User, entry: Entry | None = None) -> bool:
    """A facilitator (of the entry's source cluster, when it has one; else of any cluster) or a superuser."""
    if entry is not None and entry.source_cluster_id is not None:
        return access.may_facilitate_id(user=user, cluster_id=entry.source_cluster_id)
    return access.facilitates_any(user=user)


def can_propose(*, user: User, answer: Answer) -> bool:
    """A mentor or facilitator of the answer's cluster, or a superuser."""
    return access.may_mentor(user=user, cluster=answer.question.cluster)


def _require_curator(user: User, entry: Entry | None = None) -> None:
    if not can_curate(user=user, entry=entry):
        raise PermissionDenied(_("Only a facilitator can do this in the library."))


# --- Cleaning --------------------------------------------------------------------------------------


def _clean_text(*, title: str, summary: str, steps: str) -> tuple[str, str, str]:
    title, summary, steps = (title or "").strip(), (summary or "").strip(), (steps or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationError(_("Give the entry a title of at most %(n)s characters.") % {"n": TITLE_MAX},
                              code="title")
    if not summary or len(summary) > SUMMARY_MAX:
        raise ValidationError(_("Write a summary of at most %(n)s characters.") % {"n": SUMMARY_MAX},
                              code="summary")
    return title, summary, steps


def _clean_language(language: str) -> str:
    if language not in Language.values:
        raise ValidationError(_("Choose a language."), code="language")
    return language


def _clean_topics(topics) -> list[str]:
    return [t for t in dict.fromkeys(topics or []) if t in Topic.values]


def _clean_markets(markets) -> list[str]:
    from django_countries import countries

    return [m for m in dict.fromkeys(code.upper() for code in markets or []) if m in countries]


_url = URLValidator(schemes=["https", "http"])


def _clean_sources(sources) -> list[dict]:
    """[{"label", "url"}], each URL a valid http(s) address (links to official rules)."""
    cleaned = []
    for source in sources or []:
        label, url = (source.get("label") or "").strip()[:200], (source.get("url") or "").strip()
        if not url:
            continue
        try:
            _url(url)
        except ValidationError:
            raise ValidationError(_("“%(url)s” is not a web address.") % {"url": url[:100]}, code="sources") from None
        cleaned.append({"label": label or url, "url": url})
    if len(cleaned) > SOURCES_MAX:
        raise ValidationError(_("At most %(n)s sources.") % {"n": SOURCES_MAX}, code="sources")
    return cleaned


# --- Writing the text ------------------------------------------------------------------------------


def _index(text: EntryText) -> None:
    if connection.vendor != "postgresql":
        return
    config = Value(SEARCH_CONFIGS[text.language])
    EntryText.objects.filter(pk=text.pk).update(
        search_vector=SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("steps", weight="C", config=config)
    )


def _save_text(*, entry: Entry, language: str, title: str, summary: str, steps: str, editor: User) -> EntryText:
    """Writes the text of one language and keeps it as the next version (nothing when unchanged)."""
    title, summary, steps = _clean_text(title=title, summary=summary, steps=steps)
    text = EntryText.objects.filter(entry=entry, language=language).first()
    if text is not None and (text.title, text.summary, text.steps) == (title, summary, steps):
        last = entry.versions.filter(language=language).order_by("-number").first()
        if last is not None and last.sources == entry.sources:
            return text
    if text is None:
        text = EntryText(entry=entry, language=language)
    text.title, text.summary, text.steps = title, summary, steps
    text.summary_html = render_markdown(summary)
    text.search_text = normalise(" ".join([title, summary, steps]))
    text.updated_at = timezone.now()
    text.save()
    _index(text)
    number = (entry.versions.filter(language=language).aggregate(n=Max("number"))["n"] or 0) + 1
    EntryVersion.objects.create(entry=entry, language=language, number=number, title=title, summary=summary,
                                steps=steps, sources=entry.sources, editor=editor)
    library_changed()
    return text


def entry_files_changed(sender, attachment, **kwargs) -> None:
    """A file of an entry was taken down (attachments.signals.attachment_removed): pages kept with it go."""
    if attachment.owner_type == ENTRY_FILES:
        library_changed()


def library_changed() -> None:
    page_cache.changed()


def _lock(entry: Entry) -> Entry:
    return Entry.objects.select_for_update().get(pk=entry.pk)


# --- The services ----------------------------------------------------------------------------------


@transaction.atomic
def entry_propose(*, answer: Answer, acting_user: User) -> Entry:
    """A draft grown from an accepted answer, in one step: the question's title and topics and markets,
    the answer as its text and its files (the same stored files, shown under the entry: they stay with
    it whatever happens to the answer later). Proposing the same answer again returns the existing entry."""
    answer = Answer.objects.select_related("question", "question__cluster", "author").get(pk=answer.pk)
    question = answer.question
    if not can_propose(user=acting_user, answer=answer):
        raise PermissionDenied(_("Only a facilitator or mentor of the cluster can propose a library entry."))
    if question.accepted_answer_id != answer.pk:
        raise ValidationError(_("Only an accepted answer can become a library entry."), code="not_accepted")
    existing = Entry.objects.filter(source_answer=answer).first()
    if existing is not None:
        return existing
    own = answer.author_id == acting_user.pk
    entry = Entry.objects.create(
        original_language=question.language if question.language in Language.values else Language.ES,
        markets=list(question.target_markets), topics=list(question.topics), source_answer=answer,
        source_cluster=question.cluster, contributor=answer.author,
        credit_consent=Entry.Consent.GIVEN if own else Entry.Consent.ASKED, created_by=acting_user,
    )
    # The asker is never named: the entry starts from the question's title and the answer alone.
    _save_text(entry=entry, language=entry.original_language, title=question.title[:TITLE_MAX],
               summary=answer.body[:SUMMARY_MAX], steps="", editor=acting_user)
    attachment_services.attachments_share(from_owner_type=ANSWER_FILES, from_owner_id=answer.pk,
                                          to_owner_type=ENTRY_FILES, to_owner_id=entry.pk)
    return entry


@transaction.atomic
def entry_write(*, acting_user: User, language: str, title: str, summary: str, steps: str = "",
                markets=(), topics=(), sources=()) -> Entry:
    """A facilitator's own entry, as a draft."""
    _require_curator(acting_user)
    entry = Entry.objects.create(
        original_language=_clean_language(language), markets=_clean_markets(markets), topics=_clean_topics(topics),
        sources=_clean_sources(sources), created_by=acting_user,
    )
    _save_text(entry=entry, language=entry.original_language, title=title, summary=summary, steps=steps,
               editor=acting_user)
    return entry


@transaction.atomic
def entry_edit(*, entry: Entry, acting_user: User, language: str, title: str, summary: str, steps: str = "",
               markets=None, topics=None, sources=None) -> Entry:
    """Edits (or adds, for a new language: a translation) the text of one language, and the entry's
    markets, topics and sources when given. Every change is kept as a version."""
    entry = _lock(entry)
    _require_curator(acting_user, entry)
    language = _clean_language(language)
    fields = []
    if markets is not None:
        entry.markets, fields = _clean_markets(markets), [*fields, "markets"]
    if topics is not None:
        entry.topics, fields = _clean_topics(topics), [*fields, "topics"]
    if sources is not None:
        entry.sources, fields = _clean_sources(sources), [*fields, "sources"]
    if fields:
        entry.save(update_fields=fields)
        library_changed()
    _save_text(entry=entry, language=language, title=title, summary=summary, steps=steps, editor=acting_user)
    return entry


def entry_translate(*, entry: Entry, acting_user: User, language: str, title: str, summary: str,
                    steps: str = "") -> Entry:
    return entry_edit(entry=entry, acting_user=acting_user, language=language, title=title, summary=summary,
                      steps=steps)


@transaction.atomic
def entry_publish(*, entry: Entry, acting_user: User) -> Entry:
    """Publishes a draft (or re-publishes an outdated entry). The first publication of an entry built
    from a member's answer pays its author a library award (once: the award service keeps one live
    award per entry)."""
    entry = _lock(entry)
    _require_curator(acting_user, entry)
    if entry.status == Entry.Status.PUBLISHED:
        return entry
    entry.status = Entry.Status.PUBLISHED
    entry.published_at = entry.published_at or timezone.now()
    entry.last_checked_on = timezone.localdate()
    entry.save(update_fields=["status", "published_at", "last_checked_on"])
    library_changed()
    if entry.contributor_id is not None:
        title = entry.texts.filter(language=entry.original_language).values_list("title", flat=True).first() or ""
        credits.library_entry_grant(entry=entry, title=title, acting_user=acting_user)
    return entry


@transaction.atomic
def entry_mark_outdated(*, entry: Entry, acting_user: User) -> Entry:
    entry = _lock(entry)
    _require_curator(acting_user, entry)
    if entry.status != Entry.Status.PUBLISHED:
        raise ValidationError(_("Only a published entry can be marked outdated."), code="status")
    entry.status = Entry.Status.OUTDATED
    entry.save(update_fields=["status"])
    library_changed()
    return entry


@transaction.atomic
def entry_mark_checked(*, entry: Entry, acting_user: User, on: datetime.date | None = None) -> Entry:
    """A facilitator checked the entry against its sources today: it leaves the review queue."""
    entry = _lock(entry)
    _require_curator(acting_user, entry)
    entry.last_checked_on = on or timezone.localdate()
    entry.save(update_fields=["last_checked_on"])
    library_changed()
    return entry


@transaction.atomic
def entry_consent(*, entry: Entry, acting_user: User, given: bool) -> Entry:
    """The answer's author agrees (or not) to be named on the entry."""
    entry = _lock(entry)
    if entry.contributor_id is None or entry.contributor_id != acting_user.pk:
        raise PermissionDenied(_("Only the author of the answer can decide this."))
    entry.credit_consent = Entry.Consent.GIVEN if given else Entry.Consent.DECLINED
    entry.save(update_fields=["credit_consent"])
    library_changed()
    return entry
