"""Plan templates: the usual road to a first shipment, as goals with milestones a mentorship starts from.

Both sides edit the plan afterwards; a template only saves typing the obvious steps.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from mentoring import gaps


@dataclass(frozen=True)
class PlanTemplate:
    key: str
    title: str
    milestones: tuple[str, ...]


TEMPLATES: tuple[PlanTemplate, ...] = (
    PlanTemplate(
        "first-shipment-us",
        _("First shipment to the United States"),
        (
            _("FDA food facility registration and a U.S. agent"),
            _("English labelling that meets FDA rules (nutrition facts, allergens, country of origin)"),
            _("Export price worked out from cost, FOB and CIF"),
            _("Freight quote from two forwarders (air for samples, sea for the container)"),
            _("Samples sent and a first buyer signed"),
        ),
    ),
    PlanTemplate(
        "first-shipment-eu",
        _("First shipment to the European Union"),
        (
            _("EU importer of record identified"),
            _("EUDR deforestation due diligence: plot geolocation and traceability"),
            _("Certifications the buyer asks for (organic EU, Rainforest Alliance, GlobalG.A.P.)"),
            _("Labelling in the buyer's language and EU contaminant limits checked"),
            _("Incoterms and payment terms agreed (letter of credit or cash against documents)"),
            _("First container shipped"),
        ),
    ),
    PlanTemplate(
        "first-shipment-regional",
        _("First sale within Latin America and the Caribbean"),
        (
            _("Rules of origin and the trade agreement that applies (CAFTA-DR, Pacific Alliance, CARICOM, Mercosur)"),
            _("Certificate of origin and sanitary permits from the destination"),
            _("Price in dollars with regional freight by land or sea"),
            _("Distributor or first buyer found"),
            _("First invoice paid"),
        ),
    ),
    PlanTemplate(
        "trade-fair",
        _("Prepare a trade fair"),
        (
            _("Fair chosen and booth or visitor pass booked"),
            _("Price list, samples and product sheet in English"),
            _("Meetings booked with ten buyers before the fair"),
            _("Follow-up with every contact within two weeks"),
        ),
    ),
)

BY_KEY = {template.key: template for template in TEMPLATES}


def template_choices() -> list[tuple[str, str]]:
    return [(template.key, template.title) for template in TEMPLATES]


def template_text(source: str) -> str | None:
    """The words, in the active language, of a goal ("first-shipment-us") or a milestone
    ("first-shipment-us:2") made from a template; None when `source` names none."""
    key, _sep, index = source.partition(":")
    if key == gaps.SOURCE:
        return gaps.milestone_text(source)
    template = BY_KEY.get(key)
    if template is None:
        return None
    if not index:
        return str(template.title)
    try:
        return str(template.milestones[int(index)])
    except (ValueError, IndexError):
        return None
