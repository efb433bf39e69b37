"""What readiness tells the apps below it, through the hooks they define (see docs/ARCHITECTURE.md)."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from readiness import questionnaire, selectors

GOAL_TITLE = _("Close the gaps found by the export-readiness assessment")


def milestone_text(source: str) -> str | None:
    """The words of a plan goal ("readiness") or milestone ("readiness:compliance") seeded from the gaps,
    in the active language."""
    _prefix, _sep, area_key = source.partition(":")
    if not area_key:
        return str(GOAL_TITLE)
    area = questionnaire.AREAS_BY_KEY.get(area_key)
    return str(area.milestone) if area else None


def firm_panel(*, request, firm, is_member: bool) -> str:
    latest, open_one = selectors.firm_panel_assessment(firm=firm, is_member=is_member)
    if latest is None and not is_member:
        return ""
    return render_to_string(
        "readiness/_firm_panel.html",
        {"latest": latest, "open_one": open_one, "is_member": is_member, "firm": firm},
        request=request,
    )


def connect() -> None:
    from clusters import firm_panels
    from mentoring import gaps

    firm_panels.register("readiness", firm_panel)
    gaps.register(gaps_of=selectors.gap_facts_of, milestone_text=milestone_text)
