"""Readiness' demo world: Ana's firm took the assessment four months ago and again this week (her profile
shows the result), Joana's firm took it once and her new mentorship with Valentina started from its
gaps, and three more coffee firms took it, so the coffee cluster has the five firms an agency needs to
see its aggregate (the other groups show as too small).

Everything goes through the services; a firm that already has a completed assessment is left alone,
so a second run changes nothing.
"""

import datetime

from django.utils import timezone

from clusters.models import User
from mentoring import services as mentoring_services
from mentoring.models import Mentorship
from readiness import questionnaire, services
from readiness.models import Assessment

Y, P, N = questionnaire.YES, questionnaire.PARTLY, questionnaire.NOT_YET


def _answers(product, market, compliance, finance, logistics) -> dict[str, int]:
    rows = {"product": product, "market": market, "compliance": compliance, "finance": finance,
            "logistics": logistics}
    return {question.key: rows[area.key][i] for area in questionnaire.AREAS
            for i, question in enumerate(area.questions)}


ANA_FIRST = _answers((Y, P, P, N), (P, N, N, N), (P, N, N, N), (P, N, N, N), (N, N, P, N))
ANA_RETAKE = _answers((Y, Y, P, Y), (Y, P, P, N), (Y, P, N, P), (Y, Y, P, N), (Y, P, P, N))
JOANA = _answers((Y, Y, Y, P), (P, N, P, N), (Y, N, P, N), (Y, P, N, P), (P, N, Y, N))
OTHERS = {
    "mateo@demo.puente": _answers((Y, Y, Y, Y), (Y, Y, Y, P), (Y, Y, Y, Y), (Y, Y, P, Y), (Y, Y, Y, P)),
    "carmen@demo.puente": _answers((Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, P), (Y, Y, Y, Y)),
    "diego@demo.puente": _answers((Y, Y, P, Y), (Y, Y, P, P), (Y, Y, P, P), (Y, P, P, N), (Y, Y, P, P)),
    "lucia@demo.puente": _answers((Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, P), (Y, Y, Y, Y), (Y, Y, Y, Y)),
}
JOANA_GOAL = ("Quero vender minhas barras de chocolate de origem em lojas de Portugal e dos Estados Unidos; "
              "preciso entender rótulos, registros e como cobrar.")


def _take(user: User, answers: dict[str, int], *, days_ago: int = 0) -> Assessment:
    assessment = services.assessment_start(user=user)
    for step, area in enumerate(questionnaire.AREAS):
        assessment = services.assessment_answer_step(
            assessment=assessment, acting_user=user, step=step,
            answers={q.key: answers[q.key] for q in area.questions},
        )
    if days_ago:
        # Demo only: an assessment taken months ago, so the retake shows progress over time.
        when = timezone.now() - datetime.timedelta(days=days_ago)
        Assessment.objects.filter(pk=assessment.pk).update(started_at=when, completed_at=when)
    return assessment


def _has_taken(user: User) -> bool:
    return Assessment.objects.filter(firm__members__user=user, completed_at__isnull=False).exists()


def seed(stdout) -> None:
    people = {u.email: u for u in User.objects.filter(email__endswith="@demo.puente")}
    ana, joana, valentina = (people.get(e) for e in ("ana@demo.puente", "joana@demo.puente",
                                                      "valentina@demo.puente"))
    if ana and not _has_taken(ana):
        _take(ana, ANA_FIRST, days_ago=120)
        retake = _take(ana, ANA_RETAKE)
        services.assessment_set_sharing(assessment=retake, acting_user=ana, share=True)
    if joana and not _has_taken(joana):
        _take(joana, JOANA)
        if valentina and not Mentorship.objects.filter(mentor=valentina, mentee=joana).exists():
            # Accepted after the assessment: the plan starts with milestones for Joana's largest gaps.
            request = mentoring_services.request_create(aspirant=joana, mentor=valentina, goal=JOANA_GOAL)
            mentoring_services.request_accept(request=request, acting_user=valentina)
    for email, answers in OTHERS.items():
        if email in people and not _has_taken(people[email]):
            _take(people[email], answers, days_ago=30)
    stdout.write(
        f"readiness: {Assessment.objects.filter(completed_at__isnull=False).count()} completed assessments of "
        f"{Assessment.objects.values('firm').distinct().count()} firms"
    )
