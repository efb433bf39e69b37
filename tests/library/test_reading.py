from django.urls import reverse

from library import services
from library.models import Entry
from questions import services as question_services
from tests.library.conftest import write


def test_visitors_and_members_of_other_clusters_read_published_entries(client, lucia, otto, accepted):
    entry = services.entry_propose(answer=accepted, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)
    url = entry.get_absolute_url()
    for person in (None, otto):
        if person:
            client.force_login(person)
        page = client.get(url).content.decode()
        assert "Registra la instalación en la FDA" in page
        # The question came from a by-approval cluster: the asker and her thread stay hidden.
        assert "Ana Martínez" not in page and "Café Montaña Lenca" not in page
        assert reverse("questions:detail", args=[accepted.question_id]) not in page


def test_a_draft_is_hidden_from_everyone_but_its_curators(client, lucia, otto, nadie):
    entry = write(lucia, publish=False)
    assert client.get(entry.get_absolute_url()).status_code == 404
    client.force_login(otto)
    assert client.get(entry.get_absolute_url()).status_code == 404
    client.force_login(lucia)
    assert client.get(entry.get_absolute_url()).status_code == 200


def test_the_market_page_gathers_entries_mentors_and_only_readable_questions(client, lucia, mateo, otto, ana,
                                                                             question, seafood):
    from mentoring.models import MentorMarket, MentorProfile

    profile = MentorProfile.objects.create(user=mateo)
    MentorMarket.objects.create(profile=profile, country="US")
    us = write(lucia, title="Registro FDA", markets=["US"])
    write(lucia, title="Catación en Alemania", markets=["DE"])
    open_question = question_services.question_ask(cluster=seafood, author=otto, language="es",
                                                   title="¿Qué pide NOAA para camarón?", target_markets=["US"])
    url = reverse("library:market", args=["us"])
    page = client.get(url).content.decode()
    assert "Registro FDA" in page and "Catación en Alemania" not in page and us.pk
    assert mateo.display_name in page
    assert open_question.title in page and question.title not in page  # the coffee cluster is by approval
    client.force_login(ana)
    assert question.title in client.get(url).content.decode()
    assert client.get(reverse("library:market", args=["xx"])).status_code == 404


def test_a_missing_language_shows_the_original_with_a_note_in_the_readers_language(client, lucia):
    entry = write(lucia)  # Spanish only
    page = client.get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "Catación SCA para tostadores en Alemania" in page
    assert "Este verbete ainda não está disponível no seu idioma." in page
    page = client.get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'role="note"' not in page


def test_a_translation_is_shown_to_readers_of_its_language(client, lucia):
    entry = write(lucia)
    services.entry_translate(entry=entry, acting_user=lucia, language="en", title="SCA cupping for German roasters",
                             summary="Roasters buy by cupping score.")
    page = client.get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SCA cupping for German roasters" in page and 'role="note"' not in page


def test_an_outdated_entry_stays_readable_with_a_warning(client, lucia):
    entry = write(lucia)
    services.entry_mark_outdated(entry=entry, acting_user=lucia)
    assert Entry.objects.get().status == "outdated"
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "marked outdated" in page


def test_a_facilitator_edits_and_publishes_through_the_pages(client, lucia):
    client.force_login(lucia)
    response = client.post(reverse("library:write"), {
        "language": "es", "title": "Aranceles en Canadá", "summary": "Con prueba de origen pagas menos.",
        "steps": "Busca tu código\nEmite la prueba", "markets": "ca, us", "topics": ["customs"],
        "sources": "CBSA | https://www.cbsa-asfc.gc.ca/",
    })
    entry = Entry.objects.get()
    assert response.status_code == 302 and [str(m) for m in entry.markets] == ["CA", "US"]
    assert entry.sources == [{"label": "CBSA", "url": "https://www.cbsa-asfc.gc.ca/"}]
    client.post(reverse("library:action", args=[entry.pk, "publish"]))
    assert Entry.objects.get().status == "published"
    assert client.get(reverse("library:edit", args=[entry.pk]) + "?language=pt").status_code == 200
    assert client.get(reverse("library:curate")).status_code == 200


def test_people_who_do_not_curate_cannot_open_the_editor(client, ana, lucia):
    entry = write(lucia)
    client.force_login(ana)
    assert client.get(reverse("library:write")).status_code == 404
    assert client.get(reverse("library:edit", args=[entry.pk])).status_code == 404
    client.post(reverse("library:action", args=[entry.pk, "outdated"]))
    assert Entry.objects.get().status == "published"


def test_the_list_of_markets_follows_publications(client, lucia):
    write(lucia, markets=["DE"])
    assert "/library/markets/JP/" not in client.get(reverse("library:index")).content.decode()
    entry = write(lucia, title="Japón: notificación de importación", markets=["JP"])
    assert "/library/markets/JP/" in client.get(reverse("library:index")).content.decode()
    services.entry_mark_outdated(entry=entry, acting_user=lucia)
    assert "/library/markets/JP/" in client.get(reverse("library:index")).content.decode()


def test_an_entry_grown_from_a_markdown_answer_reads_as_text_not_as_marks(client, lucia, mateo, ana, question):
    answer = question_services.answer_post(
        question=question, author=mateo,
        body="Tres cosas: 1. **Registro de la instalación** en la FDA. 2. *Prior Notice* antes de cada embarque. "
             "<script>alert(1)</script>")
    question_services.answer_accept(question=question, answer=answer, acting_user=ana)
    entry = services.entry_propose(answer=answer, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "<strong>Registro de la instalación</strong>" in page and "<em>Prior Notice</em>" in page
    assert "**" not in page and "<script>alert(1)" not in page
    row = client.get(reverse("library:market", args=["US"])).content.decode()
    assert "Tres cosas: 1. Registro de la instalación en la FDA. 2. Prior Notice antes" in row
    assert "**Registro" not in row and "<strong>Registro" not in row
