from datetime import timedelta

from questions import impact, services
from questions.models import Question


def test_agency_figures_count_asked_answered_accepted_and_the_median_wait(coffee, seafood, ana, mateo, otto):
    first = services.question_ask(cluster=coffee, author=ana, title="¿Cómo calculo el precio FOB del café?")
    second = services.question_ask(cluster=coffee, author=ana, title="¿Qué Incoterm conviene para Japón?")
    services.question_ask(cluster=coffee, author=ana, title="¿Qué feria de café recomiendan en Europa?")
    services.question_ask(cluster=seafood, author=otto, title="How do I register shrimp for the EU market?")
    for question, hours in ((first, 2), (second, 6)):
        answer = services.answer_post(question=question, author=mateo, body="Así")
        Question.objects.filter(pk=question.pk).update(first_answer_at=question.created_at + timedelta(hours=hours))
    services.answer_accept(question=first, answer=first.answers.get(), acting_user=ana)
    assert answer.question_id == second.pk
    figures = impact.qa_figures(cluster_ids=[coffee.pk])
    assert figures == {"asked": 3, "answered": 2, "accepted": 1, "accepted_share_percent": 33,
                       "median_hours_to_first_answer": 4.0}
    assert impact.qa_figures(cluster_ids=[])["asked"] == 0


def test_the_figures_are_registered_on_the_agency_dashboard():
    from incentives import impact as dashboard

    section = dashboard.registered()["questions"]
    assert section.figures is impact.qa_figures
