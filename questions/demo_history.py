"""A year of demo questions from the firms of mentoring's demo history: each asks in its cluster a few times
over the months it was mentored and after, a mentor of the cluster answers most of them (some within hours,
some after days) and the asker accepts some answers, which the programs pay. Through the services; then,
demo only, dated as if asked and answered then. Found again by cluster and title: a second run adds nothing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from clusters.models import User
from questions import services
from questions.models import Answer, Question

TITLES = [
    "¿Qué documentos pide el importador para el primer embarque?",
    "¿Cómo calculo el precio CIF a partir de mi costo en planta?",
    "¿Qué certificación piden primero los compradores de este mercado?",
    "¿Conviene un agente comercial o vender directo al distribuidor?",
    "¿Cómo cobro de forma segura a un cliente nuevo del exterior?",
]
ANSWER = ("Empieza por pedirle al comprador su lista de requisitos por escrito; luego arma tu hoja de costos "
          "con flete, seguro y aranceles, y compárala con dos cotizaciones.")


def seed(stdout) -> None:
    from clusters.models import Cluster
    from mentoring.demo_history import FIRMS, MENTORS, person

    people = {u.email: u for u in User.objects.filter(email__endswith="@demo.puente")}
    clusters = {c.slug: c for c in Cluster.objects.filter(slug__in=list(MENTORS))}
    today = timezone.localdate()
    created = 0
    for n, row in enumerate(FIRMS):
        asker = person(n, row, clusters)
        mentors = [people[e] for e in MENTORS.get(row[2], []) if e in people]
        membership = asker.memberships.filter(cluster__slug=row[2]).select_related("cluster").first() if asker else None
        if membership is None or not mentors:
            continue
        cluster = membership.cluster
        for k in range(2 + n % 3):
            title = f"{TITLES[(n + k) % len(TITLES)]} ({row[0]})"
            if Question.objects.filter(cluster=cluster, title=title).exists():
                continue
            asked = timezone.make_aware(datetime.datetime.combine(
                today - datetime.timedelta(days=540 - n * 25 - k * 40), datetime.time(9 + k)))
            if asked.date() >= today:
                continue
            try:
                question = services.question_ask(cluster=cluster, author=asker, title=title, language="es")
            except (ValidationError, PermissionDenied):
                continue
            created += 1
            Question.objects.filter(pk=question.pk).update(created_at=asked, last_activity_at=asked)
            if (n + k) % 4 == 3:
                continue  # still waiting for an answer
            mentor = mentors[(n + k) % len(mentors)]
            answered = asked + datetime.timedelta(hours=[3, 8, 20, 52][(n + k) % 4])
            answer = services.answer_post(question=question, author=mentor, body=ANSWER)
            Answer.objects.filter(pk=answer.pk).update(created_at=answered)
            Question.objects.filter(pk=question.pk).update(first_answer_at=answered, last_activity_at=answered)
            if (n + k) % 3 == 0:
                question.refresh_from_db()
                services.answer_accept(question=question, answer=answer, acting_user=asker)
                _date_award(f"questions.answer:{answer.pk}", answered, people.get("rafael@demo.puente"))
    stdout.write(f"questions: a year of history, {created} more questions.")


def _date_award(source_ref: str, when: datetime.datetime, staff: User | None) -> None:
    from incentives.awards import award_approve
    from incentives.models import Award, Transfer

    award = Award.objects.filter(source_ref=source_ref).first()
    if award is None:
        return
    if award.status == Award.Status.PENDING and staff is not None and not award.flag_code:
        award = award_approve(award=award, acting_user=staff, reason="Respuesta revisada.")
    Award.objects.filter(pk=award.pk).update(created_at=when)
    if award.payment_id:
        # The ledger refuses updates through its own queryset; only the demo redates a payment.
        models.QuerySet.update(Transfer.objects.filter(pk=award.payment_id), created_at=when)
