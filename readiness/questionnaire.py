"""The export-readiness questionnaire: five areas of four statements, each answered "not yet", "partly"
or "yes". Pure data and pure functions: the scores and gaps of a set of answers can be worked out on
paper and tested without a database.

A question's topics (clusters.topics.Topic) say which library entries and which mentors' expertise help
with it; an area's gap is the share of its points still missing.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.topics import Topic

NOT_YET, PARTLY, YES = 0, 1, 2
ANSWER_CHOICES = [
    (NOT_YET, pgettext_lazy("readiness answer", "Not yet")),
    (PARTLY, pgettext_lazy("readiness answer", "Partly")),
    (YES, pgettext_lazy("readiness answer", "Yes")),
]
MAX_POINTS = YES

# An area scoring below this (in percent) is a gap worth working on.
GAP_BELOW = 75
# A new mentorship's plan gets milestones for at most this many of the largest gaps.
PLAN_GAPS = 3


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    why: str  # what a gap here costs an exporter, in plain words
    milestone: str  # the plan milestone a mentorship starts with for this gap
    questions: tuple[Question, ...]

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(topic for question in self.questions for topic in question.topics)


AREAS: tuple[Area, ...] = (
    Area(
        "product",
        _("Product and capacity"),
        _("A buyer abroad orders again only if every lot arrives as promised: the same quality, in the quantity "
          "agreed, packed as their market expects."),
        _("Product and capacity: a product sheet, samples and the volume you can promise each month"),
        (
            Question("product_volume", _("We can produce enough to fill a typical export order on time, and again "
                                         "for the next one."), (Topic.MARKET_ENTRY,)),
            Question("product_quality", _("Our quality is the same from one lot to the next, and we can show it "
                                          "(lab results, cupping scores, specifications)."), (Topic.CERTIFICATIONS,)),
            Question("product_packaging", _("Our packaging and labels can be adapted to what a foreign buyer and "
                                            "market ask for."), (Topic.PACKAGING,)),
            Question("product_samples", _("We have a product sheet and samples ready to send to a buyer."),
                     (Topic.FAIRS,)),
        ),
    ),
    Area(
        "market",
        _("Market knowledge"),
        _("Without a chosen market you cannot price, label or certify for anyone. Knowing who buys and what they "
          "pay keeps you from selling at a loss."),
        _("Market knowledge: one target market chosen, its buyers, prices and import rules written down"),
        (
            Question("market_chosen", _("We have chosen one or two target markets and know why."),
                     (Topic.MARKET_ENTRY,)),
            Question("market_rules", _("We know the import rules of our target market for our product."),
                     (Topic.CUSTOMS,)),
            Question("market_buyers", _("We know who buys our product there (importers, distributors, stores)."),
                     (Topic.FAIRS, Topic.MARKET_ENTRY)),
            Question("market_prices", _("We know the prices and the competitors our product meets there."),
                     (Topic.PRICING,)),
        ),
    ),
    Area(
        "compliance",
        _("Compliance and certification"),
        _("A shipment without a registration or certificate the market requires is stopped at the border, and "
          "many buyers only buy certified products."),
        _("Compliance: the registrations and certifications your market requires, and a plan for the missing ones"),
        (
            Question("compliance_home", _("Our firm is registered to export at home (export registry, tax number, "
                                          "sanitary permits)."), (Topic.CUSTOMS,)),
            Question("compliance_destination", _("We know which registrations the destination requires (such as "
                                                 "FDA registration) and have them or a plan."),
                     (Topic.CERTIFICATIONS, Topic.CUSTOMS)),
            Question("compliance_certifications", _("We know which certifications our buyers ask for (organic, "
                                                    "fair trade, GlobalG.A.P., HACCP) and have them or a plan."),
                     (Topic.CERTIFICATIONS,)),
            Question("compliance_traceability", _("We can trace each lot back to where and when it was produced."),
                     (Topic.CERTIFICATIONS,)),
        ),
    ),
    Area(
        "finance",
        _("Finance and pricing"),
        _("An export price that forgets a cost loses money on every container, and a buyer who pays in 90 days "
          "needs you to finance the wait."),
        _("Finance: a cost sheet up to FOB and CIF, and how you will be paid and finance the wait"),
        (
            Question("finance_costs", _("We know our full cost per unit, including packaging and paperwork."),
                     (Topic.PRICING,)),
            Question("finance_incoterms", _("We can quote a price in dollars under an Incoterm such as FOB or CIF."),
                     (Topic.PRICING, Topic.LOGISTICS)),
            Question("finance_payment", _("We know how we will be paid safely (advance, letter of credit, cash "
                                          "against documents)."), (Topic.PAYMENTS,)),
            Question("finance_capital", _("We can finance production and shipping until the buyer pays."),
                     (Topic.PAYMENTS,)),
        ),
    ),
    Area(
        "logistics",
        _("Logistics and sales channels"),
        _("Freight and paperwork decide whether the goods arrive on time and at the price you quoted; a sales "
          "channel decides whether anyone is waiting for them."),
        _("Logistics and sales: two freight quotes, the shipping documents, and the channel to reach buyers"),
        (
            Question("logistics_forwarder", _("We have a freight forwarder or customs broker we can ask for quotes."),
                     (Topic.LOGISTICS,)),
            Question("logistics_documents", _("We know the documents a shipment needs (invoice, packing list, "
                                              "certificate of origin, bill of lading)."), (Topic.CUSTOMS,)),
            Question("logistics_channel", _("We know how we will reach buyers: a distributor, trade fairs, online "
                                            "marketplaces or direct sales."), (Topic.FAIRS, Topic.ECOMMERCE)),
            Question("logistics_contract", _("We have a written sales contract or order form with delivery and "
                                             "payment terms."), (Topic.LEGAL,)),
        ),
    ),
)

AREAS_BY_KEY = {area.key: area for area in AREAS}
QUESTIONS = tuple(question for area in AREAS for question in area.questions)
QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}
STEPS = len(AREAS)


def clean_answers(answers: dict) -> dict[str, int]:
    """Only known questions with a known answer."""
    valid = {value for value, _label in ANSWER_CHOICES}
    return {key: int(value) for key, value in answers.items()
            if key in QUESTIONS_BY_KEY and str(value).isdigit() and int(value) in valid}


def area_score(area: Area, answers: dict[str, int]) -> int:
    """The area's score in percent; an unanswered question counts as "not yet"."""
    points = sum(answers.get(question.key, NOT_YET) for question in area.questions)
    return round(100 * points / (MAX_POINTS * len(area.questions)))


def scores(answers: dict[str, int]) -> dict[str, int]:
    return {area.key: area_score(area, answers) for area in AREAS}


def overall(area_scores: dict[str, int]) -> int:
    return round(sum(area_scores.get(area.key, 0) for area in AREAS) / len(AREAS))


LEVELS = (
    (70, "ready", _("Ready to export")),
    (40, "preparing", _("Preparing to export")),
    (0, "starting", _("Getting started")),
)


def level(score: int) -> tuple[str, str]:
    """(code, words) of an overall score."""
    for floor, code, words in LEVELS:
        if score >= floor:
            return code, str(words)
    return LEVELS[-1][1], str(LEVELS[-1][2])


def level_words(code: str) -> str:
    return next((str(words) for _floor, key, words in LEVELS if key == code), code)


@dataclass(frozen=True)
class Gap:
    area: Area
    score: int
    missing: tuple[Question, ...]  # answered "not yet" or "partly" (or not answered)

    @property
    def severity(self) -> float:
        """Between 0 (nothing missing) and 1 (nothing in place)."""
        return (100 - self.score) / 100

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(topic for question in self.missing for topic in question.topics) or self.area.topics


def gaps(answers: dict[str, int], area_scores: dict[str, int] | None = None) -> list[Gap]:
    """The areas scoring below GAP_BELOW, the largest gap first (ties in the questionnaire's order)."""
    area_scores = area_scores or scores(answers)
    found = [
        Gap(area=area, score=area_scores[area.key],
            missing=tuple(q for q in area.questions if answers.get(q.key, NOT_YET) < YES))
        for area in AREAS
        if area_scores[area.key] < GAP_BELOW
    ]
    order = {area.key: i for i, area in enumerate(AREAS)}
    found.sort(key=lambda gap: (gap.score, order[gap.area.key]))
    return found
