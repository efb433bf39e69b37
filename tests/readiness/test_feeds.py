"""What the assessment feeds: mentor suggestions weigh the gaps, a new mentorship's plan starts with them,
and agencies see them only in groups of at least five firms."""

from django.urls import reverse
from django.utils import translation

from clusters.models import Cluster, Firm
from mentoring import matching
from mentoring import selectors as mentoring_selectors
from mentoring import services as mentoring_services
from readiness import selectors
from tests.conftest import activate, make_person
from tests.mentoring.conftest import make_mentor
from tests.readiness.support import answers_with, take


def _two_mentors(sector):
    # Alike in all but their topics: one knows certifications and customs, the other pricing and payments.
    compliance = make_person("beto@example.org", name="Beto Aguilar", country="CO", wants_to_mentor=True)
    finance = make_person("abril@example.org", name="Abril Bravo", country="CO", wants_to_mentor=True)
    make_mentor(compliance, sectors=[sector], markets=[("DE", 2015)], topics=["certifications", "customs"],
                languages=["es"], capacity=3)
    make_mentor(finance, sectors=[sector], markets=[("DE", 2015)], topics=["pricing", "payments"],
                languages=["es"], capacity=3)
    return compliance, finance


def _suggested(ana):
    needs = mentoring_selectors.needs_of(user=ana)
    return [(profile.user.name, match) for profile, match in mentoring_selectors.mentor_suggestions(user=ana,
                                                                                                      needs=needs)]


def test_suggestions_follow_the_gaps_and_say_so(ana, sector):
    _two_mentors(sector)
    mentoring_services.aspirant_needs_save(user=ana, sector=sector, target_markets=["DE"], topics=[], language="es")
    assert [name for name, _match in _suggested(ana)] == ["Abril Bravo", "Beto Aguilar"]  # a tie: by name

    take(ana, answers_with(compliance=0))
    suggested = _suggested(ana)
    assert [name for name, _match in suggested] == ["Beto Aguilar", "Abril Bravo"]
    assert "knows what your gaps in compliance and certification need" in suggested[0][1].explanation
    assert "gaps" not in suggested[1][1].parts

    take(ana, answers_with(finance=0))  # a retake: now finance is the gap
    assert [name for name, _match in _suggested(ana)] == ["Abril Bravo", "Beto Aguilar"]


def test_the_gap_part_weighs_larger_gaps_more():
    needs = matching.NeedsFacts(gaps=(
        matching.GapFact(key="compliance", label="Compliance", severity=0.75, topics=frozenset({"certifications"})),
        matching.GapFact(key="finance", label="Finance", severity=0.25, topics=frozenset({"pricing"})),
    ))
    mentor = matching.MentorFacts(user_id=1, topics=frozenset({"certifications"}))
    assert matching.score(needs, mentor, {"gaps": 4.0}).parts["gaps"] == 3.0  # 4 × 0.75 / (0.75 + 0.25)


def test_a_new_mentorship_plan_starts_with_the_largest_gaps_in_the_readers_language(ana, mateo, sector):
    make_mentor(mateo, sectors=[sector])
    take(ana, answers_with(compliance=0, finance=1, logistics=0, market=1))
    request = mentoring_services.request_create(aspirant=ana, mentor=mateo, goal="Enviar café a Alemania este año.")
    mentorship = mentoring_services.request_accept(request=request, acting_user=mateo)
    goal = mentorship.goals.get()
    assert goal.source == "readiness"
    # compliance and logistics at 0 %, then market (50 %) before finance (50 %) in the questionnaire's order
    assert [m.source for m in goal.milestones.all()] == ["readiness:compliance", "readiness:logistics",
                                                         "readiness:market"]
    with translation.override("es"):
        assert goal.display_title == "Cierra las brechas que encontró la autoevaluación de preparación exportadora"
        assert goal.milestones.all()[0].display_title.startswith("Cumplimiento:")


def test_without_an_assessment_the_plan_starts_empty(ana, mateo, sector):
    make_mentor(mateo, sectors=[sector])
    request = mentoring_services.request_create(aspirant=ana, mentor=mateo, goal="Enviar café a Alemania este año.")
    mentorship = mentoring_services.request_accept(request=request, acting_user=mateo)
    assert not mentorship.goals.exists()


def _firms(count, cluster, *, prefix, country="HN", **answers):
    for i in range(count):
        firm = Firm.objects.create(name=f"{prefix} {i}", country=country)
        person = make_person(f"{prefix.lower()}{i}@example.org", name=f"{prefix} {i}", firm=firm)
        activate(person, cluster)
        take(person, answers_with(**answers))


def test_aggregates_hide_groups_of_fewer_than_five_firms(coffee, seafood, sector):
    _firms(5, coffee, prefix="Cafe", compliance=0)
    _firms(4, seafood, prefix="Mar", country="EC", finance=0)
    found = selectors.agency_gaps(clusters=[coffee, seafood])
    by_cluster = {row.label: row for row in found["by_cluster"]}
    shown, hidden = by_cluster[coffee.name], by_cluster[seafood.name]
    assert (shown.firms, shown.hidden) == (5, False)
    assert dict(zip([a.key for a in found["areas"]], shown.cells, strict=True))["compliance"] == (0, 5)
    assert hidden.hidden and hidden.averages == [] and hidden.with_gap == []
    by_country = {row.label: row for row in found["by_country"]}
    assert not by_country["Honduras"].hidden and by_country["Ecuador"].hidden


def test_the_agency_page_is_for_agency_staff_and_keeps_its_query_count(
    client, coffee, rafael, ana, django_assert_num_queries
):
    client.force_login(ana)
    assert client.get(reverse("readiness:agency")).status_code == 404
    _firms(5, coffee, prefix="Cafe", compliance=0)
    other = Cluster.objects.create(sector=coffee.sector, slug="otro", name="Otro", agency=None)
    _firms(5, other, prefix="Otro", finance=0)  # not sponsored by Rafael's agency
    client.force_login(rafael)
    url = reverse("readiness:agency")
    # session, user, header (2); is agency staff, the agency's clusters, their firms, their assessments
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert coffee.name in page and "Otro" not in page
    _firms(3, coffee, prefix="Mas", compliance=1)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
