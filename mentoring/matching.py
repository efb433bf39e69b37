"""Suggesting mentors to an aspirant: an explainable score.

Everything here is a pure function over plain data (the dataclasses below); the selectors turn model
rows into these facts, so the ranking can be tested without a database and reasoned about on paper.

A suggestion's score is a sum of parts, each a weight (from settings.PUENTE_MATCH_WEIGHTS) times a
fraction between 0 and 1:

- sector: the mentor works in the aspirant's sector (1 or 0);
- market: the share of the aspirant's target markets the mentor already exports to;
- language: the mentor speaks the aspirant's language (1 or 0);
- topic: the share of the aspirant's topics the mentor knows;
- places: the share of the mentor's places still free;
- responsiveness: 1 for a first answer within a day, falling to 0 at a week; unknown counts 0;
- gaps: the share of the aspirant's export-readiness gaps (weighted by how large each is) that the
  mentor's topics of expertise address (mentoring.gaps; none without an assessment).

Every part that adds to the score also adds a reason in words, so the person sees why.
Missing data (no needs, no markets, no language) simply adds nothing; it never fails.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.topics import Topic
from mentoring.gaps import GapFact

DEFAULT_WEIGHTS: dict[str, float] = {
    "sector": 3.0,
    "market": 4.0,
    "language": 2.0,
    "topic": 2.0,
    "places": 1.0,
    "responsiveness": 1.0,
    "gaps": 3.0,
}

# A first answer within this many hours is as good as it gets; at SLOW_HOURS it is worth nothing.
FAST_HOURS = 24
SLOW_HOURS = 7 * 24
MAX_MARKET_REASONS = 2
MAX_TOPIC_REASONS = 3
MAX_GAP_REASONS = 2


def language_name(code: str) -> str:
    return {"es": _("Spanish"), "pt-br": _("Portuguese"), "pt": _("Portuguese"), "en": _("English")}.get(code, code)


@dataclass(frozen=True)
class MarketFact:
    country: str
    country_name: str
    since_year: int | None = None


@dataclass(frozen=True)
class MentorFacts:
    user_id: int
    name: str = ""
    sector_ids: frozenset[int] = frozenset()
    markets: tuple[MarketFact, ...] = ()
    topics: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    capacity: int = 0
    active_mentees: int = 0
    response_median_hours: int | None = None
    is_accepting: bool = True

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.active_mentees, 0)


@dataclass(frozen=True)
class NeedsFacts:
    sector_id: int | None = None
    sector_name: str = ""
    target_markets: tuple[str, ...] = ()
    topics: frozenset[str] = frozenset()
    language: str = ""
    gaps: tuple[GapFact, ...] = ()  # the largest first


@dataclass(frozen=True)
class Match:
    mentor: MentorFacts
    score: float
    reasons: tuple[str, ...] = field(default=())
    parts: Mapping[str, float] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        return " · ".join(self.reasons)


def current_weights() -> dict[str, float]:
    """The default weights, overridden key by key by settings.PUENTE_MATCH_WEIGHTS."""
    configured = settings.PUENTE_MATCH_WEIGHTS
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in configured.items():
        if key in weights:
            weights[key] = float(value)
    return weights


def _market_reason(market: MarketFact, what: str) -> str:
    if what and market.since_year:
        return _("exports %(what)s to %(country)s since %(year)s") % {
            "what": what, "country": market.country_name, "year": market.since_year}
    if what:
        return _("exports %(what)s to %(country)s") % {"what": what, "country": market.country_name}
    if market.since_year:
        return _("exports to %(country)s since %(year)s") % {"country": market.country_name, "year": market.since_year}
    return _("exports to %(country)s") % {"country": market.country_name}


def _responsiveness_fraction(hours: int | None) -> float:
    if hours is None:
        return 0.0
    if hours <= FAST_HOURS:
        return 1.0
    if hours >= SLOW_HOURS:
        return 0.0
    return (SLOW_HOURS - hours) / (SLOW_HOURS - FAST_HOURS)


def score(needs: NeedsFacts | None, mentor: MentorFacts, weights: Mapping[str, float] | None = None) -> Match:
    """Scores one mentor for one aspirant and says why."""
    weights = current_weights() if weights is None else {**DEFAULT_WEIGHTS, **weights}
    needs = needs or NeedsFacts()
    parts: dict[str, float] = {}
    reasons: list[str] = []

    same_sector = needs.sector_id is not None and needs.sector_id in mentor.sector_ids
    if same_sector:
        parts["sector"] = weights["sector"]

    targets = list(dict.fromkeys(needs.target_markets))
    if targets:
        by_country = {m.country: m for m in mentor.markets}
        matched = [by_country[code] for code in targets if code in by_country]
        if matched:
            parts["market"] = weights["market"] * len(matched) / len(targets)
            # The longest experience first: it is the most convincing reason.
            matched.sort(key=lambda m: (m.since_year is None, m.since_year or 0, m.country))
            what = needs.sector_name.lower() if same_sector else ""
            reasons.extend(_market_reason(m, what) for m in matched[:MAX_MARKET_REASONS])
    if same_sector and "market" not in parts:
        reasons.append(_("works in %(sector)s") % {"sector": needs.sector_name.lower() or _("your sector")})

    if needs.language and needs.language in mentor.languages:
        parts["language"] = weights["language"]
        reasons.append(_("speaks %(language)s") % {"language": language_name(needs.language)})

    if needs.topics:
        shared = sorted(needs.topics & mentor.topics)
        if shared:
            parts["topic"] = weights["topic"] * len(shared) / len(needs.topics)
            labels = dict(Topic.choices)
            names = [str(labels.get(t, t)) for t in shared[:MAX_TOPIC_REASONS]]
            reasons.append(_("knows %(topics)s") % {"topics": ", ".join(names)})

    total_severity = sum(gap.severity for gap in needs.gaps)
    if total_severity > 0:
        covered = [gap for gap in needs.gaps if gap.topics & mentor.topics]
        if covered:
            parts["gaps"] = weights["gaps"] * sum(gap.severity for gap in covered) / total_severity
            names = ", ".join(gap.label for gap in covered[:MAX_GAP_REASONS])
            reasons.append(_("knows what your gaps in %(areas)s need") % {"areas": names.lower()})

    if mentor.capacity > 0 and mentor.places_left > 0:
        parts["places"] = weights["places"] * mentor.places_left / mentor.capacity
        reasons.append(
            ngettext("%(free)s of %(capacity)s place free", "%(free)s of %(capacity)s places free", mentor.capacity)
            % {"free": mentor.places_left, "capacity": mentor.capacity}
        )

    fraction = _responsiveness_fraction(mentor.response_median_hours)
    if fraction > 0:
        parts["responsiveness"] = weights["responsiveness"] * fraction
        hours = mentor.response_median_hours or 0
        if hours <= FAST_HOURS:
            reasons.append(_("usually answers within a day"))
        else:
            days = -(-hours // 24)
            reasons.append(ngettext("usually answers within %(days)s day", "usually answers within %(days)s days",
                                    days) % {"days": days})

    total = round(sum(parts.values()), 6)
    return Match(mentor=mentor, score=total, reasons=tuple(reasons), parts=parts)


def _tie_break_key(match: Match):
    mentor = match.mentor
    hours = mentor.response_median_hours
    return (
        -match.score,
        -mentor.places_left,
        hours is None,
        hours or 0,
        mentor.name.casefold(),
        mentor.user_id,
    )


def rank(
    needs: NeedsFacts | None,
    mentors: Iterable[MentorFacts],
    *,
    weights: Mapping[str, float] | None = None,
    exclude_user_ids: Iterable[int] = (),
    limit: int | None = None,
) -> list[Match]:
    """The mentors who can take someone now, best first.

    Mentors without a free place or not accepting are left out (the aspirant could not ask them);
    so are the excluded ids (the aspirant themself, mentors already asked). Ties are broken by more
    free places, then faster answers, then name and id, so the order never depends on input order.
    """
    weights = current_weights() if weights is None else weights
    excluded = set(exclude_user_ids)
    matches = [
        score(needs, mentor, weights)
        for mentor in mentors
        if mentor.is_accepting and mentor.places_left > 0 and mentor.user_id not in excluded
    ]
    matches.sort(key=_tie_break_key)
    return matches if limit is None else matches[:limit]
