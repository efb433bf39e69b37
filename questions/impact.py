"""Q&A's indicators for an export-promotion agency's impact page, scoped to the agency's clusters.
Registered with incentives.impact from QuestionsConfig.ready(); 2 queries however many questions."""

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from questions.models import Question


def _in_country(country: str) -> Q:
    return Q(author__firm_member__firm__country=country) | Q(author__firm_member__isnull=True, author__country=country)


class _MedianDuration(Aggregate):
    """PostgreSQL's median of an interval (percentile_cont accepts intervals)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _answered_and_median_wait(answered) -> tuple[int, float | None]:
    """How many of the questions were answered and the median hours to their first answer: 1 query. PostgreSQL
    computes the median itself (one row back instead of one per question); other databases send the waits."""
    wait = ExpressionWrapper(F("first_answer_at") - F("created_at"), DurationField())
    if connection.vendor == "postgresql":
        row = answered.aggregate(count=Count("pk"), median=_MedianDuration(wait))
        return row["count"], row["median"].total_seconds() / 3600 if row["median"] is not None else None
    waits = sorted(delay.total_seconds() / 3600 for delay in answered.values_list(wait, flat=True))
    if not waits:
        return 0, None
    mid = len(waits) // 2
    return len(waits), waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2


def provide(scope) -> list:
    from incentives.impact import SMALL_N, Indicator, Reached, Series

    questions = Question.objects.filter(cluster_id__in=scope.cluster_ids)
    if scope.country:
        questions = questions.filter(_in_country(scope.country))
    per_bucket = {
        bucket: row["asked"]
        for bucket, row in scope.bucketed(scope.where(questions, "created_at", both=True)
                                          .annotate(bucket=scope.bucket("created_at")).values("bucket")
                                          .annotate(asked=Count("pk")).order_by()).items()
    }
    current = set(scope.buckets())
    asked = sum(v for bucket, v in per_bucket.items() if bucket in current)
    in_period = scope.where(questions, "created_at")
    answered, median = _answered_and_median_wait(in_period.filter(first_answer_at__isnull=False))
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
