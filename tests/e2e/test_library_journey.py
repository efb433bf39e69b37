"""A visitor on a phone finds the export library from the home page, opens a market and reads an
entry in Spanish: every step visible on a 375x740 screen, nothing covering what they read."""

from tests.e2e.support import new_person_page

PHONE = {"width": 375, "height": 740}

# Whether the element is on screen, and the element found at its middle is itself or inside it (so
# no header, banner or dialog covers it), after scrolling it into view.
UNCOVERED = """el => {
  el.scrollIntoView({block: "center"});
  const box = el.getBoundingClientRect();
  if (!box.width || !box.height) return "it has no size";
  if (box.left < 0 || box.right > window.innerWidth + 1) return `it spans ${box.left}..${box.right}px`;
  const x = box.left + Math.min(box.width / 2, 40), y = box.top + Math.min(box.height / 2, 12);
  const top = document.elementFromPoint(x, y);
  if (!top || !(top === el || el.contains(top))) return `covered by <${top && top.tagName.toLowerCase()}>`;
  if (document.scrollingElement.scrollWidth > window.innerWidth) return "the page scrolls sideways";
  return "";
}"""


def _check(page, selector: str) -> None:
    element = page.locator(selector).first
    element.wait_for(state="visible")
    problem = element.evaluate(UNCOVERED)
    assert not problem, f"{selector} on {page.url}: {problem}"


def test_a_visitor_finds_a_market_and_reads_an_entry_in_spanish_on_a_phone(browser, live_site, shots):
    page = new_person_page(browser, live_site, locale="es-HN", viewport=PHONE)
    try:
        page.goto("/")
        _check(page, "footer a[href='/library/']")
        page.click("footer a[href='/library/']")
        page.wait_for_url("**/library/")
        assert page.locator("h1").inner_text() == "Biblioteca de exportación"
        shots(page, "library")

        _check(page, "a[href='/library/markets/US/']")
        page.click("a[href='/library/markets/US/']")
        page.wait_for_url("**/library/markets/US/")
        assert page.locator("h1").inner_text() == "Exportar a Estados Unidos"
        shots(page, "market")

        entry_link = page.get_by_role("link", name="Registro de instalación ante la FDA", exact=False)
        _check(page, "main .library-row a >> text=Registro de instalación ante la FDA")
        entry_link.click()
        page.wait_for_url("**/library/*/")
        _check(page, "h1")
        assert page.locator("h1").inner_text().startswith("Registro de instalación ante la FDA")
        _check(page, ".library-steps li")
        _check(page, "main h2 >> text=Fuentes oficiales")
        assert page.locator("[role=note]").count() == 0  # it is written in Spanish: no fallback note
        assert "Ana" not in page.locator("main").inner_text()
        shots(page, "entry")
    finally:
        page.context.close()
