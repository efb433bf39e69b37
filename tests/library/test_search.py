"""Search that forgives, on whichever database the run uses (SQLite by default; PostgreSQL with
DATABASE_URL set, where it goes through unaccent and the puente_* text-search configurations)."""

from django.urls import reverse

from library import search, selectors
from tests.library.conftest import write


def test_normalising_drops_accents_and_case():
    assert search.normalise("  CATACIÓN  Certificação ") == "catacion certificacao"


def test_the_glossary_expands_a_term_into_the_other_languages():
    found = search.expansions("carta de credito para Japón")
    assert "letter of credit" in found and "carta de credito" not in found
    assert "certificado fitossanitario" in search.expansions("Phytosanitary certificate")
    assert search.expansions("cafe verde") == []


def test_catacion_without_accent_finds_catacion(lucia):
    entry = write(lucia, title="Catación SCA para tostadores en Alemania")
    write(lucia, title="Registro FDA", summary="Antes de cada embarque.", steps="")
    for query in ("catacion", "CATACIÓN", "Catacion sca"):
        assert [e.pk for e in selectors.search_entries(text=query)] == [entry.pk], query


def test_carta_de_credito_finds_an_english_letter_of_credit_entry(lucia):
    entry = write(lucia, language="en", title="Letter of credit for a first shipment",
                  summary="A documentary letter of credit protects a first shipment.", steps="", markets=["JP"])
    write(lucia, title="Registro FDA", summary="Antes de cada embarque.", steps="")
    found = selectors.search_entries(text="carta de credito", language="es")
    assert [e.pk for e in found] == [entry.pk]
    assert found[0].text_is_fallback  # shown in English to a Spanish reader


def test_portuguese_accents_are_forgiven_too(lucia):
    entry = write(lucia, language="pt", title="Certificação orgânica na UE", summary="Organismo de controle.",
                  steps="")
    assert [e.pk for e in selectors.search_entries(text="certificacao organica")] == [entry.pk]


def test_drafts_are_never_found(lucia):
    write(lucia, publish=False)
    assert selectors.search_entries(text="catacion") == []


def test_the_search_page_ranks_entries_above_threads_and_hides_unreadable_threads(client, lucia, otto, ana, seafood,
                                                                                 coffee):
    from questions import services as question_services

    write(lucia, title="Catación SCA para tostadores en Alemania")
    private = question_services.question_ask(cluster=coffee, author=ana, language="es",
                                             title="¿Cómo preparo la catación para Alemania?")
    public = question_services.question_ask(cluster=seafood, author=otto, language="es",
                                            title="¿Catación de camarón para Alemania?")
    page = client.get(reverse("library:search"), {"q": "catación"}).content.decode()
    assert page.index("Catación SCA para tostadores") < page.index(public.title)
    assert private.title not in page


def test_on_postgresql_texts_are_indexed_through_the_unaccented_configurations(postgres_only, lucia):
    from django.db import connection

    from library.models import EntryText

    write(lucia)
    assert EntryText.objects.filter(search_vector__isnull=False).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('puente_es', 'Catación') = to_tsvector('puente_es', 'catacion')")
        assert cursor.fetchone()[0] is True
