"""Full-text search. Stemming and the GIN index need PostgreSQL (CI); the SQLite fallback is covered
in test_pages."""

from django.db import connection

from questions import selectors, services


def titles(results) -> set[str]:
    return {q.title for q in results}


def test_spanish_portuguese_and_english_words_are_found_by_their_stems(postgres_only, coffee, seafood, ana, otto, mateo):
    es = services.question_ask(cluster=coffee, author=ana, title="¿Cómo exportamos café tostado a Alemania?",
                               language="es")
    pt = services.question_ask(cluster=coffee, author=ana, title="Quais certificações orgânicas a Europa exige?",
                               language="pt")
    en = services.question_ask(cluster=seafood, author=otto, title="Who shipped frozen shrimp containers to Spain?",
                               language="en")
    assert titles(selectors.search_questions(user=ana, text="exportar")) == {es.title}
    assert titles(selectors.search_questions(user=ana, text="certificação orgânica")) == {pt.title}
    assert titles(selectors.search_questions(user=ana, text="shipping container")) == {en.title}
    services.answer_post(question=es, author=mateo, body="Necesitas un contrato de consignación con el tostador.")
    assert titles(selectors.search_questions(user=ana, text="consignaciones")) == {es.title}


def test_title_matches_rank_above_answer_matches(postgres_only, coffee, ana, mateo):
    in_title = services.question_ask(cluster=coffee, author=ana, title="¿Qué es el Prior Notice de la FDA?")
    other = services.question_ask(cluster=coffee, author=ana, title="¿Cómo envío muestras por courier?")
    services.answer_post(question=other, author=mateo, body="El courier hace el Prior Notice por ti.")
    ranked = list(selectors.search_questions(user=ana, text="prior notice"))
    assert [q.pk for q in ranked] == [in_title.pk, other.pk]


def test_search_never_shows_a_by_approval_cluster_to_outsiders(postgres_only, coffee, ana, otto, nadie):
    services.question_ask(cluster=coffee, author=ana, title="¿Qué puntaje SCA piden en Japón?")
    assert titles(selectors.search_questions(user=otto, text="puntaje")) == set()
    from django.contrib.auth.models import AnonymousUser

    assert titles(selectors.search_questions(user=AnonymousUser(), text="puntaje")) == set()


def test_the_search_vectors_have_gin_indexes(postgres_only, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%search_gin'"
                       " AND tablename LIKE 'questions%%'")
        rows = dict(cursor.fetchall())
    assert set(rows) == {"question_search_gin", "answer_search_gin"}
    assert all("USING gin" in definition for definition in rows.values())


def test_similar_questions_share_words_with_the_title(coffee, ana):
    fda = services.question_ask(cluster=coffee, author=ana, title="¿Qué documentos pide la FDA para café verde?")
    services.question_ask(cluster=coffee, author=ana, title="¿Cómo cotizo un flete marítimo?")
    found = selectors.similar_questions(user=ana, cluster=coffee, title="documentos para exportar")
    assert [q.pk for q in found] == [fda.pk]
    assert selectors.similar_questions(user=ana, cluster=coffee, title="a b") == []
