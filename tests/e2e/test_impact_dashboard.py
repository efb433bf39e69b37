"""Rafael (agency staff, Spanish) narrows the impact page to one cluster and one country: every label,
definition, chart and table is Spanish, nothing spills off a phone screen, and the funder report he
downloads for the same filters is a Spanish workbook."""

import io
import re

from openpyxl import load_workbook

from tests.e2e.support import person_page
from tests.e2e.test_languages_and_phones import LAYOUT_PROBLEMS, PHONE

AGENCY = "/agency/red-exporta"

# The page's English interface text; none of it may show on the Spanish page, charts included.
ENGLISH = [
    "Impact", "Period and filters", "From", "To", "Cluster", "Program", "Country of the firm", "Show", "Reset",
    "Reach", "Export outcomes", "Questions and answers", "Mentoring", "Credits", "Firms reached", "Women-led",
    "Firms that started exporting", "Still exporting", "New markets", "Questions asked", "Share answered",
    "Time to first answer", "Mentoring hours", "Mentor load", "Credits issued", "Credits redeemed",
    "Credits outstanding", "Mentors paid", "Credits per", "small number", "Data table", "This period",
    "Previous period", "Week of", "per week", "Download the funder report", "Not available", "of",
    "firms asked", "answered", "Too few", "hours", "questions",
]

TEXTS = """() => [document.querySelector("main") || document.body]
    .map(el => el.innerText + " " + Array.from(el.querySelectorAll("svg title, svg desc, svg text"),
                                               t => t.textContent).join(" "))[0]"""


def _filtered(page):
    page.goto(f"{AGENCY}/impact/")
    page.select_option("#id_cluster", label="Café especial de Centroamérica y los Andes")
    page.select_option("#id_country", "HN")
    page.get_by_role("button", name="Mostrar").click()
    page.wait_for_url("**/impact/?*")


def test_the_impact_page_in_spanish_with_filters_shows_no_english(browser, live_site, shots):
    page = person_page(browser, live_site, "rafael@demo.puente", locale="es-HN")
    try:
        _filtered(page)
        assert page.locator("html").get_attribute("lang") == "es"
        text = page.evaluate(TEXTS)
        assert [phrase for phrase in ENGLISH if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)] == []
        assert "Empresas alcanzadas" in text and "Honduras" in text
        assert page.locator("svg.chart").count() >= 2
        assert page.locator("details.chart-data").count() == page.locator("svg.chart").count()
        shots(page, "impact-es-filtered")

        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar el informe para financiadores (XLSX)").click()
        book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
        assert book.sheetnames[0] == "Resumen" and "Créditos" in book.sheetnames
        summary = {row[0]: row[1] for row in book["Resumen"].iter_rows(values_only=True) if row and row[0]}
        assert summary["País de la empresa"] == "Honduras"
    finally:
        page.context.close()


def test_the_impact_page_fits_a_phone(browser, live_site, shots):
    page = person_page(browser, live_site, "rafael@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        _filtered(page)
        problems = page.evaluate(LAYOUT_PROBLEMS)
        shots(page, "impact-es-phone")
    finally:
        page.context.close()
    assert not problems, f"at {PHONE['width']}px: {problems}"
