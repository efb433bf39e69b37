"""The header at a phone's width and at a laptop's, in Spanish and Brazilian Portuguese, for the people with
the most to show in it (agency staff has one destination more): on a laptop the main navigation is one
line beside the language and the account menu; on a phone it is one row whose menu holds every
destination. Screenshots of both widths go to artifacts/e2e/ to be looked at."""

import pytest

from tests.e2e.support import person_page
from tests.e2e.test_one_language_crawl import switch_language

PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
DESTINATIONS = ["/clusters/", "/clusters/mine/", "/mentors/", "/mentorships/", "/library/", "/messages/",
                "/notifications/", "/wallet/"]

NAV = """() => {
  const items = Array.from(document.querySelectorAll(".main-nav li")).filter(li => li.getClientRects().length);
  const tops = new Set(items.map(li => Math.round(li.getBoundingClientRect().top)));
  const header = document.querySelector(".site-header").getBoundingClientRect();
  return {lines: tops.size, height: header.height,
          hrefs: Array.from(document.querySelectorAll(".main-nav a")).map(a => a.getAttribute("href"))};
}"""


@pytest.mark.parametrize("language", ["es", "pt-br"])
@pytest.mark.parametrize("email", ["rafael@demo.puente", "ana@demo.puente"])
def test_the_navigation_is_one_line_on_a_laptop_and_one_menu_on_a_phone(browser, live_site, shots, language,
                                                                          email):
    locale = {"es": "es-HN", "pt-br": "pt-BR"}[language]
    page = person_page(browser, live_site, email, locale=locale, viewport=LAPTOP)
    before = page.locator("html").get_attribute("lang")
    try:
        if before != language:
            switch_language(page, language)
        for path in ["/", "/mentorships/", "/wallet/", "/library/"]:
            page.goto(path)
            nav = page.evaluate(NAV)
            if path == "/":
                shots(page, "laptop-home")
            assert nav["lines"] == 1, f"{path}: the navigation wraps onto {nav['lines']} lines at 1280px"
            assert nav["height"] <= 72, f"{path}: the header is {nav['height']}px high at 1280px"
        missing = [path for path in DESTINATIONS if not any((href or "").startswith(path) for href in nav["hrefs"])]
        assert not missing, f"not in the navigation: {missing}"
        page.set_viewport_size(PHONE)
        page.goto("/")
        shots(page, "phone-home")
        page.click(".nav-toggle-label")
        for path in DESTINATIONS:
            assert page.locator(f".main-nav a[href^='{path}']").first.is_visible(), path
        shots(page, "phone-menu-open")
        page.click(".nav-toggle-label")
        page.click(".account-menu summary")
        assert page.locator(".account-menu ul").is_visible()
        shots(page, "phone-account-menu")
    finally:
        if before != language:
            switch_language(page, before)
        page.context.close()
