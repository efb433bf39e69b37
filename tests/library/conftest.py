"""Library fixtures: a coffee-cluster question with mateo's accepted answer, a funded program with a
library rate, and entries made through the services."""

import datetime

import pytest
from django.utils import timezone

from incentives import services as incentive_services
from library import services
from questions import services as question_services


@pytest.fixture
def question(ana, coffee):
    return question_services.question_ask(
        cluster=coffee, author=ana, title="¿Qué documentos pide la FDA para café verde?",
        body="Queremos enviar café verde a Miami; somos Café Montaña Lenca.", language="es", topics=["customs"],
        target_markets=["US"],
    )


@pytest.fixture
def accepted(question, mateo, ana):
    answer = question_services.answer_post(question=question, author=mateo,
                                           body="Registra la instalación en la FDA y haz el Prior Notice.")
    question_services.answer_accept(question=question, answer=answer, acting_user=ana)
    answer.refresh_from_db()
    return answer


@pytest.fixture
def funded(agency, coffee, rafael):
    program = incentive_services.program_create(
        agency=agency, acting_user=rafael, name="Biblioteca 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000, rate_library_entry=120,
        auto_approve=True,
    )
    incentive_services.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program


def write(author, *, language="es", title="Catación SCA para tostadores en Alemania",
          summary="Los tostadores compran por puntaje de catación.", steps="Envía muestras\nIncluye el puntaje",
          markets=("DE",), topics=("market-entry",), publish=True):
    entry = services.entry_write(acting_user=author, language=language, title=title, summary=summary, steps=steps,
                                 markets=list(markets), topics=list(topics),
                                 sources=[{"label": "SCA", "url": "https://sca.coffee/"}])
    if publish:
        services.entry_publish(entry=entry, acting_user=author)
    return entry
