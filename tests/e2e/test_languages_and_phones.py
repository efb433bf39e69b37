"""The key pages as a Spanish- and a Portuguese-speaking member sees them: no English interface text
left over, and on a phone-width screen nothing scrolls sideways or is cut off.

The check for English is deliberately plain: a list of English interface phrases from the navigation,
headings, buttons and labels of these pages, compared with the text of those elements (not with what
people wrote, which may well be English). Phrases that are the same word in the target language
("Clusters" in Portuguese, "Sector" in Spanish) are left out of the list.
"""

import re

import pytest

from tests.e2e.support import person_page

PHONE = {"width": 375, "height": 740}

ENGLISH = [
    # navigation and account menu
    "Skip to content", "My clusters", "Mentors", "Mentorships", "Questions", "Messages", "Notifications",
    "Wallet", "Agency", "My firm", "Profile", "Email addresses", "Password", "Log out", "Language", "Change",
    # home
    "Learn to export", "Find your cluster", "How it works", "Active clusters", "See all clusters",
    "Browse clusters", "Join a cluster of your sector", "Ask and talk", "Get a mentor", "Knowledge is rewarded",
    # cluster
    "You are a member", "Leave cluster", "Rooms", "Questions and answers", "Ask a question",
    "Find a mentor in this sector", "About", "Countries", "Languages", "Sponsored by", "HS chapters",
    "Facilitators", "Member firms",
    # room
    "Follow", "Unfollow", "Mute", "Unmute", "All conversations", "Load older messages", "People", "Message",
    "Send", "Reply", "Report", "Ask as a question", "Write", "Cluster room",
    # questions
    "Search questions and answers", "Search", "Topic", "Any topic", "Target market", "Any market",
    "Unanswered only", "Mine and followed", "Sort by", "Filter",
    # wallet
    "Statement", "Redeem your credits", "Your requests", "No requests yet", "You have no credits yet",
    "credits",
    # mentoring
    "Find a mentor", "Your mentor profile", "Offer mentoring", "Sessions to confirm",
    "Requests waiting for you", "Your mentorships", "No mentorship yet", "your mentor", "you mentor",
    "Confirmed minutes", "To confirm",
]
ALTERNATIVES = "|".join(re.escape(phrase) for phrase in sorted(ENGLISH, key=len, reverse=True))
PHRASE = re.compile(rf"^(?:{ALTERNATIVES})(?!\w)")  # the element's text starts with the phrase

# Interface text: navigation, headings, buttons, labels, table heads, tags, the small print under titles.
CHROME = "header a, header summary, nav a, h1, h2, h3, button, label, legend, summary, th, .tag, .empty, .skip-link"

VISIBLE_TEXTS = """selector => Array.from(document.querySelectorAll(selector))
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .map(el => (el.innerText || el.textContent).replace(/\\s+/g, " ").trim())
    .filter(Boolean)"""

LAYOUT_PROBLEMS = """() => {
  const width = window.innerWidth;
  const problems = [];
  const scrollWidth = document.scrollingElement.scrollWidth;
  if (scrollWidth > width) problems.push(`the page scrolls sideways: ${scrollWidth}px wide on a ${width}px screen`);
  const insideScroller = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = el => `<${el.tagName.toLowerCase()}${el.className ? " class=" + el.className : ""}> `
    + JSON.stringify((el.innerText || "").trim().slice(0, 40));
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".visually-hidden, .skip-link, [hidden]")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || insideScroller(el)) continue;
    if (box.right > width + 1 || box.left < -1) {
      problems.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
    } else if (["hidden", "clip"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
               && !["SELECT", "TEXTAREA", "INPUT"].includes(el.tagName)) {
      problems.push(`${name(el)} cuts off its content (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
  }
  return problems;
}"""

# language, browser locale, who, their cluster
SPANISH = ("es", "es-HN", "ana@demo.puente", "cafe-especial")
PORTUGUESE = ("pt-br", "pt-BR", "joana@demo.puente", "cacao-chocolate")


def _key_pages(page, cluster: str):
    """Yields (name, page) after opening each key page in turn."""
    for name, path in [("home", "/"), ("cluster", f"/clusters/{cluster}/")]:
        page.goto(path)
        yield name
    page.locator(".cluster-rooms a").first.click()  # the general room comes first (named in each language)
    # The room is there once its document is; its pictures may still be arriving on a loaded machine.
    page.wait_for_url("**/messages/*/", wait_until="domcontentloaded")
    page.locator("#composer").wait_for()
    yield "room"
    for name, path in [("questions", f"/clusters/{cluster}/questions/"), ("wallet", "/wallet/"),
                       ("mentoring", "/mentorships/")]:
        page.goto(path)
        yield name


@pytest.mark.parametrize(
    "language, locale, email, cluster",
    [
        pytest.param(*SPANISH, id="es"),
        pytest.param(*PORTUGUESE, id="pt-br"),
    ],
)
def test_key_pages_show_no_english_interface_text(browser, live_site, shots, language, locale, email, cluster):
    page = person_page(browser, live_site, email, locale=locale)
    untranslated = {}
    try:
        for name in _key_pages(page, cluster):
            assert page.locator("html").get_attribute("lang") == language, name
            found = sorted({text for text in page.evaluate(VISIBLE_TEXTS, CHROME) if PHRASE.match(text)})
            if found:
                untranslated[name] = found
            shots(page, name)
    finally:
        page.context.close()
    assert not untranslated, f"English interface text on {language} pages: {untranslated}"


@pytest.mark.parametrize(
    "language, locale, email, cluster", [pytest.param(*SPANISH, id="es"), pytest.param(*PORTUGUESE, id="pt-br")]
)
def test_key_pages_fit_a_phone_screen(browser, live_site, shots, language, locale, email, cluster):
    page = person_page(browser, live_site, email, locale=locale, viewport=PHONE)
    problems = {}
    try:
        for name in _key_pages(page, cluster):
            found = page.evaluate(LAYOUT_PROBLEMS)
            if found:
                problems[name] = found
            shots(page, f"phone-{name}")
    finally:
        page.context.close()
    assert not problems, f"at {PHONE['width']}px: {problems}"
