import datetime
from datetime import timedelta

from django.utils import timezone

from incentives import impact as dashboard
from questions import impact, services
from questions.models import Question


def scope(agency, clusters, days=7):
    today = timezone.localdate()
    return dashboard.Scope(agency=agency, start=today - datetime.timedelta(days=days - 1), end=today,
                           cluster_ids=tuple(c.pk for c in clusters))


def test_agency_indicators_count_asked_answered_and_the_median_wait(
    agency, coffee, seafood, ana, mateo, otto, no_rate_limits
):
    asked = [services.question_ask(cluster=coffee, author=ana, title=f"¿Cómo calculo el precio FOB del lote {n}?")
             for n in range(12)]
    services.question_ask(cluster=seafood, author=otto, title="How do I register shrimp for the EU market?")
    for n, question in enumerate(asked[:10]):
        services.answer_post(question=question, author=mateo, body="Así")
        Question.objects.filter(pk=question.pk).update(first_answer_at=question.created_at + timedelta(hours=n + 1))
    provided = impact.provide(scope(agency, [coffee]))
    items = {item.key: item for item in provided if isinstance(item, dashboard.Indicator)}
    assert items["questions_asked"].value == 12
    assert (items["questions_answered"].value, items["questions_answered"].denominator) == (10, 12)
    assert items["time_to_first_answer"].value == 5.5  # the median of 1..10 hours
    series = [item for item in provided if isinstance(item, dashboard.Series)]
    assert sum(series[0].values.values()) == 12  # the weekly series
    nothing = impact.provide(scope(agency, []))
    assert [i.value for i in nothing if isinstance(i, dashboard.Indicator) and i.key == "questions_asked"] == [0]


def test_the_indicators_are_registered_on_the_agency_dashboard():
    assert dashboard.registered()["questions"] is impact.provide
