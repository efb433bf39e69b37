"""A new aspirant signs up, verifies the address, onboards and asks to join a cluster; the facilitator
approves. Three separate browser contexts, a real Daphne server, Debian's Chromium."""

import re

from tests.e2e.support import log_in, new_person_page


def test_an_aspirant_signs_up_onboards_and_is_approved_into_a_cluster(browser, live_site, shots):
    email = "valeria@cafe-copan.example"
    page = new_person_page(browser, live_site, locale="es-HN")

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    shots(page, "home-in-spanish")

    page.goto("/accounts/signup/")
    page.fill("#id_email", email)
    page.fill("#id_password1", "Exportar-a-Alemania-2027")
    page.fill("#id_password2", "Exportar-a-Alemania-2027")
    shots(page, "signup")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    shots(page, "verification-sent")

    link = live_site.link_in_last_mail_to(email, r"https?://\S+/accounts/confirm-email/\S+/")
    page.goto(re.sub(r"^https?://[^/]+", "", link))  # one click confirms and signs in
    page.wait_for_url("**/welcome/**")
    shots(page, "onboarding")

    page.fill("#id_name", "Valeria Castillo")
    page.select_option("#id_language", "es")
    page.select_option("#id_country", "HN")
    page.check("#id_wants_to_mentor_0")
    page.check("#id_firm_choice_0")
    page.select_option("#id_firm_role", "owner")
    page.fill("#id_firm_name", "Café Copán Alto")
    page.select_option("#id_firm_country", "HN")
    page.locator("label", has_text="Café especial").first.click()  # the firm's sector
    page.click("main form button[type=submit]")
    page.wait_for_url("**/clusters/?sector=*")
    shots(page, "directory-after-onboarding")

    page.goto("/clusters/cafe-especial/")
    page.fill("#id_message", "Exportamos 2 contenedores al año a través de un intermediario; queremos vender directo.")
    page.click("form.join-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".membership-action .status").is_visible()
    shots(page, "join-requested")

    facilitator = new_person_page(browser, live_site)
    log_in(facilitator, "lucia@demo.puente")
    facilitator.goto("/clusters/requests/")
    request = facilitator.locator("li.request", has_text="Valeria Castillo")
    assert "Exportamos 2 contenedores" in request.inner_text()
    shots(facilitator, "facilitator-sees-request")
    request.locator("form[action$='/approve/'] button").click()
    facilitator.wait_for_load_state()
    assert facilitator.locator("li.request", has_text="Valeria Castillo").count() == 0
    shots(facilitator, "facilitator-approved")

    page.reload()
    assert page.locator("form[action$='/leave/']").is_visible()
    shots(page, "aspirant-is-member")

    # Someone outside the cluster sees the public page and no member-only controls.
    outsider = new_person_page(browser, live_site)
    log_in(outsider, "otto@demo.puente")
    outsider.goto("/clusters/cafe-especial/")
    assert outsider.locator("form.join-form").is_visible()
    for context in (page.context, facilitator.context, outsider.context):
        context.close()
