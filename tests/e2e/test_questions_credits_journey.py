"""From a question to a redeemed benefit, across four people's browsers:

Ana asks in the coffee cluster; Diego (a mentor there) answers and his answer appears on Ana's open
page; Ana accepts it. Red Exporta's program pays accepted answers after review, so Rafael (agency staff)
approves the award in the console: Diego's notification badge moves live and his wallet, reloaded,
shows the 50 credits. Diego redeems a training seat, Rafael approves the redemption, and the impact
dashboard counts the question, its answer and the credits issued and redeemed.
(The demo dates its awards over the past two weeks, so every mentor starts the day with the daily
cap free: tests/incentives/test_demo.py.)"""

import re
import uuid

from tests.e2e.support import person_page, wait_for_socket

AGENCY = "/agency/red-exporta"
SEAT = "Cupo en el taller de cartas de crédito"  # 50 credits


def _balance(page) -> int:
    page.goto("/wallet/")
    balance = page.locator(".balance strong")
    return int(re.sub(r"\D", "", balance.inner_text())) if balance.count() else 0  # no wallet yet


def _badge(page) -> int:
    return int(page.locator("[data-notifications-badge]").inner_text() or 0)


def _impact(page) -> dict[str, float]:
    """Each indicator's raw value on the impact page, by key (labels are translated; keys are not)."""
    page.goto(f"{AGENCY}/impact/")
    return page.evaluate("""() => Object.fromEntries(
        Array.from(document.querySelectorAll("[data-indicator]")).map(
            el => [el.dataset.indicator, el.dataset.value === "" ? null : Number(el.dataset.value)]))""")


def _credits(figures) -> tuple[int, int]:
    return int(figures["credits_issued"]), int(figures["credits_redeemed"])


def _questions(figures) -> tuple[int, int]:
    return int(figures["questions_asked"]), int(figures["questions_answered"])


def test_a_question_answered_accepted_paid_and_redeemed(browser, live_site, shots):
    title = f"¿Qué humedad debe tener el café pergamino para exportar? ({uuid.uuid4().hex[:6]})"
    answer_text = "Entre 10 y 12 % de humedad, medida con un higrómetro calibrado; más arriba se forma moho en el contenedor."
    ana = person_page(browser, live_site, "ana@demo.puente")
    diego = person_page(browser, live_site, "diego@demo.puente")
    rafael = person_page(browser, live_site, "rafael@demo.puente")
    try:
        impact_before = _impact(rafael)
        balance_before = _balance(diego)

        # Ana asks.
        ana.goto("/clusters/cafe-especial/")
        ana.locator(".cluster-questions a[href$='/questions/ask/']").click()
        ana.fill("#id_title", title)
        ana.fill("#id_body", "Secamos en patio y en marquesina. El comprador de Portland pregunta por la humedad.")
        ana.select_option("#id_language", "es")
        ana.check("input[name=topics][value=certifications]")
        shots(ana, "ana-asks")
        ana.click("button[name=post]")
        ana.wait_for_url(re.compile(r"/questions/\d+/$"))
        question_url = ana.url
        assert ana.locator("h1").inner_text() == title
        wait_for_socket(ana, "/ws/questions/")  # the page is live before Diego answers

        # Diego finds it among the questions waiting for mentors, and answers.
        diego.goto("/questions/waiting/")
        diego.get_by_role("link", name=title).click()
        diego.wait_for_url(question_url)
        diego.fill("form.qa-answer-form textarea[name=body]", answer_text)
        shots(diego, "diego-answers")
        diego.click("form.qa-answer-form button[type=submit]")
        diego.wait_for_url(re.compile(r"#a\d+$"))
        answer_id = diego.url.rsplit("#a", 1)[1]

        # The answer appears on Ana's open page; after a reload she accepts it with the page's own form.
        ana.locator(f"[data-answer-id='{answer_id}']", has_text="higrómetro").wait_for()
        shots(ana, "answer-arrives-live")
        ana.reload()
        ana.locator(f"#a{answer_id} form[action$='/accept/'] button").click()
        ana.wait_for_load_state()
        assert ana.locator(f"#a{answer_id}.is-accepted").is_visible()
        shots(ana, "ana-accepted")

        # The program reviews awards: Rafael approves this one in the console while Diego looks at his wallet.
        diego.goto("/wallet/")
        wait_for_socket(diego, "/ws/notifications/")
        badge_before = _badge(diego)
        rafael.goto(f"{AGENCY}/awards/?status=pending")
        award = rafael.locator("li.award", has_text=title)
        assert award.count() == 1 and "50" in award.inner_text()
        shots(rafael, "award-waiting-for-review")
        award.locator("form[action$='/approve/'] button").click()
        rafael.wait_for_load_state()
        assert rafael.locator("li.award", has_text=title).count() == 0
        shots(rafael, "award-approved")

        # Live: the notification badge on Diego's open page; the balance itself shows after a reload.
        diego.wait_for_function(
            "before => Number(document.querySelector('[data-notifications-badge]').textContent || 0) > before",
            arg=badge_before,
        )
        assert _balance(diego) == balance_before + 50
        assert diego.locator("table.statement tbody tr", has_text=title).count() == 1
        shots(diego, "wallet-with-credits")

        # Diego redeems a training seat: the credits move to a hold until the agency approves.
        seat = diego.locator(".catalog li.card", has_text=SEAT)
        seat.locator("a.button").click()
        diego.wait_for_load_state()
        assert diego.locator("dl.facts", has_text=str(balance_before + 50 - 50)).count() == 1  # the balance after
        shots(diego, "seat-confirm")
        diego.locator("form button[type=submit]", has_text="50").click()
        diego.wait_for_load_state()
        assert _balance(diego) == balance_before + 50 - 50
        shots(diego, "seat-requested")

        rafael.goto(f"{AGENCY}/redemptions/?status=requested")
        request = rafael.locator("ul.list li.card", has_text=SEAT).filter(has_text="Diego Pérez")
        assert request.count() == 1
        shots(rafael, "redemption-waiting")
        request.locator("form[action$='/approve/'] button").click()
        rafael.wait_for_load_state()
        assert rafael.locator("ul.list li.card", has_text=SEAT).filter(has_text="Diego Pérez").count() == 0
        shots(rafael, "redemption-approved")

        diego.goto("/wallet/")
        assert SEAT in diego.locator("section[aria-labelledby=mine-h]").inner_text()
        shots(diego, "wallet-after-redemption")

        # The impact dashboard counts what just happened.
        impact_after = _impact(rafael)
        asked, answered = _questions(impact_before)
        assert _questions(impact_after) == (asked + 1, answered + 1)
        issued, redeemed = _credits(impact_before)
        assert _credits(impact_after) == (issued + 50, redeemed + 50)
        shots(rafael, "impact-dashboard")
    finally:
        for page in (ana, diego, rafael):
            page.context.close()
