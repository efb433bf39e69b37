"""Ana takes the export-readiness assessment again on a phone, in Spanish: five steps of four statements,
then her gaps, each explained, with the library entries that address them and her progress since the
first time. The same pages at desktop width, the firm's profile, and the agency's aggregate."""

from tests.e2e.support import person_page
from tests.e2e.test_library_journey import UNCOVERED

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def _check(page, selector: str) -> None:
    element = page.locator(selector).first
    element.wait_for(state="visible")
    problem = element.evaluate(UNCOVERED)
    assert not problem, f"{selector} on {page.url}: {problem}"


def test_ana_takes_the_assessment_and_sees_her_gaps_and_the_entries_for_them(browser, live_site, shots):
    page = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        page.goto("/")
        _check(page, "[data-home=readiness] a")
        shots(page, "home")
        page.click("[data-home=readiness] a")
        page.wait_for_url("**/readiness/*/")
        assert page.locator("h1").inner_text() == "Tu preparación exportadora"
        page.get_by_role("button", name="Hacerla de nuevo").click()
        page.wait_for_url("**/step/1/")

        for number in range(1, 6):
            assert page.locator(".readiness .meta").first.inner_text() == f"Paso {number} de 5"
            questions = page.locator("fieldset.question")
            assert questions.count() == 4
            # Everything in place but compliance and certification (step 3).
            answer = "Aún no" if number == 3 else "Sí"
            for i in range(4):
                choice = questions.nth(i).locator("label.answer", has_text=answer)
                _check(page, f"fieldset.question:nth-of-type({i + 1}) label.answer >> text={answer}")
                choice.click()
            if number == 3:
                shots(page, "step-3")
            page.locator("form.readiness-step button[type=submit]").click()
            page.wait_for_load_state()

        page.wait_for_url("**/readiness/*/")
        assert page.locator("h1").inner_text() == "Tu preparación exportadora"
        gap = page.locator("article.gap")
        assert gap.count() == 1
        assert gap.locator("h3").inner_text().startswith("Cumplimiento y certificación")
        assert "Un envío sin un registro o certificado" in gap.inner_text()  # the plain explanation
        entries = gap.locator("ul.list a")
        assert entries.count() >= 1
        _check(page, "article.gap ul.list a")
        shots(page, "result")
        _check(page, "dl.readiness-history")  # her progress since the two demo assessments
        assert page.locator("dl.readiness-history dd").first.inner_text().count("→") == 2
        title = entries.first.inner_text()
        entries.first.click()
        page.wait_for_url("**/library/*/")
        assert page.locator("h1").inner_text().startswith(title)
        shots(page, "entry")
    finally:
        page.context.close()


def test_the_readiness_pages_at_desktop_width(browser, live_site, shots):
    page = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=DESKTOP)
    try:
        page.goto("/readiness/")
        page.get_by_role("link", name="Ver tus brechas y qué leer").click()
        page.wait_for_url("**/readiness/*/")
        shots(page, "result")
        page.goto("/readiness/")
        shots(page, "start")
        page.locator("header .account-menu summary").click()
        page.get_by_role("link", name="Mi empresa").click()
        page.wait_for_url("**/firms/*/")
        assert "Preparación exportadora" in page.locator("main").inner_text()
        shots(page, "firm")
        page.get_by_role("link", name="Editar el perfil").click()
        page.wait_for_url("**/firms/*/edit/")
        shots(page, "firm-edit")
        firm_url = page.url.replace("edit/", "")
    finally:
        page.context.close()
    page = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        page.goto(firm_url)
        _check(page, "#firm-readiness-title")
        shots(page, "firm-phone")
        page.goto(firm_url + "edit/")
        _check(page, "main form button[type=submit]")
        shots(page, "firm-edit-phone")
    finally:
        page.context.close()
    for viewport, name in ((DESKTOP, "agency"), (PHONE, "agency-phone")):
        page = person_page(browser, live_site, "rafael@demo.puente", locale="es-HN", viewport=viewport)
        try:
            page.goto("/readiness/agency/")
            assert "Café especial de Centroamérica y los Andes" in page.locator("main").inner_text()
            assert "Menos de 5 empresas evaluadas" in page.locator("main").inner_text()
            shots(page, name)
        finally:
            page.context.close()
