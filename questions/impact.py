"""Q&A's figures for an export-promotion agency's impact dashboard, scoped to the agency's clusters.
Registered with incentives.impact from QuestionsConfig.ready(); 2 queries however many questions."""

import statistics

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from questions.models import Question

LABEL = _("Questions and answers")


def qa_figures(*, cluster_ids, since=None) -> dict:
    questions = Question.objects.filter(cluster_id__in=list(cluster_ids))
    if since is not None:
        questions = questions.filter(created_at__gte=since)
    counts = questions.aggregate(
        asked=Count("pk"),
        answered=Count("pk", filter=Q(answer_count__gt=0)),
        accepted=Count("pk", filter=Q(accepted_answer__isnull=False)),
    )
    waits = [
        (answered - asked).total_seconds() / 3600
        for asked, answered in questions.filter(first_answer_at__isnull=False).values_list(
            "created_at", "first_answer_at"
        )
    ]
    asked = counts["asked"]
    return {
        "asked": asked,
        "answered": counts["answered"],
        "accepted": counts["accepted"],
        "accepted_share_percent": round(100 * counts["accepted"] / asked) if asked else 0,
        "median_hours_to_first_answer": round(statistics.median(waits), 1) if waits else None,
    }


def register() -> None:
    """Adds the Q&A figures to the agency dashboard, if the incentives app offers the extension point."""
    try:
        from incentives import impact
    except ImportError:
        return
    register_section = getattr(impact, "register", None)
    if register_section is not None:
        register_section("questions", label=LABEL, figures=qa_figures)
