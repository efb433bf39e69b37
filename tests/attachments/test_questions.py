"""Files on questions and answers: posted through their forms, shown on the page, downloaded only by
those who may read the question."""

import pytest
from django.urls import reverse

from attachments.models import Attachment
from clusters.models import ClusterMembership
from questions import services
from questions.models import Answer, Question
from tests.attachments import files as f


@pytest.fixture
def question(coffee, ana):
    return services.question_ask(cluster=coffee, author=ana, title="¿Qué certificado pide Alemania para café verde?",
                                 files=[f.upload("certificado.pdf", f.pdf())])


def test_asking_with_a_file_through_the_form(client, coffee, ana):
    client.force_login(ana)
    response = client.post(reverse("questions:ask", args=[coffee.slug]), {
        "title": "¿Cómo etiqueto sacos de café para Japón?", "body": "", "language": "es", "post": "1",
        "files": [f.upload("etiqueta.jpg", f.photo())],
    })
    question = Question.objects.get()
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.owner_type, attachment.owner_id, attachment.cluster) == ("questions.question", question.pk, coffee)
    page = client.get(question.get_absolute_url()).content.decode()
    assert reverse("attachments:thumbnail", args=[attachment.key, "small"]) in page


def test_answering_with_files_through_the_form_and_a_member_downloads_them(client, question, mateo, ana):
    client.force_login(mateo)
    response = client.post(question.get_absolute_url(), {
        "body": "Te paso la lista de precios y una foto del lote.",
        "files": [f.upload("precios.xlsx", f.xlsx()), f.upload("lote.png", f.photo("PNG"))],
    })
    answer = Answer.objects.get()
    assert response.status_code == 302
    sheet, photo = Attachment.objects.filter(owner_type="questions.answer", owner_id=answer.pk)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "precios.xlsx" in page and reverse("attachments:thumbnail", args=[photo.key, "small"]) in page
    client.force_login(ana)
    got = client.get(reverse("attachments:download", args=[sheet.key]))
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")


def test_a_refused_file_keeps_the_answer_out_too(client, question, mateo):
    client.force_login(mateo)
    response = client.post(question.get_absolute_url(), {"body": "Mira esto", "files": [f.upload("x.html", f.HTML)]})
    assert response.status_code == 200 and "not a file type Puente accepts" in response.content.decode()
    assert not Answer.objects.exists() and Attachment.objects.filter(owner_type="questions.answer").count() == 0


def test_outsiders_anonymous_people_and_former_members_get_404(client, question, otto, mateo, coffee):
    attachment = Attachment.objects.get()
    url = reverse("attachments:download", args=[attachment.key])
    assert client.get(url).status_code == 404
    client.force_login(otto)
    assert client.get(url).status_code == 404
    client.force_login(mateo)
    assert client.get(url).status_code == 200
    ClusterMembership.objects.filter(user=mateo, cluster=coffee).update(status=ClusterMembership.Status.LEFT)
    assert client.get(url).status_code == 404


def test_a_facilitator_removes_a_file_from_a_question(client, question, lucia):
    attachment = Attachment.objects.get()
    client.force_login(lucia)
    response = client.post(reverse("attachments:remove", args=[attachment.key]))
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    attachment.refresh_from_db()
    assert attachment.is_removed
    assert "“certificado.pdf” was removed." in client.get(question.get_absolute_url()).content.decode()
