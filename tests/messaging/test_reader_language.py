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
