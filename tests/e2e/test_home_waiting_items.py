"""Signing in lands each demo person on a home that shows what waits for them, in Spanish; once they act
on an item, it is gone from their home (a session confirmed, an award approved)."""

import re

from tests.e2e.support import person_page

SPANISH = {"locale": "es-HN"}


def visible_items(page, part: str) -> list[str]:
    items = page.locator(f"[data-home={part}] li")
    return [items.nth(i).inner_text().strip() for i in range(items.count()) if items.nth(i).is_visible()]


def test_each_person_lands_on_what_waits_for_them(browser, live_site, shots):
    waiting = {
        "ana@demo.puente": ("sessions", "Sesiones por confirmar"),
        "mateo@demo.puente": ("questions-waiting", "Preguntas que esperan tu respuesta"),
        "lucia@demo.puente": ("admissions", "Solicitudes para unirse a tus clústeres"),
        "rafael@demo.puente": ("agency", "recompensas por revisar"),
    }
    for email, (part, words) in waiting.items():
        page = person_page(browser, live_site, email, **SPANISH)
        try:
            assert page.url.rstrip("/") == live_site.url.rstrip("/"), page.url
            section = page.locator(f"[data-home={part}]").first
            assert section.is_visible() and words in section.inner_text(), (email, section.inner_text())
            assert visible_items(page, part), f"nothing waits for {email} on their home"
            shots(page, f"home-{email.split('@')[0]}")
        finally:
            page.context.close()


def test_a_session_confirmed_leaves_the_aspirants_home(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", **SPANISH)
    try:
        links = ana.locator("[data-home=sessions] li a")
        before = links.count()
        assert before >= 1, "the demo gives Ana a session to confirm"
        session_id = re.search(r"#session-(\d+)$", links.first.get_attribute("href")).group(1)
        links.first.click()
        ana.wait_for_load_state()
        confirm = ana.locator(f"form[action$='/sessions/{session_id}/confirm/'] button")
        assert confirm.is_visible() and confirm.inner_text().strip() == "Confirmar esta sesión"
        confirm.click()
        ana.wait_for_load_state()
        ana.goto("/")
        assert ana.locator(f"[data-home=sessions] a[href$='#session-{session_id}']").count() == 0
        assert ana.locator("[data-home=sessions] li a").count() == before - 1
        shots(ana, "ana-home-after-confirming")
    finally:
        ana.context.close()


def test_an_award_approved_leaves_the_agency_staffs_count(browser, live_site, shots):
    rafael = person_page(browser, live_site, "rafael@demo.puente", **SPANISH)
    try:
        def waiting_count() -> int:
            rafael.goto("/")
            text = rafael.locator("[data-home=agency] a[href$='/awards/']").first.inner_text()
            return int(re.search(r"\d+", text).group(0))

        before = waiting_count()
        assert before >= 1, "the demo gives Rafael awards to review"
        rafael.locator("[data-home=agency] a[href$='/awards/']").first.click()
        rafael.wait_for_load_state()
        approve = rafael.locator("form.inline-decision[action$='/approve/'] button").first
        assert approve.is_visible() and approve.inner_text().strip() == "Aprobar"
        approve.click()
        rafael.wait_for_load_state()
        assert waiting_count() == before - 1
        shots(rafael, "rafael-home-after-approving")
    finally:
        rafael.context.close()
