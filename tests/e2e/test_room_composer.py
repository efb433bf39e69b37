"""The room's composer and times, in Spanish, on a phone and on a desktop (issue #19, items 2 and 6):
a message on its way says so, a refused one says why and can be sent again or taken back to edit; the
Markdown help is behind a toggle; each room keeps its own draft; times are in the reader's zone, told
by their browser on their first visit."""

import json
import re

import pytest

from tests.e2e.support import log_in, person_page, wait_for_socket
from tests.e2e.test_chat_journey import DESKTOP, PHONE, _in_the_site, _message, _open_general_room


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_refused_message_says_why_and_is_sent_again_from_its_bubble(browser, live_site, shots, viewport):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=viewport)
    # The first message the page sends is answered, as the server answers a refusal, with an error for
    # its client id, and so is that message sent again before the person asks for it (the outbox resends
    # on a reconnect, which a loaded machine can cause); everything else goes through to the server.
    refused, retried = [], []

    def route(socket):
        server = socket.connect_to_server()

        def from_page(text):
            frame = json.loads(text)
            if frame.get("type") == "message" and (not refused or (frame["client_id"] in refused and not retried)):
                refused.append(frame["client_id"])
                socket.send(json.dumps({
                    "type": "error", "code": "rate_limited", "ref": "message", "client_id": frame["client_id"],
                    "message": "Estás enviando mensajes demasiado rápido.", "retry_after": 3,
                }))
                return
            server.send(text)

        socket.on_message(from_page)

    try:
        ana.route_web_socket(re.compile(r"/ws/rooms/\d+/$"), route)
        _open_general_room(ana)
        wait_for_socket(ana, "/ws/rooms/")
        composer = ana.locator("#composer textarea")
        text = f"¿Alguien tiene el formulario del FDA? ({viewport['width']})"
        composer.fill(text)
        composer.press("Enter")
        bubble = ana.locator("[data-messages] li.failed")
        bubble.wait_for()
        assert "Estás enviando mensajes demasiado rápido." in bubble.inner_text()
        assert bubble.locator("[data-retry]").inner_text() == "Enviar de nuevo"
        assert composer.input_value() == ""  # the text is in the bubble, not lost
        shots(ana, "refused-message-bubble")

        retried.append(True)
        bubble.locator("[data-retry]").click()
        _message(ana, text).wait_for()
        assert ana.locator("[data-messages] li.failed, [data-messages] li.pending").count() == 0
        assert _message(ana, text).count() == 1
        shots(ana, "sent-again")

        # "Edit" takes a refused message back into the composer instead.
        refused.clear()
        composer.fill(f"Segundo intento ({viewport['width']})")
        composer.press("Enter")
        bubble.wait_for()
        bubble.locator("[data-takeback]").click()
        assert composer.input_value() == f"Segundo intento ({viewport['width']})"
        assert ana.locator("[data-messages] li.failed").count() == 0
    finally:
        ana.context.close()


def test_a_message_whose_socket_drops_waits_for_the_connection_and_goes_when_it_is_back(browser, live_site):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    # The first socket swallows message frames (as a link that dies after the send); later ones pass.
    sockets = []

    def route(socket):
        server = socket.connect_to_server()
        first = not sockets
        sockets.append(socket)
        socket.on_message(lambda text: None if first and '"type":"message"' in text else server.send(text))

    try:
        ana.route_web_socket(re.compile(r"/ws/rooms/\d+/$"), route)
        _open_general_room(ana)
        wait_for_socket(ana, "/ws/rooms/")
        ana.locator("#composer textarea").fill("Mensaje en un túnel")
        ana.locator("#composer textarea").press("Enter")
        bubble = ana.locator("[data-messages] li.pending")
        assert bubble.locator("[data-state]").inner_text() == "Enviando…"
        sockets[0].close()
        bubble.locator("[data-state]", has_text="Esperando la conexión…").wait_for()
        # The page reconnects, resyncs and sends its outbox again: the bubble becomes the message.
        _message(ana, "Mensaje en un túnel").wait_for()
        assert ana.locator("[data-messages] li.pending").count() == 0
    finally:
        ana.context.close()


def test_markdown_help_is_behind_a_toggle_and_each_room_keeps_its_own_draft(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        general = _open_general_room(ana)
        help_text = ana.locator(".composer-help p")
        assert help_text.is_hidden()
        ana.locator(".composer-help summary").click()
        assert help_text.is_visible() and "Markdown" in help_text.inner_text()
        shots(ana, "markdown-help-open")
        ana.locator(".composer-help summary").click()
        assert help_text.is_hidden()

        ana.locator("#composer textarea").fill("Borrador para el general")
        ana.locator("#composer textarea").press("End")  # an input event keeps the draft
        ana.locator("#composer textarea").press_sequentially(".")
        ana.goto("/messages/")
        ana.locator(".room-row a").filter(has_not_text="General").first.click()
        ana.wait_for_url("**/messages/*/")
        assert ana.url != general and ana.locator("#composer textarea").input_value() == ""
        ana.goto(general)
        assert ana.locator("#composer textarea").input_value() == "Borrador para el general."
        ana.locator("#composer textarea").fill("")
        ana.locator("#composer textarea").press_sequentially("x")
        ana.locator("#composer textarea").press("Backspace")
    finally:
        ana.context.close()


def test_times_are_in_the_zone_the_browser_told_on_the_first_visit(browser, live_site, shots):
    _in_the_site(live_site, "User.objects.filter(email='lucia@demo.puente').update(time_zone=''); print(0)")
    context = browser.new_context(
        base_url=live_site.url, locale="es-HN", viewport=PHONE, timezone_id="America/Tegucigalpa"
    )
    page = context.new_page()
    try:
        log_in(page, "lucia@demo.puente")
        page.wait_for_function("document.cookie.indexOf('puente_tz=') >= 0")
        zone = lambda: _in_the_site(  # noqa: E731
            live_site, "print(int(User.objects.get(email='lucia@demo.puente').time_zone == 'America/Tegucigalpa'))"
        )
        for _ in range(50):
            if zone():
                break
            page.wait_for_timeout(100)
        assert zone() == 1
        _open_general_room(page)
        time = page.locator("[data-messages] li.msg time").last
        assert "(America/Tegucigalpa)" in time.get_attribute("title")
        shots(page, "times-in-the-browsers-zone")
    finally:
        context.close()
