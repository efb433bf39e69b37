"""Read queries of the library pages, each a fixed number of SQL queries however many entries there are.

Published (and outdated) entries are public: visitors and members of any cluster read them. A draft is
seen only by the person who made it and by those who may curate it (library.services.can_curate);
anyone else gets the same 404 as for a missing entry. Nothing here shows the asker of the question an
entry grew from, and the threads listed beside entries come through questions' own visibility rules.
"""

import datetime
import difflib

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from attachments.models import Attachment
from attachments.selectors import attachments_for
from clusters import access
from clusters.models import User
from library import page_cache, search
from library.models import ENTRY_FILES, SEARCH_CONFIGS, Entry, EntryText, EntryVersion, Language
from library.services import can_curate
from mentoring.models import MentorProfile
from questions import selectors as question_selectors

PUBLIC = (Entry.Status.PUBLISHED, Entry.Status.OUTDATED)
# What a list row shows of a text (library/_entry_row.html).
ROW_TEXT_FIELDS = ("id", "entry_id", "language", "title", "summary", "summary_html")


def reader_language(language: str | None = None) -> str:
    """The library language of the reader's interface language: "pt-br" -> "pt"; "en" otherwise."""
    code = (language or get_language() or "en")[:2].lower()
    return code if code in Language.values else Language.EN


def _attach_text(entry: Entry, language: str) -> Entry:
    """Sets `entry.text` (the reader's language, else the original) and `entry.text_is_fallback`."""
    texts = {text.language: text for text in entry.prefetched_texts}
    entry.text = texts.get(language) or texts.get(entry.original_language) or next(iter(texts.values()), None)
    entry.text_is_fallback = entry.text is not None and entry.text.language != language
    entry.languages = sorted(texts)
    return entry


def _with_texts(entries: QuerySet[Entry], *, fields=None) -> QuerySet[Entry]:
    texts = EntryText.objects.order_by("language")
    if fields:
        texts = texts.only(*fields)
    return entries.prefetch_related(Prefetch("texts", queryset=texts, to_attr="prefetched_texts"))


def _country_q(code: str) -> Q:
    # A multiple CountryField is a comma-separated column: match whole codes only.
    return Q(markets=code) | Q(markets__startswith=f"{code},") | Q(markets__endswith=f",{code}") | Q(
        markets__contains=f",{code},"
    )


def _topic_q(topic: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(topics__contains=[topic])
    return Q(topics__icontains=f'"{topic}"')


def published_entries(*, market: str = "", topic: str = "") -> QuerySet[Entry]:
    """Public entries, newest first, optionally of one market and/or topic (texts not loaded)."""
    entries = Entry.objects.filter(status__in=PUBLIC).order_by("-published_at", "-id")
    if market:
        entries = entries.filter(_country_q(market.upper()))
    if topic:
        entries = entries.filter(_topic_q(topic))
    return entries


def entry_rows(entries, *, language: str | None = None) -> list[Entry]:
    """The entries (a sliced queryset) with their text for a list row: 2 queries."""
    language = reader_language(language)
    rows = list(_with_texts(entries.defer("sources"), fields=ROW_TEXT_FIELDS))
    return [_attach_text(entry, language) for entry in rows]


def may_see_draft(*, user: User, entry: Entry) -> bool:
    if not user.is_authenticated:
        return False
    return entry.created_by_id == user.pk or entry.contributor_id == user.pk or can_curate(user=user, entry=entry)


def entry_for_reader(*, user: User, entry_id: int, language: str | None = None) -> Entry:
    """The entry with its texts and, when credited, its contributor: 2 queries for a public entry
    (1 more for a draft's permission check); Http404 for a draft the reader may not see."""
    try:
        entry = _with_texts(
            Entry.objects.select_related("contributor").defer("contributor__password")
        ).get(pk=entry_id)
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not entry.is_public and not may_see_draft(user=user, entry=entry):
        raise Http404
    return _attach_text(entry, reader_language(language))


def entry_attachments(*, entry: Entry) -> list[Attachment]:
    """The files an entry keeps from the answer it grew from (taken-down ones say so): 1 query, none for
    an entry a facilitator wrote (it has no files)."""
    if entry.source_answer_id is None:
        return []
    return attachments_for(owner_type=ENTRY_FILES, owner_ids=[entry.pk]).get(entry.pk, [])


def entry_readable(user: User, entry_id: int) -> bool:
    """The rule of an entry's files: whoever may read the entry now (everyone for a public entry; for a
    draft, those entry_for_reader shows it to)."""
    entry = Entry.objects.filter(pk=entry_id).only("id", "status", "created_by_id", "contributor_id",
                                                   "source_cluster_id").first()
    return entry is not None and (entry.is_public or may_see_draft(user=user, entry=entry))


def entry_curated_by(user: User, entry_id: int) -> bool:
    """Who may take an entry's files down: its curators."""
    entry = Entry.objects.filter(pk=entry_id).only("id", "source_cluster_id").first()
    return entry is not None and can_curate(user=user, entry=entry)


def entry_url(entry_id: int) -> str:
    return reverse("library:entry", args=[entry_id])


def market_mentors(*, market: str, limit: int = 12) -> list[MentorProfile]:
    """Mentors whose firm exports to the market (as in the mentors' directory): 1 query."""
    return list(
        MentorProfile.objects.filter(user__is_active=True, markets__country=market.upper())
        .select_related("user")
        .only("id", "is_accepting", "user__id", "user__name", "user__email", "user__country")
        .order_by("-is_accepting", "user__name", "pk")
        .distinct()[:limit]
    )


def market_questions(*, user: User, market: str, limit: int = 10):
    """The cluster questions about the market that this reader may read, newest first: 1 query
    (questions' own rules decide what is readable)."""
    questions = question_selectors.questions_readable_by(user=user).select_related("cluster").only(
        "id", "title", "status", "answer_count", "created_at", "cluster_id", "cluster__name", "cluster__slug"
    )
    return list(question_selectors.filter_questions(questions, user=user, market=market.upper())[:limit])


def _count_markets() -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    # values_list gives the stored column: codes joined by commas.
    for markets in Entry.objects.filter(status__in=PUBLIC).values_list("markets", flat=True):
        for code in filter(None, str(markets).split(",")):
            counts[code] = counts.get(code, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def market_summary() -> list[tuple[str, int]]:
    """(country code, number of public entries) for every market with entries, most first: kept in
    the cache under the library's version (library.page_cache), else 1 query over every public entry."""
    return page_cache.kept(("markets",), _count_markets)


# --- Search -------------------------------------------------------------------------------------

SEARCH_LIMIT = 30


def _postgres_query(text: str, alternatives: list[str], config: str) -> SearchQuery:
    query = SearchQuery(text, config=config, search_type="websearch")
    for term in alternatives:
        query |= SearchQuery(term, config=config, search_type="phrase")
    return query


def search_entries(*, text: str, language: str | None = None, limit: int = SEARCH_LIMIT) -> list[Entry]:
    """Public entries matching the query, forgiving accents, case and the language of a trade term
    (library.search), best first: 3 queries."""
    text = " ".join((text or "").split())[:200]
    words = search.words(text)
    if not words:
        return []
    alternatives = search.expansions(text)
    texts = EntryText.objects.filter(entry__status__in=PUBLIC)
    if connection.vendor == "postgresql":
        # A text matches the query of any language's configuration (a GIN index scan each), and is ranked
        # with its own language's (the one its vector was made with): a third of the ranking work per row.
        condition, ranks = Q(), []
        for text_language, config in SEARCH_CONFIGS.items():
            query = _postgres_query(text, alternatives, config)
            condition |= Q(search_vector=query)
            ranks.append(When(language=text_language, then=SearchRank(F("search_vector"), query)))
        ranked = (
            texts.filter(condition).annotate(rank=Case(*ranks, output_field=FloatField()))
            .order_by("-rank", "-entry_id").values_list("entry_id", flat=True)[: limit * 3]
        )
    else:
        condition = Q()
        for word in words[:8]:
            condition &= Q(search_text__contains=word)
        for term in alternatives:
            condition |= Q(search_text__contains=term)
        ranked = texts.filter(condition).order_by("-entry_id").values_list("entry_id", flat=True)[: limit * 3]
    ids = list(dict.fromkeys(ranked))[:limit]
    if not ids:
        return []
    by_id = {entry.pk: entry for entry in entry_rows(Entry.objects.filter(pk__in=ids), language=language)}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_threads(*, user: User, text: str, limit: int = 10) -> list:
    """Q&A threads the reader may read that match the query (questions' own search): 1 query."""
    return list(question_selectors.search_questions(user=user, text=text)[:limit])


# --- Curation -----------------------------------------------------------------------------------


def drafts_for_curator(*, user: User) -> QuerySet[Entry]:
    entries = Entry.objects.filter(status=Entry.Status.DRAFT).order_by("-created_at", "-id")
    if user.is_superuser:
        return entries
    facilitated = access.facilitated_cluster_ids(user)
    return entries.filter(Q(source_cluster_id__in=facilitated) | Q(source_cluster__isnull=True) | Q(created_by=user))


def due_for_review(*, months: int = 12, today: datetime.date | None = None) -> QuerySet[Entry]:
    """Public entries last checked more than `months` months ago, oldest first."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=round(months * 30.44))
    return Entry.objects.filter(status__in=PUBLIC, last_checked_on__lt=cutoff).order_by("last_checked_on", "id")


def consent_requests(*, user: User) -> QuerySet[Entry]:
    if not user.is_authenticated:
        return Entry.objects.none()
    return Entry.objects.filter(contributor=user, credit_consent=Entry.Consent.ASKED)


def entry_versions(*, entry: Entry) -> QuerySet[EntryVersion]:
    return EntryVersion.objects.filter(entry=entry).select_related("editor").order_by("language", "-number")


def version_diff(*, entry: Entry, language: str, number: int) -> tuple[EntryVersion, EntryVersion | None, list]:
    """A version, the one before it (None for the first) and their differences as (kind, line) rows,
    kind being "add", "remove", "same" or "skip" (difflib's unified diff): 1 query."""
    versions = list(
        EntryVersion.objects.filter(entry=entry, language=language, number__in=[number, number - 1])
        .select_related("editor").order_by("number")
    )
    if not versions or versions[-1].number != number:
        raise Http404
    new = versions[-1]
    old = versions[0] if len(versions) == 2 else None
    before = old.as_lines() if old else []
    rows = []
    for line in list(difflib.unified_diff(before, new.as_lines(), lineterm="", n=2))[2:]:
        if line.startswith("@@"):
            rows.append(("skip", "…"))
        elif line.startswith("+"):
            rows.append(("add", line[1:]))
        elif line.startswith("-"):
            rows.append(("remove", line[1:]))
        else:
            rows.append(("same", line[1:]))
    return new, old, rows
