"""The scoring, worked out on paper: 2 points for "yes", 1 for "partly", 0 for "not yet", per area in percent."""

from readiness import questionnaire
from readiness.questionnaire import NOT_YET, PARTLY, YES

# Ana's answers: product mostly in place, market half known, compliance hardly started,
# finance partly, logistics fully.
ANA = {
    "product_volume": YES, "product_quality": YES, "product_packaging": PARTLY, "product_samples": YES,  # 7/8
    "market_chosen": YES, "market_rules": PARTLY, "market_buyers": PARTLY, "market_prices": NOT_YET,  # 4/8
    "compliance_home": PARTLY, "compliance_destination": NOT_YET, "compliance_certifications": NOT_YET,
    "compliance_traceability": NOT_YET,  # 1/8
    "finance_costs": YES, "finance_incoterms": PARTLY, "finance_payment": PARTLY, "finance_capital": NOT_YET,  # 4/8
    "logistics_forwarder": YES, "logistics_documents": YES, "logistics_channel": YES, "logistics_contract": YES,
}


def test_there_are_twenty_questions_in_five_areas_of_four():
    assert [len(area.questions) for area in questionnaire.AREAS] == [4, 4, 4, 4, 4]
    assert len(questionnaire.QUESTIONS_BY_KEY) == 20


def test_a_known_answer_set_scores_per_area():
    assert questionnaire.scores(ANA) == {
        "product": 88, "market": 50, "compliance": 12, "finance": 50, "logistics": 100,
    }
    assert questionnaire.overall(questionnaire.scores(ANA)) == 60  # (88 + 50 + 12 + 50 + 100) / 5
    assert questionnaire.level(60)[0] == "preparing"


def test_the_gaps_are_the_areas_below_the_line_largest_first():
    gaps = questionnaire.gaps(ANA)
    assert [gap.area.key for gap in gaps] == ["compliance", "market", "finance"]
    compliance = gaps[0]
    assert compliance.severity == 0.88
    assert [q.key for q in compliance.missing] == [
        "compliance_home", "compliance_destination", "compliance_certifications", "compliance_traceability"]
    assert compliance.topics == {"customs", "certifications"}
    # Only what is missing counts: market's chosen-market statement is a "yes".
    assert gaps[1].topics == {"customs", "fairs", "market-entry", "pricing"}


def test_unknown_questions_and_answers_are_dropped():
    assert questionnaire.clean_answers({"product_volume": "2", "nope": 1, "market_chosen": 7, "finance_costs": "x"}) \
        == {"product_volume": 2}
