"""Rendered pieces kept in memory (questions.rendering, the filter selects): the same HTML as rendering
them afresh, and never stale: a new answer, vote, status, title or author name shows at once."""

import re

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django_countries import countries

from clusters.topics import Topic
from questions import rendering, services, views
from questions.forms import SORT_CHOICES
from questions.models import Question, Vote

pytestmark = pytest.mark.django_db


def fresh_row(question, show_cluster=False) -> str:
    return get_template(rendering.ROW_TEMPLATE).render(
        {"question": question, "show_cluster": show_cluster, "when": timesince(question.created_at)}
    )


def list_page(client, coffee, **params) -> str:
    return client.get(reverse("questions:cluster", args=[coffee.slug]), params).content.decode()


def counts(page: str, question) -> tuple[str, str]:
    """The score and the answer count shown on the question's row."""
    row = re.search(r'<li class="card question-row">(?:(?!</li>).)*?/questions/' + str(question.pk) + "/", page, re.S).group(0)
    score, answers = re.findall(r"<strong>(-?\d+)</strong>", row)
    return score, answers


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
@pytest.mark.parametrize("show_cluster", [False, True])
def test_rows_are_the_same_html_as_rendering_each(question, ana, language, show_cluster):
    other = services.question_ask(cluster=question.cluster, author=ana, title="<b>Fletes</b> & \"precios\"",
                                  language="es", topics=["logistics", "pricing"], target_markets=["DE", "JP"])
    Question.objects.filter(pk=other.pk).update(status=Question.Status.CLOSED,
                                                created_at=timezone.now() - timezone.timedelta(days=3, hours=2))
    rows = list(Question.objects.filter(pk__in=[question.pk, other.pk]).select_related("author", "cluster")
                .order_by("pk"))
    rendering.forget_all()
    with translation.override(language):
        expected = "\n".join(fresh_row(q, show_cluster) for q in rows)
        assert rendering.question_rows(rows, show_cluster=show_cluster) == expected  # rendered
        assert rendering.question_rows(rows, show_cluster=show_cluster) == expected  # from memory
    assert "&lt;b&gt;Fletes&lt;/b&gt; &amp; &quot;precios&quot;" in expected


def test_the_elapsed_time_is_current_when_a_row_comes_from_memory(question):
    rendering.forget_all()
    rows = [Question.objects.select_related("author").get(pk=question.pk)]
    rendering.question_rows(rows)
    rows[0].created_at -= timezone.timedelta(hours=5)  # what the clock moving on looks like to timesince
    Question.objects.filter(pk=question.pk).update(created_at=rows[0].created_at)
    rows = [Question.objects.select_related("author").get(pk=question.pk)]
    assert "5\xa0hours" in rendering.question_rows(rows)


def test_answers_votes_status_title_and_names_show_at_once_on_the_list(client, coffee, question, ana, mateo, lucia):
    client.force_login(ana)
    assert counts(list_page(client, coffee), question) == ("0", "0")
    answer = services.answer_post(question=question, author=mateo, body="Registra la instalación.")
    assert counts(list_page(client, coffee), question) == ("0", "1")
    services.vote_cast(user=mateo, question=question, value=Vote.UP)
    assert counts(list_page(client, coffee), question) == ("1", "1")
    services.vote_cast(user=lucia, question=question, value=Vote.DOWN)
    services.vote_cast(user=mateo, question=question, value=Vote.DOWN)
    assert counts(list_page(client, coffee), question) == ("-2", "1")
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    assert 'class="qa-answered"' in list_page(client, coffee)
    services.question_close(question=question, acting_user=ana)
    assert ">Closed<" in list_page(client, coffee)
    question.refresh_from_db()
    services.question_edit(question=question, acting_user=ana, title="¿Qué pide la FDA para el café tostado?",
                           body=question.body, topics=["pricing"], tags=[], target_markets=["JP"])
    page = list_page(client, coffee)
    assert "¿Qué pide la FDA para el café tostado?" in page and ">JP<" in page and ">Pricing" in page
    ana.name = "Ana M. Lenca"
    ana.save()
    assert "Ana M. Lenca asked" in list_page(client, coffee)


def reference_options(choices, selected, blank=None):
    """How the selects were built before they were kept in memory."""
    rows = [("", blank)] if blank is not None else []
    rows += [(str(value), str(label)) for value, label in choices]
    return format_html_join("", '<option value="{}"{}>{}</option>',
                            ((v, mark_safe(" selected") if v == selected else "", label) for v, label in rows))


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
def test_filter_selects_are_the_same_html_as_building_them(language):
    with translation.override(language):
        for selected in ("", "customs", "pricing"):
            assert views._options("topic", Topic.choices, selected, "Any") == reference_options(
                Topic.choices, selected, "Any")
        for selected in ("", "DE", "HN", "ZW"):
            assert views._options("market", list(countries), selected, "Any") == reference_options(
                list(countries), selected, "Any")
        for selected in ("newest", "votes", "activity"):
            assert views._options("sort", SORT_CHOICES, selected) == reference_options(SORT_CHOICES, selected)


def test_the_list_page_shows_the_chosen_filters_in_the_reader_language(client, coffee, question, ana):
    client.force_login(ana)
    page = list_page(client, coffee, topic="customs", market="US", sort="votes")
    filters = page[page.index('class="filters"'):page.index("</form>", page.index('class="filters"'))]
    assert '<option value="customs" selected>' in filters and '<option value="US" selected>' in filters
    assert '<option value="votes" selected>' in filters and filters.count(" selected>") == 3
    ana.language = "es"
    ana.save()
    page = list_page(client, coffee)
    with translation.override("es"):
        any_topic = str(translation.gettext("Any topic"))
        united_states = str(countries.name("US"))
    assert f'<option value="" selected>{any_topic}</option>' in page and any_topic != "Any topic"
    assert f'<option value="US">{united_states}</option>' in page and united_states != "United States of America"
