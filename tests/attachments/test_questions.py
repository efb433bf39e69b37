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


def test_asking_a_room_message_as_a_question_brings_its_files(client, general, ana, mateo, lucia, otto,
                                                              django_capture_on_commit_callbacks, monkeypatch):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from attachments import services as attachment_services
    from messaging import services as messaging_services

    cache.clear()

    message = messaging_services.message_post(room=general, author=ana, body="¿Sirve esta etiqueta para Japón?",
                                              files=[f.upload("etiqueta.jpg", f.photo()),
                                                     f.upload("ficha.pdf", f.pdf())])
    client.force_login(ana)
    response = client.post(reverse("questions:promote", args=[message.pk]), {
        "title": "¿Sirve esta etiqueta para Japón?", "body": "", "language": "es", "post": "1",
    })
    question = Question.objects.get(source_message=message)
    assert response.status_code == 302
    photo, sheet = Attachment.objects.filter(owner_type="questions.question", owner_id=question.pk)
    from_message = Attachment.objects.get(owner_type="messaging.message", name="etiqueta.jpg")
    assert (photo.name, sheet.name) == ("etiqueta.jpg", "ficha.pdf")
    assert photo.file == from_message.file and photo.key != from_message.key  # the bytes stored once
    page = client.get(question.get_absolute_url()).content.decode()
    assert reverse("attachments:thumbnail", args=[photo.key, "small"]) in page and "ficha.pdf" in page
    client.force_login(mateo)
    assert client.get(reverse("attachments:download", args=[sheet.key])).status_code == 200
    client.force_login(otto)
    assert client.get(reverse("attachments:download", args=[sheet.key])).status_code == 404

    # The message deleted and its files swept: the question keeps them.
    messaging_services.message_delete(message=message, acting_user=lucia)
    assert attachment_services.attachments_clean(now=timezone.now() + timedelta(days=1))["purged"] == 2
    client.force_login(mateo)
    assert client.get(reverse("attachments:download", args=[photo.key])).status_code == 200
    # A facilitator takes the photo down from the question: the page (kept in the cache) says so.
    client.force_login(lucia)
    for _ in range(2):
        assert "etiqueta.jpg” was removed" not in client.get(question.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attachments:remove", args=[photo.key]))
    assert "“etiqueta.jpg” was removed." in client.get(question.get_absolute_url()).content.decode()
    assert client.get(reverse("attachments:download", args=[photo.key])).status_code == 404
