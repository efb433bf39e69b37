"""The impact indicators on a small hand-made world whose answers are known, including survival with firms
that did not answer and rows on both sides of the period's boundary. The period is March 2026, four weeks
(Monday 2 to Sunday 29); the previous period is the four weeks before."""

import datetime
import io

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from clusters.models import Firm
from incentives import impact
from incentives.awards import award_grant
from incentives.models import Transfer
from mentoring.models import Mentorship, OutcomeFollowUp, Session
from questions.models import Question
from tests.conftest import activate, make_person

START, END = datetime.date(2026, 3, 2), datetime.date(2026, 3, 29)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute))


def ask(author, cluster, when, answered_after_hours=None):
    return Question.objects.create(
        cluster=cluster, author=author, title=f"Pregunta {when:%d %H:%M}", created_at=when,
        first_answer_at=when + datetime.timedelta(hours=answered_after_hours) if answered_after_hours else None,
        answer_count=1 if answered_after_hours else 0,
    )


def mentorship(mentor, mentee, cluster, *, started, ended=None, outcome="", markets=(), recorded=None):
    return Mentorship.objects.create(
        mentor=mentor, mentee=mentee, cluster=cluster, started_at=started, ended_at=ended,
        status=Mentorship.Status.COMPLETED if ended else Mentorship.Status.ACTIVE, outcome=outcome,
        outcome_markets=list(markets), outcome_recorded_at=recorded,
    )


def follow_up(m, months, *, asked, answered=None, exporting=None, markets=()):
    return OutcomeFollowUp.objects.create(
        firm=m.mentee.firm_member.firm, mentorship=m, months=months, due_on=asked.date(), asked_at=asked,
        answered_at=answered, exporting=exporting, markets=list(markets),
    )


@pytest.fixture
def world(ana, mateo, otto, coffee, seafood, funded, rafael):
    # Questions: two of Ana's and one of Otto's in the period; one a minute either side of its edges.
    ask(ana, coffee, at("2026-03-02", 9), answered_after_hours=4)
    ask(otto, seafood, at("2026-03-15", 10), answered_after_hours=2)
    ask(ana, coffee, at("2026-03-29", 23, 59))  # the last minute of the period: counts, unanswered
    ask(ana, coffee, at("2026-03-30", 0, 0))  # the first minute after: does not count
    ask(ana, coffee, at("2026-02-10"), answered_after_hours=1)  # the previous period

    # Ana's mentorship runs through the period; she started exporting to the US and Germany on 10 March.
    ana_m = mentorship(mateo, ana, coffee, started=at("2026-01-05"), outcome="started", markets=["US", "DE"],
                       recorded=at("2026-03-10"))
    Session.objects.create(mentorship=ana_m, logged_by=mateo, date=datetime.date(2026, 3, 3), minutes=90,
                           status=Session.Status.CONFIRMED)
    Session.objects.create(mentorship=ana_m, logged_by=mateo, date=datetime.date(2026, 3, 4), minutes=240,
                           status=Session.Status.PENDING)  # never confirmed: no hours
    Session.objects.create(mentorship=ana_m, logged_by=mateo, date=datetime.date(2026, 2, 20), minutes=60,
                           status=Session.Status.CONFIRMED)  # the previous period

    # Otto restarted exporting (US) in February; in March his 3-month follow-up adds Spain.
    otto_m = mentorship(mateo, otto, seafood, started=at("2025-11-01"), ended=at("2026-02-15"), outcome="restarted",
                        markets=["US"], recorded=at("2026-02-15"))
    follow_up(otto_m, 3, asked=at("2026-03-11"), answered=at("2026-03-12"), exporting=True, markets=["US", "ES"])
    follow_up(otto_m, 6, asked=at("2026-03-20"), answered=at("2026-03-21"), exporting=True, markets=["US", "ES"])

    # Two firms that exported when their mentorships ended in 2025, asked at six months in March: one says
    # it stopped, one never answers. A third is asked on 30 March, outside the period.
    people = []
    for n, country in enumerate(["CO", "HN", "GT"]):
        firm = Firm.objects.create(name=f"Exportadora {n}", country=country)
        person = make_person(f"firm{n}@example.org", name=f"Firm {n}", country=country, firm=firm)
        activate(person, coffee)
        people.append(person)
        m = mentorship(mateo, person, coffee, started=at("2025-03-01"), ended=at("2025-09-01"), outcome="started",
                       markets=["US"], recorded=at("2025-09-01"))
        asked = at("2026-03-30") if n == 2 else at("2026-03-05")
        if n == 0:
            follow_up(m, 6, asked=asked, answered=at("2026-03-06"), exporting=False)
        else:
            follow_up(m, 6, asked=asked)

    # Credits: one accepted answer paid in the period, one in the previous period.
    for ref, day in (("q:1", "2026-03-09"), ("q:2", "2026-02-09")):
        award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=ref,
                            description="Respuesta aceptada", caused_by=ana)
        # The ledger refuses updates; the test world dates the payment as if it were made that day.
        QuerySet.update(Transfer.objects.filter(pk=award.payment_id), created_at=at(day))
        type(award).objects.filter(pk=award.pk).update(created_at=at(day))
    return {"ana": ana, "otto": otto, "people": people}


def report(agency, **filters):
    clusters = list(agency.clusters.select_related("sector").order_by("name"))
    return impact.build(impact.scope_for(agency=agency, clusters=clusters, start=START, end=END, **filters))


def test_each_indicator_has_its_known_value(world, agency):
    r = report(agency)
    value = {key: r.indicator(key).value for key in [
        "firms_reached", "women_led", "questions_asked", "questions_answered", "mentoring_hours", "export_entry",
        "new_markets", "survival_6", "survival_12", "credits_issued", "credits_redeemed", "credits_outstanding",
        "mentors_paid"]}
    assert value == {
        "firms_reached": 2,  # Ana's firm (questions, mentorship) and Otto's (a question); the others ended in 2025
        "women_led": 1,
        "questions_asked": 3,
        "questions_answered": 2,
        "mentoring_hours": 1.5,
        "export_entry": 1,  # Ana; Otto restarted in February, before the period
        "new_markets": 3,  # Ana's US and DE, Otto's ES (his US was known)
        "survival_6": 1,  # Otto still exports; one stopped; one did not answer; one was asked after the period
        "survival_12": 0,
        "credits_issued": 50,
        "credits_redeemed": 0,
        "credits_outstanding": 100,
        "mentors_paid": 1,
    }
    assert r.indicator("survival_6").denominator == 3  # asked in the period, non-respondents included
    assert "2 of 3 answered" in str(r.indicator("survival_6").extra)
    assert r.indicator("questions_answered").denominator == 3
    assert r.indicator("women_led").denominator == 2
    assert r.indicator("time_to_first_answer").value is None  # two answers are too few for a median
    assert r.indicator("time_to_first_answer").denominator == 2
    assert r.indicator("credits_per_entry").value is None and r.indicator("credits_per_entry").small
    assert r.indicator("credit_spread").value is None  # one mentor: no Gini beside it to contradict
    assert dict(r.indicator("reach_by_country").rows) == {"Honduras": 1, "Nicaragua": 1}


def test_small_bases_show_counts_not_percentages(world, agency):
    r = report(agency)
    answered = r.indicator("questions_answered")
    assert answered.small and answered.display == "2 of 3"
    assert r.indicator("survival_6").display == "1 of 3"


def test_the_previous_period_is_charted_beside_this_one(world, agency):
    r = report(agency)
    charts = {c.series.key: c for s in r.sections for c in s.charts}
    assert (charts["questions_asked"].total, charts["questions_asked"].previous_total) == (3, 1)
    assert (charts["mentoring_hours"].total, charts["mentoring_hours"].previous_total) == (1.5, 1.0)
    assert (charts["credits_issued"].total, charts["credits_issued"].previous_total) == (50, 50)
    assert len(charts["questions_asked"].rows) == 4  # four weeks
    assert "<title" in charts["questions_asked"].svg and "<desc" in charts["questions_asked"].svg


def test_filters_narrow_by_country_and_cluster(world, agency, seafood, coffee):
    honduras = report(agency, country="HN")
    assert honduras.indicator("questions_asked").value == 2
    assert honduras.indicator("firms_reached").value == 1
    assert honduras.indicator("credits_redeemed").value is None  # not attributable to a country
    sea = report(agency, cluster=seafood.pk)
    assert sea.indicator("questions_asked").value == 1
    assert sea.indicator("new_markets").value == 1
    assert sea.indicator("credits_issued").value == 0
    by_sector = report(agency, sector=coffee.sector_id)
    assert by_sector.indicator("questions_asked").value == 2


def test_the_page_in_spanish_shows_the_filters_and_no_english(client, world, rafael, agency, coffee):
    rafael.language = "es"
    rafael.save(update_fields=["language"])
    client.force_login(rafael)
    url = reverse("incentives:dashboard", args=[agency.slug])
    with translation.override("es"):
        page = client.get(url, {"start": START, "end": END, "cluster": coffee.pk, "country": "HN"},
                          HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for english in ["Firms reached", "Questions asked", "Credits issued", "small number", "Previous period",
                    "Data table", "Week of", "Not available", " credits<", " hours<", " of ", "per week"]:
        assert english not in page, english
    assert "Empresas alcanzadas" in page and "número pequeño" in page and "Tabla de datos" in page
    assert "<details" in page and "<svg" in page


def test_the_funder_report_is_a_workbook_with_a_sheet_per_section(client, world, rafael, agency):
    client.force_login(rafael)
    response = client.get(reverse("incentives:dashboard_xlsx", args=[agency.slug]),
                          {"start": START, "end": END})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Reach", "Export outcomes entry, survival", "Questions and answers",
                               "Mentoring", "Credits"]
    outcomes = book["Export outcomes entry, survival"]
    rows = {row[0]: row for row in reversed(list(outcomes.iter_rows(min_row=3, values_only=True))) if row[0]}
    assert rows["Firms that started exporting"][1] == 1
    survival = rows["Still exporting at 6 months"]
    assert survival[1:7] == (1, "firms", None, 3, "firms asked", "yes")
    assert "did not answer" in survival[8]
    credits = [row[:4] for row in book["Credits"].iter_rows(min_row=3, values_only=True)]
    assert credits[0][:3] == ("Credits issued", 50, "credits")
    assert ("Week of", "This period (credits)", "Previous period", "Previous period (credits)") in credits
    assert ("9 Mar", 50, "9 Feb", 50) in credits  # the week of the paid answer, beside its previous-period twin
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Agency"] == "Red Exporta"


def grow(world, coffee, seafood, mateo, n):
    """n more of everything the page reads: questions, mentorships with outcomes and follow-ups, sessions."""
    for k in range(n):
        firm = Firm.objects.create(name=f"Nueva {k}", country=["HN", "NI", "CO", "PE"][k % 4], women_led=k % 2 == 0)
        person = make_person(f"grow{k}@example.org", name=f"Grow {k}", firm=firm)
        cluster = coffee if k % 2 else seafood
        activate(person, cluster)
        ask(person, cluster, at("2026-03-1" + str(k % 9)), answered_after_hours=k + 1)
        m = mentorship(mateo, person, cluster, started=at("2025-06-01"), ended=at("2025-09-01"), outcome="started",
                       markets=["US"], recorded=at("2025-09-01"))
        Session.objects.create(mentorship=m, logged_by=mateo, date=datetime.date(2026, 3, 3), minutes=60,
                               status=Session.Status.CONFIRMED)
        follow_up(m, 6, asked=at("2026-03-05"), answered=at("2026-03-06"), exporting=True, markets=["US", "MX"])
        award_grant(kind="accepted_answer", beneficiary=mateo, cluster=cluster, source_ref=f"grow:{k}",
                    description="Respuesta aceptada", caused_by=person)


def test_the_page_runs_the_same_queries_on_a_small_and_a_bigger_world(
        client, world, rafael, agency, coffee, seafood, mateo, django_assert_num_queries):
    client.force_login(rafael)
    url = reverse("incentives:dashboard", args=[agency.slug])
    client.get(url)  # the header's values kept, as on every page after the first
    for n in (0, 30):
        grow(world, coffee, seafood, mateo, n)
        # layout 2 (the header's values kept); agency (staff check); queue counts 2; the agency's clusters; its programs;
        # questions: weekly counts, the period's questions; mentoring: outcomes recorded, follow-up answers,
        # survival counts, hours per week, mentor load; credits: per week, outstanding, per mentor;
        # reach: firms by country; the co-funded programs' shares
        with django_assert_num_queries(2 + 1 + 2 + 2 + 2 + 5 + 3 + 1 + 1):
            assert client.get(url, {"start": START, "end": END, "country": "HN"}).status_code == 200
    assert report(agency).indicator("survival_6").denominator == 3 + 30


@pytest.mark.parametrize("path, queries", [
    # the same as above without the country filter, for a year in months
    ("incentives:dashboard", 2 + 1 + 2 + 2 + 2 + 5 + 3 + 1 + 1),
    # the workbook: no layout, no queue counts
    ("incentives:dashboard_xlsx", 1 + 1 + 1 + 2 + 2 + 5 + 3 + 1 + 1),
])
def test_a_past_year_and_its_workbook_run_the_same_queries_on_a_small_and_a_bigger_world(
        client, world, rafael, agency, coffee, seafood, mateo, django_assert_num_queries, path, queries):
    client.force_login(rafael)
    url = reverse(path, args=[agency.slug])
    client.get(url)  # the header's values kept, as on every page after the first
    for n in (0, 30):
        grow(world, coffee, seafood, mateo, n)
        with django_assert_num_queries(queries):
            assert client.get(url, {"start": "2025-04-01", "end": "2026-03-31"}).status_code == 200


def test_a_long_period_is_whole_months_and_compared_with_as_many_months_before(agency, coffee):
    scope = impact.scope_for(agency=agency, clusters=[coffee], start=datetime.date(2026, 1, 15),
                             end=datetime.date(2026, 7, 10))
    assert (scope.grain, scope.start, scope.end) == ("month", datetime.date(2026, 1, 1), datetime.date(2026, 7, 31))
    assert (scope.previous.start, scope.previous.end) == (datetime.date(2025, 6, 1), datetime.date(2025, 12, 31))
    assert len(scope.buckets()) == len(scope.previous.buckets()) == 7
    short = impact.scope_for(agency=agency, clusters=[coffee], start=datetime.date(2026, 3, 4),
                             end=datetime.date(2026, 3, 20))
    assert (short.grain, short.start, short.end) == ("week", datetime.date(2026, 3, 2), datetime.date(2026, 3, 22))
