"""A person's export-readiness gaps, as mentoring sees them, from an app above that knows them.

mentoring does not import that app: it registers itself here from its AppConfig.ready()
(`register(gaps_of=..., milestone_text=...)`). Without one registered, nobody has gaps and nothing
changes. The gaps weigh in mentor suggestions (mentoring.matching) and seed a new mentorship's plan
with a milestone per large gap, whose words (source "readiness:<area>") are rendered by the same app
in the reader's language.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Goals and milestones seeded from the gaps carry this source prefix (Goal.source, Milestone.source).
SOURCE = "readiness"


@dataclass(frozen=True)
class GapFact:
    key: str  # the area, e.g. "compliance"
    label: str  # its name in the active language
    severity: float  # 0 (nothing missing) .. 1 (nothing in place)
    topics: frozenset[str]  # clusters.topics.Topic values that help close it


_provider: dict[str, Callable] = {}


def register(*, gaps_of: Callable, milestone_text: Callable) -> None:
    """`gaps_of(user)` -> the person's gaps, largest first (a list of GapFact), in 1 query at most;
    `milestone_text(source)` -> the words of a goal or milestone seeded from them, or None."""
    _provider["gaps_of"] = gaps_of
    _provider["milestone_text"] = milestone_text


def gaps_of(user) -> list[GapFact]:
    provide = _provider.get("gaps_of")
    if provide is None or not user.is_authenticated:
        return []
    return list(provide(user))


def milestone_text(source: str) -> str | None:
    render = _provider.get("milestone_text")
    return render(source) if render else None
