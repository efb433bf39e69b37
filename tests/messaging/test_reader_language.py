"""Names and texts the site writes itself (a mentorship room's name, a mention) are kept as a kind and its
parameters and put into words when shown, in the reader's language, not in the writer's."""

from django.urls import reverse
from django.utils import translation

from messaging import services
from messaging.models import Notification


def test_a_mentorship_rooms_name_reads_in_the_readers_language(ana, mateo):
    with translation.override("en"):
        room = services.room_create_mentorship(mentor=mateo, mentee=ana)
    with translation.override("es"):
        assert room.display_name == "Mentoría: Mateo Restrepo y Ana Martínez"
    with translation.override("pt-br"):
        assert room.display_name == "Mentoria: Mateo Restrepo e Ana Martínez"


def test_the_rooms_page_names_the_mentorship_room_in_the_readers_language(client, ana, mateo):
    services.room_create_mentorship(mentor=mateo, mentee=ana)
    ana.language = "es"
    ana.save(update_fields=["language"])
    client.force_login(ana)
    page = client.get(reverse("messaging:rooms")).content.decode()
    assert "Mentoría: Mateo Restrepo y Ana Martínez" in page
    assert "Mentorship: " not in page


def test_a_mention_by_an_english_speaker_reads_in_the_spanish_readers_language(client, general, ana, mateo,
                                                                               mailoutbox,
                                                                               django_capture_on_commit_callbacks):
    mateo.language = "es"
    mateo.save(update_fields=["language"])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # Ana writes in English
        services.message_post(room=general, author=ana, body="@mateo how do I register with the FDA?")
    note = Notification.objects.get()
    assert note.text == "Ana Martínez te mencionó en General"  # the mail and the live frame: his language
    assert mailoutbox[0].subject.endswith("Ana Martínez te mencionó en General")
    client.force_login(mateo)
    assert "Ana Martínez te mencionó en General" in client.get(reverse("messaging:notifications")).content.decode()
    # He switches to Portuguese: the same notification now reads in Portuguese.
    mateo.language = "pt-br"
    mateo.save(update_fields=["language"])
    page = client.get(reverse("messaging:notifications")).content.decode()
    assert "Ana Martínez mencionou você em Geral" in page
    assert "mentioned you" not in page and "te mencionó" not in page


def test_a_mention_in_a_mentorship_room_names_the_room_in_the_readers_language(ana, mateo):
    room = services.room_create_mentorship(mentor=mateo, mentee=ana)
    services.message_post(room=room, author=mateo, body="@ana mira el plan")
    note = Notification.objects.get()
    with translation.override("es"):
        assert note.display_text == "Mateo Restrepo te mencionó en Mentoría: Mateo Restrepo y Ana Martínez"


def test_a_clusters_general_room_is_named_in_the_readers_language(coffee):
    with translation.override("en"):
        room = services.room_general_for_cluster(cluster=coffee)
    with translation.override("pt-br"):
        assert room.display_name == "Geral"


def test_a_hostile_name_in_a_mentorship_rooms_name_is_escaped_when_put_into_words(client, ana, mateo):
    mateo.name = "<img src=x onerror=alert(1)>"
    mateo.save(update_fields=["name"])
    services.room_create_mentorship(mentor=mateo, mentee=ana)
    client.force_login(ana)
    page = client.get(reverse("messaging:rooms")).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_notification_kept_as_a_sentence_reads_in_whatever_language_its_reader_now_speaks(ana, mateo):
    import datetime

    from django.utils.translation import gettext_noop

    from infra.words import stored

    ana.language = "en"
    note = services.notification_create(
        recipient=ana, kind="mentoring.session_to_confirm", url="/",
        params=stored(gettext_noop("%(name)s confirmed the session of %(date)s."), name=mateo.display_name,
                      date=datetime.date(2026, 11, 27)),
    )
    assert note.text == "Mateo Restrepo confirmed the session of Nov. 27, 2026."  # the mail: her language then
    with translation.override("es"):
        assert note.display_text == "Mateo Restrepo confirmó la sesión del 27 de noviembre de 2026."
    with translation.override("pt-br"):
        assert "Mateo Restrepo" in note.display_text and "confirmed" not in note.display_text


def test_older_notifications_and_room_names_are_read_back_into_their_parameters(ana, mateo):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("messaging.migrations.0007_notification_sentences_in_the_readers_language")
    Notification.objects.create(recipient=ana, kind="question_answered", text="Mateo Restrepo respondió tu pregunta “¿FDA?”")
    Notification.objects.create(recipient=ana, kind="award", text="Your award of 15 credits was approved.")
    Notification.objects.create(recipient=ana, kind="award", text="Something nobody wrote")
    room = services.room_create_mentorship(mentor=mateo, mentee=ana)
    type(room).objects.filter(pk=room.pk).update(name="Mentoría: Mateo Restrepo y Ana Martínez", name_params={})
    migration.forwards(apps, None)
    answered, approved, unknown = Notification.objects.order_by("pk")
    with translation.override("en"):
        assert answered.display_text == "Mateo Restrepo answered your question “¿FDA?”"
        assert approved.params == {"msg": "Your award of %(credits)s credits was approved.", "credits": "15"}
        assert unknown.display_text == "Something nobody wrote"
        room.refresh_from_db()
        assert room.display_name == "Mentorship: Mateo Restrepo and Ana Martínez"
