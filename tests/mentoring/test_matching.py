"""The suggestion score: a pure function, tested without a database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.matching import DEFAULT_WEIGHTS, MarketFact, MentorFacts, NeedsFacts, current_weights, rank, score

COFFEE = 1
CACAO = 2

ana_needs = NeedsFacts(
    sector_id=COFFEE, sector_name="Coffee", target_markets=("DE", "US"), topics=frozenset({"pricing", "logistics"}),
    language="es",
)

mateo = MentorFacts(
    user_id=10, name="Mateo", sector_ids=frozenset({COFFEE}),
    markets=(MarketFact("DE", "Germany", 2015), MarketFact("US", "United States", 2018), MarketFact("JP", "Japan")),
    topics=frozenset({"pricing", "logistics", "certifications"}), languages=frozenset({"es", "en"}),
    capacity=3, active_mentees=1, response_median_hours=10,
)


def test_a_strong_match_explains_itself_in_words():
    match = score(ana_needs, mateo, DEFAULT_WEIGHTS)
    assert match.reasons[0] == "exports coffee to Germany since 2015"
    assert "exports coffee to United States since 2018" in match.reasons
    assert "speaks Spanish" in match.reasons
    assert "2 of 3 places free" in match.reasons
    assert "usually answers within a day" in match.reasons
    assert match.explanation.startswith("exports coffee to Germany since 2015 · ")
    # sector 3 + both markets 4 + language 2 + both topics 2 + 2/3 places + fast answers 1
    assert match.score == pytest.approx(3 + 4 + 2 + 2 + 2 / 3 + 1)


def test_each_part_is_its_weight_times_a_fraction():
    needs = NeedsFacts(target_markets=("DE", "FR", "US", "CA"), topics=frozenset({"pricing", "legal"}))
    match = score(needs, mateo, DEFAULT_WEIGHTS)
    assert match.parts["market"] == pytest.approx(DEFAULT_WEIGHTS["market"] * 2 / 4)
    assert match.parts["topic"] == pytest.approx(DEFAULT_WEIGHTS["topic"] * 1 / 2)
    assert "sector" not in match.parts and "language" not in match.parts
    # Without a shared sector, the market reason does not claim the product.
    assert match.reasons[0] == "exports to Germany since 2015"


def test_a_shared_sector_without_shared_markets_still_says_so():
    needs = NeedsFacts(sector_id=COFFEE, sector_name="Coffee", target_markets=("KR",))
    match = score(needs, mateo, DEFAULT_WEIGHTS)
    assert match.reasons[0] == "works in coffee"
    assert "market" not in match.parts


def test_missing_needs_and_missing_mentor_data_score_without_failing():
    bare = MentorFacts(user_id=1, capacity=2)
    assert score(None, bare, DEFAULT_WEIGHTS).score == pytest.approx(DEFAULT_WEIGHTS["places"])
    assert score(NeedsFacts(), bare, DEFAULT_WEIGHTS).reasons == ("2 of 2 places free",)
    empty = MentorFacts(user_id=2)
    match = score(ana_needs, empty, DEFAULT_WEIGHTS)
    assert match.score == 0 and match.reasons == ()


def test_a_market_without_a_year_is_named_without_one():
    needs = NeedsFacts(target_markets=("JP",))
    assert score(needs, mateo, DEFAULT_WEIGHTS).reasons[0] == "exports to Japan"


def test_slow_mentors_earn_less_for_responsiveness_and_unknown_earns_nothing():
    fast = score(None, MentorFacts(user_id=1, response_median_hours=3), DEFAULT_WEIGHTS)
    slow = score(None, MentorFacts(user_id=2, response_median_hours=96), DEFAULT_WEIGHTS)
    glacial = score(None, MentorFacts(user_id=3, response_median_hours=500), DEFAULT_WEIGHTS)
    unknown = score(None, MentorFacts(user_id=4), DEFAULT_WEIGHTS)
    assert fast.score > slow.score > glacial.score == unknown.score == 0
    assert slow.reasons == ("usually answers within 4 days",)


def test_ranking_leaves_out_full_and_closed_mentors_and_the_aspirant():
    full = MentorFacts(user_id=20, capacity=2, active_mentees=2, sector_ids=frozenset({COFFEE}))
    closed = MentorFacts(user_id=21, capacity=2, is_accepting=False, sector_ids=frozenset({COFFEE}))
    myself = MentorFacts(user_id=22, capacity=2)
    other = MentorFacts(user_id=23, capacity=1, sector_ids=frozenset({CACAO}))
    ranked = rank(ana_needs, [full, closed, myself, other, mateo], weights=DEFAULT_WEIGHTS, exclude_user_ids=[22])
    assert [m.mentor.user_id for m in ranked] == [10, 23]


def test_ties_are_broken_by_free_places_then_speed_then_name_then_id():
    base = {"capacity": 4, "sector_ids": frozenset({COFFEE})}
    # Same score: 3 places of 4 versus 3 of 4 too, but different names and ids.
    b = MentorFacts(user_id=2, name="Beatriz", active_mentees=1, **base)
    a = MentorFacts(user_id=3, name="alberto", active_mentees=1, **base)
    a_again = MentorFacts(user_id=1, name="Alberto", active_mentees=1, **base)
    assert [m.mentor.user_id for m in rank(ana_needs, [b, a, a_again], weights=DEFAULT_WEIGHTS)] == [1, 3, 2]
    # Equal scores when places weigh nothing: more free places first, then the faster one.
    weights = {**DEFAULT_WEIGHTS, "places": 0, "responsiveness": 0}
    roomy = MentorFacts(user_id=5, name="Zoe", active_mentees=0, **base)
    quick = MentorFacts(user_id=6, name="Yara", active_mentees=2, response_median_hours=2, **base)
    slow = MentorFacts(user_id=7, name="Xavi", active_mentees=2, response_median_hours=90, **base)
    assert [m.mentor.user_id for m in rank(ana_needs, [slow, quick, roomy], weights=weights)] == [5, 6, 7]


def test_weights_come_from_settings_key_by_key(settings):
    settings.PUENTE_MATCH_WEIGHTS = {"market": 10, "unknown": 99}
    weights = current_weights()
    assert weights["market"] == 10.0 and weights["sector"] == DEFAULT_WEIGHTS["sector"]
    assert "unknown" not in weights
    needs = NeedsFacts(target_markets=("DE",))
    assert score(needs, mateo).parts["market"] == pytest.approx(10.0)


countries = st.sampled_from(["DE", "US", "JP", "NL", "CA", "ES", "BR"])
mentors = st.builds(
    MentorFacts,
    user_id=st.integers(1, 10_000),
    name=st.text(max_size=8),
    sector_ids=st.frozensets(st.integers(1, 4), max_size=3),
    markets=st.lists(countries, unique=True, max_size=4).map(
        lambda codes: tuple(MarketFact(c, c, None) for c in codes)),
    topics=st.frozensets(st.sampled_from(["pricing", "logistics", "legal", "fairs"]), max_size=4),
    languages=st.frozensets(st.sampled_from(["es", "en", "pt-br"]), max_size=3),
    capacity=st.integers(0, 10),
    active_mentees=st.integers(0, 10),
    response_median_hours=st.one_of(st.none(), st.integers(0, 400)),
    is_accepting=st.booleans(),
)
needs_strategy = st.one_of(st.none(), st.builds(
    NeedsFacts,
    sector_id=st.one_of(st.none(), st.integers(1, 4)),
    sector_name=st.sampled_from(["", "Coffee"]),
    target_markets=st.lists(countries, max_size=4).map(tuple),
    topics=st.frozensets(st.sampled_from(["pricing", "logistics", "legal", "fairs"]), max_size=4),
    language=st.sampled_from(["", "es", "en"]),
))


@settings(max_examples=150, deadline=None)
@given(needs=needs_strategy, pool=st.lists(mentors, max_size=8, unique_by=lambda m: m.user_id))
def test_any_input_gives_a_bounded_score_and_an_order_independent_ranking(needs, pool):
    ceiling = sum(DEFAULT_WEIGHTS.values())
    for mentor in pool:
        match = score(needs, mentor, DEFAULT_WEIGHTS)
        assert 0 <= match.score <= ceiling + 1e-9
        assert (match.score > 0) == bool(match.parts)
    forward = [m.mentor.user_id for m in rank(needs, pool, weights=DEFAULT_WEIGHTS)]
    backward = [m.mentor.user_id for m in rank(needs, list(reversed(pool)), weights=DEFAULT_WEIGHTS)]
    assert forward == backward
    scores = [m.score for m in rank(needs, pool, weights=DEFAULT_WEIGHTS)]
    assert scores == sorted(scores, reverse=True)
    assert all(m.places_left > 0 and m.is_accepting for m in pool if m.user_id in forward)
