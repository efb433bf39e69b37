"""The Q&A pages in headless Chromium against a running Daphne with the demo world (tests/e2e's
fixtures): an answer posted by one person appears live on another's open question page, and the ask
form suggests similar questions while the title is typed, and without JavaScript on request."""

import re

from tests.e2e.support import log_in, new_person_page

WAITING_TITLE = "¿Qué puntaje de catación SCA piden los tostadores de especialidad en Alemania?"


def _question_url(page) -> str:
    page.goto("/clusters/cafe-especial/questions/")
    link = page.get_by_role("link", name=WAITING_TITLE)
    return link.get_attribute("href")


def test_an_answer_appears_live_on_the_askers_page(browser, live_site, shots):
    ana = new_person_page(browser, live_site)
    log_in(ana, "ana@demo.puente")
    url = _question_url(ana)
    ana.goto(url)
    ana.wait_for_timeout(500)  # the socket connects
    before = ana.locator("[data-answer-id]").count()

    diego = new_person_page(browser, live_site)
    log_in(diego, "diego@demo.puente")
    diego.goto(url)
    diego.fill("textarea[name=body]", "Para Alemania, **86+** si es un microlote de proceso natural.")
    diego.click("form.qa-answer-form button[type=submit]")
    diego.wait_for_url(re.compile(r"#a\d+$"))

    ana.locator("[data-answer-id]").nth(before).wait_for()
    assert ana.locator("[data-answer-id]").count() == before + 1
    assert "86+" in ana.locator("[data-answer-id]").nth(before).inner_text()
    # The asker may accept: the live fragment shows her the accept button, with a CSRF token filled in.
    accept = ana.locator("[data-answer-id]").nth(before).locator("[data-accept-form]")
    assert accept.is_visible()
    accept.locator("button").click()
    ana.wait_for_load_state()
    assert ana.locator(".qa-answer.is-accepted").count() == 1
    shots(ana, "accepted-live-answer")


def test_the_ask_form_suggests_similar_questions_as_the_title_is_typed(browser, live_site, shots):
    ana = new_person_page(browser, live_site)
    log_in(ana, "ana@demo.puente")
    ana.goto("/clusters/cafe-especial/questions/ask/")
    ana.locator("#id_title").press_sequentially("¿Qué registros pide la FDA?", delay=20)
    # Suggestions follow the typing; the one about FDA registration shows up first once "FDA" is typed.
    ana.locator("#similar-questions li:first-child a", has_text="FDA").wait_for()
    shots(ana, "similar-while-typing")


def test_similar_questions_without_javascript(browser, live_site):
    ana = new_person_page(browser, live_site, javascript=False)
    log_in(ana, "ana@demo.puente")
    ana.goto("/clusters/cafe-especial/questions/ask/")
    ana.fill("#id_title", "¿Cómo cotizo un flete a Rotterdam?")
    ana.click("button[name=check]")
    ana.wait_for_load_state()
    assert "Rotterdam" in ana.locator("#similar-questions").inner_text()
    assert ana.locator("#id_title").input_value() == "¿Cómo cotizo un flete a Rotterdam?"
