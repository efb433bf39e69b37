"""Puente works without JavaScript, as on an old phone or a connection that drops scripts: every step here
is a plain form POST and a redirect. Otto (seafood) joins the open apparel cluster, writes in its room,
asks a question; Isabel, its facilitator and a mentor, answers; Otto accepts the answer."""

import re
import uuid

from tests.e2e.support import person_page

CLUSTER = "/clusters/confeccion-textiles/"


def test_joining_posting_asking_and_answering_work_without_javascript(browser, live_site, shots):
    otto = person_page(browser, live_site, "otto@demo.puente", javascript=False)
    isabel = person_page(browser, live_site, "isabel@demo.puente", javascript=False)
    tag = uuid.uuid4().hex[:6]
    hello = f"Hola, soy Otto de Mariscos Fonseca: también hacemos uniformes para plantas de proceso ({tag})."
    title = f"¿Qué etiqueta necesita un uniforme de trabajo para venderlo en EE. UU.? ({tag})"
    try:
        otto.goto("/")
        assert otto.locator("html.js").count() == 0  # puente.js did not run

        # Join an open cluster: that lands in its general room.
        otto.goto(CLUSTER)
        otto.click("form.join-form button[type=submit]")
        otto.wait_for_url("**/messages/*/")
        shots(otto, "joined")
        otto.goto(CLUSTER)
        assert otto.locator(f"form[action$='{CLUSTER}leave/']").is_visible()

        # Write in its general room: the composer is a plain form.
        otto.locator(".cluster-rooms a").first.click()
        otto.wait_for_url("**/messages/*/")
        otto.fill("#composer textarea", hello)
        otto.click("#composer button[type=submit]")
        otto.wait_for_url(re.compile(r"/messages/\d+/#m\d+$"))
        message_id = otto.url.rsplit("#m", 1)[1]
        assert hello in otto.locator(f"li#m{message_id}").inner_text()
        shots(otto, "posted-in-room")

        # Ask a question.
        otto.goto(f"{CLUSTER}questions/ask/")
        otto.fill("#id_title", title)
        otto.fill("#id_body", "Camisas de algodón para operarios; el cliente está en Miami.")
        otto.select_option("#id_language", "es")
        otto.click("button[name=post]")
        otto.wait_for_url(re.compile(r"/questions/\d+/$"))
        question_url = otto.url
        assert otto.locator("h1").inner_text() == title
        shots(otto, "asked")

        # Isabel answers from the cluster's question list.
        isabel.goto(f"{CLUSTER}questions/")
        isabel.get_by_role("link", name=title).click()
        isabel.wait_for_url(question_url)
        isabel.fill("form.qa-answer-form textarea[name=body]",
                    "Fibra y porcentaje, país de origen, instrucciones de cuidado y tu número RN.")
        isabel.click("form.qa-answer-form button[type=submit]")
        isabel.wait_for_url(re.compile(r"#a\d+$"))
        answer_id = isabel.url.rsplit("#a", 1)[1]
        assert "número RN" in isabel.locator(f"#a{answer_id}").inner_text()
        shots(isabel, "answered")

        # Otto sees it on a reload and accepts it.
        otto.reload()
        otto.locator(f"#a{answer_id} form[action$='/accept/'] button").click()
        otto.wait_for_url(re.compile(r"/questions/\d+/"))
        assert otto.locator(f"#a{answer_id}.is-accepted").is_visible()
        shots(otto, "accepted")
    finally:
        otto.context.close()
        isabel.context.close()
