"""Q&A's indicators for an export-promotion agency's impact page, scoped to the agency's clusters.
Registered with incentives.impact from QuestionsConfig.ready(); 2 queries however many questions."""

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from questions.models import Question


def _in_country(country: str) -> Q:
    return Q(author__firm_member__firm__country=country) | Q(author__firm_member__isnull=True, author__country=country)


def provide(scope) -> list:
    from incentives.impact import SMALL_N, Indicator, Reached, Series

    questions = Question.objects.filter(cluster_id__in=scope.cluster_ids)
    if scope.country:
        questions = questions.filter(_in_country(scope.country))
    per_bucket = {
        row["bucket"]: row["asked"]
        for row in scope.where(questions, "created_at", both=True)
        .annotate(bucket=scope.trunc("created_at")).values("bucket").annotate(asked=Count("pk")).order_by()
    }
    current = set(scope.buckets())
    asked = sum(v for bucket, v in per_bucket.items() if bucket in current)
    in_period = scope.where(questions, "created_at")
    waits = sorted(delay.total_seconds() / 3600 for delay in in_period.filter(first_answer_at__isnull=False)
                   .values_list(ExpressionWrapper(F("first_answer_at") - F("created_at"), DurationField()), flat=True))
    answered = len(waits)
    median = None
    if waits:
        mid = len(waits) // 2
        median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
    return [
        Indicator(section="questions", key="questions_asked", label=_("Questions asked"),
                  definition=_("Questions posted in the period in the clusters shown."),
                  value=asked, unit=_("questions"), unit_one=_("question")),
        Indicator(section="questions", key="questions_answered", label=_("Share answered"),
                  definition=_("Questions asked in the period that have at least one answer now."),
                  value=answered, denominator=asked, base=_("questions asked"), rate=True, unit=_("questions"), unit_one=_("question")),
        Indicator(section="questions", key="time_to_first_answer", label=_("Time to first answer"),
                  definition=_("Median hours from a question to its first answer, over the answered questions."),
                  value=round(median, 1) if median is not None and answered >= SMALL_N else None,
                  denominator=answered, base=_("questions answered"), unit=_("hours"), unit_one=_("hour"),
                  note="" if answered >= SMALL_N else _("Too few answered questions for a median.")),
        Series(section="questions", key="questions_asked", label=_("Questions asked"), unit=_("questions"),
               values=per_bucket),
        Reached(firm_ids=in_period.filter(author__firm_member__isnull=False).values("author__firm_member__firm_id")),
    ]


def register() -> None:
    """Adds the Q&A indicators to the agency's impact page, if the incentives app offers the extension point."""
    try:
        from incentives import impact
    except ImportError:
        return
    register_section = getattr(impact, "register", None)
    if register_section is not None:
        register_section("questions", provide=provide)
