import pytest

from questions import services


@pytest.fixture
def question(ana):
    from clusters.models import Cluster

    coffee = Cluster.objects.get(slug="cafe")
    return services.question_ask(
        cluster=coffee, author=ana, title="¿Qué documentos pide la FDA para café verde?",
        body="Queremos enviar **café verde** a Miami.", language="es", topics=["customs"], target_markets=["US"],
    )


@pytest.fixture
def answer(question, mateo):
    return services.answer_post(question=question, author=mateo, body="Registra la instalación en la FDA y haz el Prior Notice.")
