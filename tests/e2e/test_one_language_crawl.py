"""One language per page, the reader's, everywhere a person can go: signed in as each demo person (the
demo world is loaded into the live site), in Spanish and in Brazilian Portuguese, a phone-sized Chromium
follows every link reachable from the home page (and opens each of the person's notifications, and with
them the wallet lines, awards and rooms they lead to) and finds

- no English from the catalogues: an element whose whole text is an English msgid that the language
  translates differently (tests/e2e/test_home_on_a_phone.py, english_patterns);
- no phrase from the list of texts once stored in the writer's language;
- a header at most 120 px high at 375 px wide, with the account menu on screen.

Pages of the same shape (the same path with other ids, the same query keys) are visited a few times,
not all: every room and every award are their own shape's members, so those are all visited.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from tests.e2e.support import person_page
from tests.e2e.test_home_on_a_phone import KNOWN_LEAKS, LOCALE, english_patterns
from tests.test_translations import read_po

PHONE = {"width": 375, "height": 740}
PEOPLE = ["ana@demo.puente", "mateo@demo.puente", "lucia@demo.puente", "rafael@demo.puente", "joana@demo.puente"]
LANGUAGES = {"es": ("es", "es-HN", "es"), "pt-br": ("pt-br", "pt-BR", "pt_BR")}
# Languages in their own names (the mentor profile's languages, the language menu) are not a leak.
AUTONYMS = {"English", "Español", "Português"}
MAX_PAGES = 90  # per person and language: the crawl of one person's world stays a few minutes at most
SAME_SHAPE = 2  # pages of one shape visited (rooms and awards: all of them)
EVERY_ONE = re.compile(r"^/(rooms|messages)/N/$|/awards?/N/$")
# Not pages: signing out, downloads, the admin, the API, files, the language switch; and the printable
# or raw variants of pages already visited.
SKIP = re.compile(
    r"^/(accounts/logout|admin|api|static|media|ws|language|files)/|\.(csv|xlsx|json|txt|png|jpe?g|pdf)$|/files?/N/|"
    r"/download|/attachments?/|/export/"
)

# The visible texts of the page that are in the page's language (a part marked lang="en", such as a
# library entry shown in its original language or a language's own name, is left out), the header's
# height and whether the account menu can be seen, in one round trip.
LOOK = """() => {
  const page = document.documentElement.lang;
  const own = el => { const marked = el.closest('[lang]'); return !marked || marked === document.documentElement
                      || marked.lang.toLowerCase() === page.toLowerCase(); };
  const texts = Array.from(document.querySelectorAll(
        "header a, header summary, header label, header button, nav a, main a, main h1, main h2, main h3, "
        + "main p, main li, main span, main button, main label, main th, main td, main dt, main dd, main legend, "
        + "main option, .messages li, footer a, footer p"))
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden" && own(el))
    .map(el => (el.innerText || el.textContent).replace(/\\s+/g, " ").trim())
    .filter(Boolean);
  const header = document.querySelector(".site-header");
  const summary = document.querySelector(".account-menu summary");
  const box = summary ? summary.getBoundingClientRect() : null;
  const links = Array.from(document.querySelectorAll("a[href]:not([download])"))
    .map(a => a.getAttribute("href"));
  return {lang: page, texts, links, height: header ? header.getBoundingClientRect().height : 0,
          account: !!box && box.width > 0 && box.right <= window.innerWidth + 1};
}"""


def english_phrases(catalogue: str) -> list[str]:
    """Runs of four words or more, in English, from msgids the language translates differently: found
    anywhere in a page's text (not only as an element's whole text), they are English left on it."""
    phrases = set()
    for entry in read_po(LOCALE / catalogue / "LC_MESSAGES" / "django.po"):
        msgid = entry["msgid"]
        if not msgid or entry["msgstr"][0] in ("", msgid):
            continue
        translated = " ".join(entry["msgstr"])
        for english in filter(None, [msgid, entry["plural"]]):
            for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|[\n:;.!?()“”\"]", english):
                part = " ".join(part.split())
                # A run of words the translation keeps as they are (a name, a code) is not English left over.
                if len(part.split()) >= 4 and len(part) >= 18 and part not in translated:
                    phrases.add(part)
    return sorted(phrases)


def shape(path: str, query: str) -> str:
    keys = sorted({part.split("=")[0] for part in query.split("&") if part})
    return re.sub(r"/\d+(?=/|$)", "/N", path) + ("?" + "&".join(keys) if keys else "")


def local(href: str, origin: str) -> str | None:
    """The path and query of a link to one of our pages, or None."""
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(href)
    if parts.netloc and f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    if not parts.path.startswith("/"):
        return None
    if SKIP.search(re.sub(r"/\d+(?=/|$)", "/N", parts.path)):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def switch_language(page, code: str) -> None:
    page.goto("/")
    with page.expect_navigation():
        page.evaluate("code => document.querySelector(`button[name=language][value='${code}']`).click()", code)


class Crawl:
    def __init__(self, page, language: str, patterns: list[re.Pattern], phrases: list[str], origin: str):
        self.page, self.language, self.patterns, self.origin = page, language, patterns, origin
        self.phrases = phrases
        # One expression for all the msgids (matched in C, not pattern by pattern), and each distinct text
        # judged once: the header, the menus and the footer come back on every page.
        self.english = re.compile("|".join(pattern.pattern for pattern in patterns))
        self.judged: dict[str, bool] = {}
        self.problems: dict[str, list[str]] = {}
        self.visited: set[str] = set()
        self.shapes: dict[str, int] = {}

    def is_english(self, text: str) -> bool:
        if text not in self.judged:
            self.judged[text] = bool(self.english.match(text))
        return self.judged[text]

    def look(self, where: str) -> dict:
        seen = self.page.evaluate(LOOK)
        found = []
        if seen["lang"] != self.language:
            found.append(f"<html lang={seen['lang']}>")
        found += sorted({t for t in seen["texts"] if t not in AUTONYMS and self.is_english(t)})
        text = "\n".join(seen["texts"])
        found += sorted({f"phrase: {phrase}" for phrase in self.phrases if phrase in text})
        found += sorted({f"leak: {t[:120]}" for t in seen["texts"] if any(leak in t for leak in KNOWN_LEAKS)})
        if seen["height"] > 120:
            found.append(f"header {seen['height']:.0f}px high at 375px")
        if not seen["account"]:
            found.append("account menu not on screen")
        if found:
            self.problems[where] = found
        return seen

    def run(self, start: str = "/") -> None:
        queue = deque([start])
        while queue and len(self.visited) < MAX_PAGES:
            target = queue.popleft()
            if target in self.visited:
                continue
            self.visited.add(target)
            response = self.page.goto(target)
            if response is None or response.status >= 400:
                if response is not None and response.status not in (403, 404, 405):
                    self.problems[target] = [f"HTTP {response.status}"]
                continue
            if urlsplit(self.page.url).path.startswith("/accounts/login"):
                continue
            seen = self.look(target)
            for href in seen["links"]:
                path = local(href, self.origin)
                if path is None or path in self.visited:
                    continue
                key = shape(*[*path.split("?", 1), ""][:2])
                limit = 1000 if EVERY_ONE.search(key) else SAME_SHAPE
                if self.shapes.get(key, 0) >= limit:
                    continue
                self.shapes[key] = self.shapes.get(key, 0) + 1
                queue.append(path)

    def notifications(self, most: int = 12) -> None:
        """Each notification as listed, then the page it opens (a room, a request, a session, an award)."""
        self.page.goto("/notifications/")
        self.look("/notifications/")
        count = min(self.page.locator("form.open-note button").count(), most)
        for index in range(count):
            self.page.goto("/notifications/")
            with self.page.expect_navigation():
                self.page.locator("form.open-note button").nth(index).click()
            self.look(f"notification {index + 1} → {urlsplit(self.page.url).path}")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_page_reachable_from_home_speaks_only_the_readers_language(browser, live_site, language):
    code, locale, catalogue = LANGUAGES[language]
    patterns, phrases = english_patterns(catalogue), english_phrases(catalogue)
    problems = {}
    for email in PEOPLE:
        page = person_page(browser, live_site, email, locale=locale, viewport=PHONE)
        before = page.locator("html").get_attribute("lang")
        try:
            if before != code:
                switch_language(page, code)
            crawl = Crawl(page, code, patterns, phrases, live_site.url.rstrip("/"))
            crawl.run()
            crawl.notifications()
            assert len(crawl.visited) > 10, f"{email}: only {sorted(crawl.visited)}"
            print(email, language, len(crawl.visited), "pages")
            problems.update({f"{email} {where}": found for where, found in crawl.problems.items()})
        finally:
            if before != code:  # the other tests meet each demo person in their own language
                switch_language(page, before)
            page.context.close()
    report = "\n".join(f"{where}: {found}" for where, found in sorted(problems.items()))
    assert not problems, f"{language} pages with English or a tall header:\n{report}"
