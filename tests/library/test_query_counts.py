"""The library pages read a fixed number of queries however many entries, texts and questions there
are, and none at all while what they show is kept (library.page_cache)."""

from django.conf import settings
from django.urls import reverse

from library import services
from tests.library.conftest import write


def _many(lucia, n):
    for i in range(n):
        entry = write(lucia, title=f"Entrada número {i} sobre catación", markets=["US", "DE"])
        services.entry_translate(entry=entry, acting_user=lucia, language="pt", title=f"Verbete {i}",
                                 summary="Resumo.")


def _rows(response) -> int:
    return response.content.decode().count('class="card library-row"')


def test_the_list_page_reads_a_fixed_number_of_queries(client, lucia, django_assert_num_queries):
    _many(lucia, 2)
    url = reverse("library:index")
    # 1 markets of public entries, 1 count for the paginator, 1 page of entries, 1 their texts
    with django_assert_num_queries(4):
        client.get(url)
    with django_assert_num_queries(0):  # kept until the next library write
        client.get(url)
    _many(lucia, 40)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert _rows(response) == settings.PUENTE_PAGE_SIZE < 42
    with django_assert_num_queries(0):
        assert _rows(client.get(url)) == settings.PUENTE_PAGE_SIZE


def test_the_entry_page_reads_a_fixed_number_of_queries(client, lucia, django_assert_num_queries):
    entry = write(lucia)
    for language in ("pt", "en"):
        services.entry_translate(entry=entry, acting_user=lucia, language=language, title="T " + language,
                                 summary="S")
    # 1 the entry with its contributor, 1 its texts
    with django_assert_num_queries(2):
        response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    with django_assert_num_queries(0):
        assert "T en" in client.get(entry.get_absolute_url()).content.decode()


def test_the_market_page_reads_a_fixed_number_of_queries(client, lucia, ana, question, django_assert_num_queries):
    _many(lucia, 2)
    url = reverse("library:market", args=["US"])
    # 1 count, 1 page of entries, 1 their texts, 1 mentors exporting there, 1 readable questions about it
    with django_assert_num_queries(5):
        client.get(url)
    _many(lucia, 25)
    with django_assert_num_queries(5):
        client.get(url)
    with django_assert_num_queries(0):
        client.get(url)


def test_the_search_page_reads_a_fixed_number_of_queries(client, lucia, django_assert_num_queries):
    _many(lucia, 2)
    url = reverse("library:search") + "?q=catacion"
    # 1 matching texts, 1 their entries, 1 the entries' texts, 1 readable threads
    with django_assert_num_queries(4):
        client.get(url)
    _many(lucia, 25)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert _rows(response) == 27
    with django_assert_num_queries(0):
        client.get(url)


def test_a_signed_in_reader_adds_only_the_session_and_the_header(client, ana, lucia, django_assert_num_queries):
    entry = write(lucia)
    client.force_login(ana)
    client.get(entry.get_absolute_url())
    # 1 session, 1 user; the header's values, the entry and whether ana curates the library are kept
    with django_assert_num_queries(2):
        client.get(entry.get_absolute_url())
