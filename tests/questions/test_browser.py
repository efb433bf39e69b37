"""The Q&A pages in headless Chromium against a running Daphne with the demo world (tests/e2e's
fixtures): an answer posted by one person appears live on another's open question page; what happens
before the page's socket connects, or while it is down, shows without a reload once it (re)connects;
and the ask form suggests similar questions while the title is typed, and without JavaScript on request."""

import re

from tests.e2e.support import log_in, new_person_page

WAITING_TITLE = "¿Qué puntaje de catación SCA piden los tostadores de especialidad en Alemania?"
EUDR_TITLE = "¿Cómo demuestro que mi café cumple el reglamento EUDR de deforestación?"


def _question_url(page, title: str = WAITING_TITLE) -> str:
    page.goto("/clusters/cafe-especial/questions/")
    link = page.get_by_role("link", name=title)
    return link.get_attribute("href")


def wait_until_live(page) -> None:
    """The question page's socket is open and has caught up (static/js/questions.js sets the state)."""
    page.locator("[data-live-url][data-live-state=live]").wait_for(state="attached")


def test_an_answer_appears_live_on_the_askers_page(browser, live_site, shots):
    ana = new_person_page(browser, live_site)
    log_in(ana, "ana@demo.puente")
    url = _question_url(ana)
    ana.goto(url)
    wait_until_live(ana)
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
    # The heading over the answers counts it too, in Ana's language.
    wait_for_answer_count(ana, before + 1)
    assert str(before + 1) in ana.locator("#answers-title").inner_text()
    # The asker may accept: the live fragment shows her the accept button, with a CSRF token filled in.
    accept = ana.locator("[data-answer-id]").nth(before).locator("[data-accept-form]")
    assert accept.is_visible()
    accept.locator("button").click()
    ana.wait_for_load_state()
    assert ana.locator(".qa-answer.is-accepted").count() == 1
    shots(ana, "accepted-live-answer")


def wait_for_answer_count(page, count: int) -> None:
    page.wait_for_function("n => document.getElementById('answers-title').dataset.answerCount === n", arg=str(count))


def _in_the_site(live_site, code: str) -> int:
    """Runs `code` with Puente's services in the live site's database; returns the number it prints last."""
    prelude = (
        "from clusters.models import User\n"
        "from questions import services\n"
        "from questions.models import Answer, Question, Vote\n"
        "person = lambda name: User.objects.get(email=name + '@demo.puente')\n"
        f"question = Question.objects.get(title={EUDR_TITLE!r})\n"
    )
    return int(live_site.manage("shell", "-c", prelude + code).split()[-1])


def test_what_happens_before_the_socket_connects_or_while_it_is_down_shows_without_reload(browser, live_site):
    carmen = new_person_page(browser, live_site)
    log_in(carmen, "carmen@demo.puente")
    url = _question_url(carmen, EUDR_TITLE)
    # The page's question sockets reach the server only while `reachable` is set; the others stay with
    # Playwright (open, but nothing answers), as if the network had not let them through yet.
    reachable, held = [False], []

    def route(socket):
        if reachable[0]:
            socket.connect_to_server()
        held.append(socket)

    def let_through():
        reachable[0] = True
        stuck = held[:]
        held.clear()
        for socket in stuck:
            socket.close()  # the page sees its socket drop, and reconnects

    carmen.route_web_socket(re.compile(r"/ws/questions/\d+/$"), route)
    carmen.goto(url)
    carmen.evaluate("window.__sameDocument = true")
    before = carmen.locator("[data-answer-id]").count()

    # Rendered, not connected yet: Diego answers, Ana finds it useful, Carmen (on her phone) accepts it.
    answer_id = _in_the_site(
        live_site,
        (
            "answer = services.answer_post(question=question, author=person('diego'), "
            "body='Con los **polígonos** de cada parcela y la declaración de diligencia debida.')\n"
            "services.vote_cast(user=person('ana'), answer=answer, value=Vote.UP)\n"
            "services.answer_accept(question=question, answer=answer, acting_user=person('carmen'))\n"
            "print(answer.pk)\n"
        ),
    )
    assert carmen.locator(f"#a{answer_id}").count() == 0
    let_through()
    carmen.locator(f"#a{answer_id}").wait_for()
    wait_until_live(carmen)
    answer = carmen.locator(f"#a{answer_id}")
    assert "polígonos" in answer.inner_text()
    assert answer.locator("[data-score]").inner_text() == "1"
    assert "is-accepted" in answer.get_attribute("class") and answer.locator(".qa-accepted-mark").is_visible()
    assert carmen.locator("[data-answer-id]").count() == before + 1
    wait_for_answer_count(carmen, before + 1)

    # Live, then the connection drops; while it is down Mateo answers, Diego edits his answer and
    # Carmen adds a line to her question.
    reachable[0] = False
    for socket in held:
        socket.close()
    held.clear()
    carmen.locator("[data-live-url][data-live-state=offline]").wait_for(state="attached")
    second_id = _in_the_site(
        live_site,
        (
            "answer = services.answer_post(question=question, author=person('mateo'), body='Y guarde las facturas.')\n"
            "first = Answer.objects.exclude(pk=answer.pk).filter(question=question).latest('pk')\n"
            "services.answer_edit(answer=first, acting_user=person('diego'), body='Con los **polígonos**, "
            "la declaración y las facturas.')\n"
            "services.question_edit(question=question, acting_user=person('carmen'), title=question.title, "
            "body=question.body + '\\n\\nActualización: ya tenemos las **parcelas georreferenciadas**.', "
            "topics=question.topics, tags=question.tags, "
            "target_markets=[country.code for country in question.target_markets])\n"
            "print(answer.pk)\n"
        ),
    )
    let_through()
    carmen.locator(f"#a{second_id}").wait_for()
    wait_until_live(carmen)
    assert "las facturas" in carmen.locator(f"#a{answer_id} .prose").inner_text()
    assert "parcelas georreferenciadas" in carmen.locator("[data-question-body]").inner_text()
    # Each answer once, and all of it without a reload.
    assert carmen.locator("[data-answer-id]").count() == before + 2
    wait_for_answer_count(carmen, before + 2)
    assert str(before + 2) in carmen.locator("#answers-title").inner_text()
    assert carmen.locator(f"#a{answer_id}").count() == 1 and carmen.locator(f"#a{second_id}").count() == 1
    assert carmen.evaluate("window.__sameDocument") is True


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
