"""Rosa (a chocolate maker in the Dominican Republic who wants to sell in Belgium) finds Valentina in the
mentor directory and asks for mentoring; Valentina accepts with a plan, logs their first session, and
Rosa confirms it. Two browser contexts, every step a plain page and form."""

import datetime
import re

from tests.e2e.support import person_page

GOAL = ("Quiero vender tabletas bean-to-bar a tiendas de Bruselas: necesito entender el análisis de cadmio, "
        "la etiqueta en francés y cómo cotizar el envío de muestras.")
NOTES = "Revisamos el informe de cadmio (0,45 mg/kg) y la lista de tiendas de Bruselas para las muestras."


def test_an_aspirant_finds_a_mentor_and_they_confirm_a_first_session(browser, live_site, shots):
    rosa = person_page(browser, live_site, "rosa@demo.puente")
    valentina = person_page(browser, live_site, "valentina@demo.puente")
    try:
        # Rosa looks for a mentor in her sector and sends a request.
        rosa.goto("/mentors/?sector=cacao-chocolate")
        shots(rosa, "mentor-directory")
        rosa.locator(".mentor-card h3 a", has_text="Valentina Mora").click()
        rosa.wait_for_url(re.compile(r"/mentors/\d+/$"))
        rosa.fill("#id_goal", GOAL)
        shots(rosa, "request-form")
        rosa.locator("form[action$='/request/'] button[type=submit]").click()
        rosa.wait_for_url(re.compile(r"/mentorships/requests/\d+/$"))
        request_url = rosa.url
        assert "Valentina Mora" in rosa.locator("h1").inner_text()
        shots(rosa, "request-sent")

        # Valentina finds it among the requests waiting for her and accepts it with a plan.
        valentina.goto("/mentorships/")
        valentina.locator("section[aria-labelledby=received-title] a", has_text="Rosa Almonte").click()
        valentina.wait_for_url(request_url)
        assert "cadmio" in valentina.locator("blockquote").first.inner_text()
        plan = valentina.locator("#id_plan_template")
        options = [value for value in plan.locator("option").evaluate_all("os => os.map(o => o.value)") if value]
        plan.select_option(options[0])
        shots(valentina, "request-to-accept")
        valentina.locator("form[action$='/accept/'] button[type=submit]").click()
        valentina.wait_for_url(re.compile(r"/mentorships/\d+/$"))
        mentorship_url = valentina.url
        shots(valentina, "mentorship-started")

        # She logs yesterday's session (a session is logged after it happened).
        yesterday = datetime.date.today() - datetime.timedelta(days=1)
        valentina.fill("#id_date", yesterday.isoformat())
        valentina.fill("#id_minutes", "60")
        valentina.check("input[name=topics][value=certifications]")
        valentina.fill("#id_notes", NOTES)
        valentina.locator("form[action$='/session/'] button[type=submit]").click()
        valentina.wait_for_load_state()
        session = valentina.locator("li.session", has_text="0,45 mg/kg")
        assert session.count() == 1 and "status-pending" in session.get_attribute("class")
        shots(valentina, "session-logged")

        # Rosa sees the session waiting for her and confirms it.
        rosa.goto("/mentorships/")
        to_confirm = rosa.locator("section[aria-labelledby=confirm-title] a", has_text="Valentina Mora")
        assert to_confirm.count() == 1
        shots(rosa, "session-to-confirm")
        to_confirm.click()
        rosa.wait_for_url(re.compile(re.escape(mentorship_url) + r"#session-\d+$"))
        rosa_session = rosa.locator("li.session", has_text="0,45 mg/kg")
        rosa_session.locator("form[action$='/confirm/'] button").click()
        rosa.wait_for_load_state()
        rosa_session = rosa.locator("li.session", has_text="0,45 mg/kg")
        assert "status-confirmed" in rosa_session.get_attribute("class")
        assert rosa_session.locator("form[action$='/confirm/']").count() == 0
        shots(rosa, "session-confirmed")

        # The mentor's page shows it confirmed too, and the mentorship counts its minutes.
        valentina.goto("/mentorships/")
        row = valentina.locator("section[aria-labelledby=mentorships-title] tr", has_text="Rosa Almonte")
        assert row.locator("td.num").first.inner_text() == "60"
        shots(valentina, "mentor-sees-confirmed-minutes")
    finally:
        rosa.context.close()
        valentina.context.close()
