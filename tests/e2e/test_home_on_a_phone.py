"""The signed-in home on a phone (375 x 740), in Spanish and in Brazilian Portuguese: the person lands on
it after signing in, the header is one row, the account menu can be seen and opened on every kind of
page, and no English is left on the home page.

"No English" is checked against the catalogue itself: an element whose whole text is an English msgid
that the language translates differently (placeholders matching anything) is a leak, and so is a
phrase from the list of texts that were once stored in the writer's language.
"""

import re
from pathlib import Path

import pytest

from tests.e2e.support import person_page
from tests.test_translations import read_po

PHONE = {"width": 375, "height": 740}
LOCALE = Path(__file__).resolve().parents[2] / "locale"
KNOWN_LEAKS = ["Mentorship: ", " mentioned you", "Successfully signed in", " minutes with ", "Hello, "]

# Every element that holds text of its own: compared whole, so that "Open" never matches "Open source".
TEXTS = """() => Array.from(document.querySelectorAll(
        "header a, header summary, header label, header button, main a, main h1, main h2, main h3, main p, "
        + "main li, main span, main button, main label, main th, main td"))
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .map(el => (el.innerText || el.textContent).replace(/\\s+/g, " ").trim())
    .filter(Boolean)"""

HEADER = """() => {
  const header = document.querySelector(".site-header").getBoundingClientRect();
  const summary = document.querySelector(".account-menu summary");
  const box = summary.getBoundingClientRect();
  const style = getComputedStyle(summary);
  return {height: header.height, summaryVisible: box.width > 0 && box.right <= window.innerWidth + 1,
          summaryColor: style.color, headerBackground: getComputedStyle(document.querySelector(".site-header")).backgroundColor,
          summaryBackground: getComputedStyle(summary.querySelector(".avatar")).backgroundColor};
}"""


def english_patterns(language: str) -> list[re.Pattern]:
    patterns = []
    for entry in read_po(LOCALE / language / "LC_MESSAGES" / "django.po"):
        msgid = entry["msgid"]
        if not msgid or len(msgid) < 4 or entry["msgstr"][0] == msgid or not re.search(r"[a-z]{3}", msgid):
            continue
        for english in filter(None, [msgid, entry["plural"]]):
            parts = re.split(r"%\(\w+\)[sd]|%[sd]", english)
            if len(re.findall(r"[A-Za-z]", "".join(parts))) < 6:
                continue  # "%(date)s by %(name)s" would match any sentence with " by " in it
            patterns.append(re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$"))
    return patterns


# language, browser locale, catalogue, who (aspirants, a mentor, a facilitator, agency staff)
CASES = {
    "es": ("es", "es-HN", "es", ["ana@demo.puente", "mateo@demo.puente", "lucia@demo.puente", "rafael@demo.puente"]),
    "pt-br": ("pt-br", "pt-BR", "pt_BR", ["joana@demo.puente"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_home_on_a_phone_is_one_language_under_a_one_row_header(browser, live_site, shots, case):
    language, locale, catalogue, people = CASES[case]
    patterns = english_patterns(catalogue)
    problems = {}
    for email in people:
        page = person_page(browser, live_site, email, locale=locale, viewport=PHONE)
        try:
            # Signing in lands on the person's own home, not on the page that explains Puente.
            assert page.url.rstrip("/") == live_site.url.rstrip("/"), page.url
            assert page.locator("[data-home]").count() > 0, email
            assert page.locator("html").get_attribute("lang") == language
            texts = page.evaluate(TEXTS)
            english = sorted({t for t in texts if any(p.match(t) for p in patterns)})
            leaks = sorted({t for t in texts if any(leak in t for leak in KNOWN_LEAKS)})
            if english or leaks:
                problems[email] = english + leaks
            shots(page, f"home-{email.split('@')[0]}")
            for path in ["/", "/mentorships/", "/clusters/", "/wallet/"]:
                page.goto(path)
                header = page.evaluate(HEADER)
                assert header["height"] <= 64, f"{path}: the header is {header['height']}px high at 375px"
                assert header["summaryVisible"], f"{path}: the account menu is off screen"
                assert header["summaryColor"] != header["headerBackground"], f"{path}: account menu unreadable"
                assert header["summaryBackground"] != header["headerBackground"], path
            page.click(".account-menu summary")
            assert page.locator(".account-menu ul").is_visible()
            page.click(".nav-toggle-label")
            assert page.locator(".main-nav a[href='/wallet/']").is_visible()
            shots(page, f"menu-{email.split('@')[0]}")
        finally:
            page.context.close()
    assert not problems, f"English on {language} home pages: {problems}"
