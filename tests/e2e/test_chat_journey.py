"""Ana (aspirant) and Mateo (mentor) chat in the coffee cluster's general room, each in their own browser
context: every message reaches the other page over the websocket without a reload, Mateo's typing shows
on Ana's page, and after a reload both pages hold every message exactly once (persist, then broadcast)."""

import re

from tests.e2e.support import person_page, user_id, wait_for_socket

QUESTION = "Mateo, ¿cuántos días tarda en llegar una muestra por courier a Portland?"
ANSWER = "Con DHL, de 3 a 4 días hábiles desde Tegucigalpa. Mándalas un lunes para que no pasen el fin de semana en aduana."


def _open_general_room(page) -> str:
    page.goto("/clusters/cafe-especial/")
    page.locator(".cluster-rooms a", has_text="General").click()
    page.wait_for_url("**/messages/*/")
    return page.url


def _mark_page(page) -> None:
    # A reload would drop this flag: finding it later proves the page was never reloaded.
    page.evaluate("window.__sameDocument = true")


def _still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def _message(page, text: str):
    return page.locator("[data-messages] li.msg[data-id]", has_text=text)


def test_two_people_chat_live_and_nothing_is_lost_on_reload(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente")
    mateo = person_page(browser, live_site, "mateo@demo.puente")
    try:
        room_url = _open_general_room(ana)
        mateo.goto(room_url)
        ana_id, mateo_id = user_id(ana), user_id(mateo)
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")
        # Presence shows each other online: both sockets are connected and joined to the room's group.
        ana.locator(f"[data-people] li[data-person='{mateo_id}'].online").wait_for()
        mateo.locator(f"[data-people] li[data-person='{ana_id}'].online").wait_for()
        _mark_page(ana)
        _mark_page(mateo)
        shots(ana, "ana-in-the-room")

        # Mateo starts typing: Ana sees who is typing.
        mateo.locator("#composer textarea").press_sequentially("Con DHL", delay=30)
        typing = ana.locator("[data-typing]")
        typing.filter(has_text="Mateo Restrepo").wait_for()
        assert typing.is_visible()
        shots(ana, "ana-sees-mateo-typing")
        mateo.locator("#composer textarea").fill("")

        # Ana asks; the message reaches Mateo's open page.
        ana.fill("#composer textarea", QUESTION)
        ana.click("#composer button[type=submit]")
        _message(ana, QUESTION).wait_for()
        _message(mateo, QUESTION).wait_for()
        shots(mateo, "mateo-receives-question")

        # Mateo answers; it reaches Ana, and his message ends his "is typing" line on her page.
        mateo.fill("#composer textarea", ANSWER)
        mateo.click("#composer button[type=submit]")
        _message(mateo, ANSWER).wait_for()
        _message(ana, ANSWER).wait_for()
        assert "Mateo Restrepo" not in typing.inner_text()
        shots(ana, "ana-receives-answer")

        assert _still_same_document(ana) and _still_same_document(mateo), "a page reloaded during the chat"
        assert ana.url == room_url and mateo.url == room_url
        # The bubble sent over the socket was replaced by the stored message, which has an id.
        assert ana.locator("[data-messages] li.pending").count() == 0
        assert mateo.locator("[data-messages] li.pending").count() == 0

        # A reload loses nothing and doubles nothing: both messages, once each, in order.
        for page in (ana, mateo):
            page.reload()
            question, answer = _message(page, QUESTION), _message(page, ANSWER)
            assert question.count() == 1 and answer.count() == 1
            assert int(question.get_attribute("data-id")) < int(answer.get_attribute("data-id"))
            assert int(question.get_attribute("data-author-id")) == ana_id
            assert int(answer.get_attribute("data-author-id")) == mateo_id
        shots(mateo, "mateo-after-reload")
    finally:
        ana.context.close()
        mateo.context.close()


def _in_the_site(live_site, code: str) -> int:
    """Runs `code` with the messaging services in the live site's database; returns the number it prints last."""
    prelude = (
        "from clusters.models import User\n"
        "from infra.ratelimit import rate_limits_lifted\n"
        "from messaging import services\n"
        "lifted = rate_limits_lifted()  # the script posts faster than a person may\n"
        "lifted.__enter__()\n"
        "from messaging.models import Message, Room\n"
        "person = lambda name: User.objects.get(email=name + '@demo.puente')\n"
        "general = Room.objects.get(cluster__slug='cafe-especial', kind='cluster', slug='general')\n"
    )
    return int(live_site.manage("shell", "-c", prelude + code).split()[-1])


def test_what_changes_while_the_page_is_offline_shows_when_it_reconnects(browser, live_site):
    """Edits, deletions and new messages made before the room page's socket gets through (or while it
    is down) reach the page without a reload: the resync asks for new messages and for the changes to
    the ones the page holds."""
    first = _in_the_site(live_site, "print(services.message_post(room=general, author=person('mateo'), body='Precio FOB 4,20').pk)")
    second = _in_the_site(live_site, "print(services.message_post(room=general, author=person('mateo'), body='Flete aparte').pk)")
    ana = person_page(browser, live_site, "ana@demo.puente")
    # The page's room sockets reach the server only once `reachable` is set; until then Playwright holds
    # them (open, nothing answers), as if the phone's network had not let them through yet.
    reachable, held = [False], []

    def route(socket):
        if reachable[0]:
            socket.connect_to_server()
        held.append(socket)

    try:
        ana.route_web_socket(re.compile(r"/ws/rooms/\d+/$"), route)
        _open_general_room(ana)
        _mark_page(ana)
        assert _message(ana, "Precio FOB 4,20").count() == 1
        # While Ana's page is offline Mateo corrects one message, deletes the other and writes a new one.
        _in_the_site(live_site, (
            f"m = Message.objects.get(pk={first})\n"
            "services.message_edit(message=m, editor=person('mateo'), body='Precio FOB 4,50')\n"
            f"services.message_delete(message=Message.objects.get(pk={second}), acting_user=person('mateo'))\n"
            "print(services.message_post(room=general, author=person('mateo'), body='¿Les sirve?').pk)\n"
        ))
        reachable[0] = True
        for socket in held[:]:
            socket.close()  # the page sees its socket drop, reconnects, and resyncs
        _message(ana, "¿Les sirve?").wait_for()
        _message(ana, "Precio FOB 4,50").wait_for()
        assert ana.locator(f"#m{second}").get_attribute("class").split().count("deleted") == 1
        assert _message(ana, "Precio FOB 4,20").count() == 0
        assert _still_same_document(ana)
    finally:
        ana.context.close()


PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Whether the room's newest message can be seen: the element at the centre of its box is the message
# itself (or something inside it), so nothing covers it (the composer, the header, a pill) and the
# list is scrolled to it.
NEWEST_IN_VIEW = """() => {
  const items = document.querySelectorAll("[data-messages] li.msg");
  const li = items[items.length - 1];
  if (!li) return false;
  const box = li.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return !!hit && li.contains(hit);
}"""

# How many messages' text can be read: those whose body's centre is on screen and not covered.
MESSAGES_IN_VIEW = """() => Array.from(document.querySelectorAll("[data-messages] li.msg .msg-body")).filter(body => {
  const box = body.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return !!hit && body.contains(hit);
}).length"""


def _newest_in_view(page) -> bool:
    return page.evaluate(NEWEST_IN_VIEW)


def _wait_newest_in_view(page) -> None:
    page.wait_for_function(NEWEST_IN_VIEW)


def _send(page, text: str) -> None:
    page.fill("#composer textarea", text)
    page.click("#composer button[type=submit]")


def test_on_a_phone_the_room_opens_at_the_newest_message_and_keeps_it_in_view(browser, live_site, shots):
    """At 375x740, in Spanish: the room opens at its newest message, which the composer does not cover;
    Ana's own message and Mateo's reply are in view the moment they arrive; once she scrolls up to read,
    a new message does not move the list but shows a pill that takes her back down."""
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        room_url = _open_general_room(ana)
        mateo.goto(room_url)
        assert ana.locator("html").get_attribute("lang") == "es"
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")
        assert _newest_in_view(ana), "the room did not open at its newest message"
        assert ana.evaluate(MESSAGES_IN_VIEW) >= 2, "fewer than two messages can be read on a phone"
        shots(ana, "phone-room-opens-at-newest")

        # Shift+Enter starts a new line; Enter sends, as the hint under the composer says.
        assert "Enter envía" in ana.locator("#composer-hint").inner_text()
        composer = ana.locator("#composer textarea")
        composer.press_sequentially("Les mando las muestras")
        composer.press("Shift+Enter")
        composer.press_sequentially("el lunes.")
        assert composer.input_value() == "Les mando las muestras\nel lunes."
        assert ana.locator("[data-messages] li.pending").count() == 0
        composer.press("Enter")
        _message(ana, "Les mando las muestras").wait_for()
        assert composer.input_value() == ""
        assert "muestras\nel lunes." in ana.locator("[data-messages] li.msg").last.locator(".msg-body").inner_text()
        _wait_newest_in_view(ana)
        _message(mateo, "Les mando las muestras").wait_for()
        _wait_newest_in_view(mateo)

        mateo.locator("#composer textarea").fill("Perfecto, las espero.")
        mateo.locator("#composer textarea").press("Enter")
        _message(ana, "Perfecto, las espero.").wait_for()
        _wait_newest_in_view(ana)
        shots(ana, "phone-reply-in-view")

        # Ana scrolls up to read; Mateo writes again: her list stays where it was, a pill counts it.
        ana.locator("[data-scroller]").evaluate("el => { el.scrollTop = 0; }")
        ana.wait_for_timeout(100)
        before = ana.locator("[data-scroller]").evaluate("el => el.scrollTop")
        _send(mateo, "¿Ya tienen el certificado fitosanitario?")
        _message(ana, "certificado fitosanitario").wait_for(state="attached")
        pill = ana.locator("[data-jump]")
        pill.wait_for()
        assert "(1)" in pill.inner_text()
        assert ana.locator("[data-scroller]").evaluate("el => el.scrollTop") == before
        assert not _newest_in_view(ana)
        shots(ana, "phone-pill-when-scrolled-up")
        pill.click()
        _wait_newest_in_view(ana)
        assert pill.is_hidden()

        # Times agree: Mateo's message shows the same time, in the same words, live and after a reload
        # (when the server rendered it), in Spanish and in the reader's time zone.
        live_time = _message(ana, "certificado fitosanitario").locator("time")
        live = (live_time.inner_text(), live_time.get_attribute("title"))
        ana.reload()
        page_time = _message(ana, "certificado fitosanitario").locator("time")
        assert (page_time.inner_text(), page_time.get_attribute("title")) == live
        assert live[0] == "ahora" and re.search(r"\d{4}", live[1]), live  # "now"; the full date on hover
        _wait_newest_in_view(ana)
    finally:
        ana.context.close()
        mateo.context.close()


def test_on_a_desktop_the_room_opens_at_the_newest_message(browser, live_site, shots):
    page = person_page(browser, live_site, "ana@demo.puente", locale="pt-BR", viewport=DESKTOP)
    try:
        _open_general_room(page)
        assert _newest_in_view(page)
        assert page.evaluate(MESSAGES_IN_VIEW) >= 4
        # The whole room fits the screen: the page itself does not scroll, the list does.
        assert page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight + 1")
        shots(page, "desktop-room")
    finally:
        page.context.close()


def test_on_a_touch_screen_enter_starts_a_new_line_and_the_draft_survives_a_reload(browser, live_site):
    page = person_page(browser, live_site, "ana@demo.puente", locale="pt-BR", viewport=PHONE)
    touch = page.context.browser.new_context(
        base_url=live_site.url, locale="pt-BR", viewport=PHONE, has_touch=True, is_mobile=True,
        storage_state=page.context.storage_state(),
    ).new_page()
    try:
        _open_general_room(touch)
        # The hint says to tap Send, not to press Enter.
        assert touch.locator("#composer-hint .hint-touch").is_visible()
        assert touch.locator("#composer-hint .hint-keys").is_hidden()
        composer = touch.locator("#composer textarea")
        composer.press_sequentially("Primeira linha")
        composer.press("Enter")
        composer.press_sequentially("segunda")
        assert composer.input_value() == "Primeira linha\nsegunda"
        assert touch.locator("[data-messages] li.pending").count() == 0
        touch.reload()
        assert touch.locator("#composer textarea").input_value() == "Primeira linha\nsegunda"
    finally:
        touch.context.close()
        page.context.close()


# A row's HTML with what legitimately differs between two renders of the same message taken out: the
# CSRF token, and the whitespace the template leaves where the reader's browser removed an action.
ROW_HTML = """li => li.outerHTML
  .replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "")
  .replace(/>\\s+</g, "><").replace(/\\s+/g, " ")"""


def _open_menu(page, text: str):
    row = _message(page, text).first  # the message itself, before any reply that quotes it
    row.locator("summary.msg-menu-button").click()
    return row.locator(".msg-menu-body")


def test_live_messages_are_the_pages_own_rows_and_act_in_place(browser, live_site, shots):
    """In Spanish on a phone: a message that arrives live is the same HTML the page shows after a
    reload (one template, messaging/_message.html); its menu offers each person what they may do,
    and reply, edit and delete (after a confirmation) happen in place and reach the other page live."""
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        room_url = _open_general_room(ana)
        mateo.goto(room_url)
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")

        # Mateo writes; on Ana's page it is his row, rendered by the server, with her actions only.
        mateo.locator("#composer textarea").fill("Precio CIF: 4,20 USD/lb")
        mateo.locator("#composer textarea").press("Enter")
        _message(ana, "Precio CIF").wait_for()
        menu = _open_menu(ana, "Precio CIF")
        assert menu.locator("a, summary").all_inner_texts() == ["Responder", "Denunciar"]
        shots(ana, "ana-menu-on-mateos-message")
        ana.keyboard.press("Escape")
        assert menu.is_hidden()
        # His own message offers Mateo editing, deleting and asking it as a question; not reporting it.
        assert _open_menu(mateo, "Precio CIF").locator("a, summary").all_inner_texts() == [
            "Responder", "Editar", "Eliminar…", "Convertir en pregunta",
        ]
        mateo.keyboard.press("Escape")

        # Ana replies from the menu: the composer says to whom; the reply quotes the message on both pages.
        _open_menu(ana, "Precio CIF").locator("[data-reply]").click()
        assert "Respondiendo a Mateo Restrepo" in ana.locator("[data-replying]").inner_text()
        ana.locator("#composer textarea").fill("¿Incluye el flete interno?")
        ana.locator("#composer textarea").press("Enter")
        reply = _message(mateo, "flete interno")
        reply.wait_for()
        assert "Precio CIF" in reply.locator(".msg-quote").inner_text()
        assert "Mateo Restrepo" in reply.locator(".msg-reply").inner_text()

        # Ana's reply came back over the socket: after a reload it is the very same HTML.
        live_reply = _message(ana, "flete interno").evaluate(ROW_HTML)
        assert "data-for-everyone" not in live_reply and 'class="msg mine"' in live_reply
        ana.reload()
        wait_for_socket(ana, "/ws/rooms/")
        assert _message(ana, "flete interno").evaluate(ROW_HTML) == live_reply

        # Mateo corrects his price in place: Enter saves; Ana sees the new text, marked as edited.
        _open_menu(mateo, "Precio CIF").locator("[data-edit]").click()
        editor = _message(mateo, "Precio CIF").first.locator("form.msg-edit textarea")
        assert editor.input_value() == "Precio CIF: 4,20 USD/lb"
        editor.fill("Precio CIF: 4,50 USD/lb")
        editor.press("Enter")
        _message(ana, "4,50 USD/lb").wait_for()
        assert _message(ana, "4,50 USD/lb").locator(".msg-edited").inner_text() == "(editado)"
        assert _message(mateo, "4,50 USD/lb").locator("form.msg-edit").count() == 0

        # He deletes it: a confirmation first, then the tombstone on both pages.
        price_id = _message(mateo, "4,50 USD/lb").get_attribute("id")
        menu = _open_menu(mateo, "4,50 USD/lb")
        menu.locator(".msg-confirm summary").click()
        confirm = menu.locator(".msg-confirm form")
        assert "¿Eliminar este mensaje para todos?" in confirm.inner_text()
        shots(mateo, "mateo-confirms-delete")
        confirm.locator("button[type=submit]").click()
        for page in (ana, mateo):
            page.locator(f"#{price_id}.deleted", has_text="Este mensaje fue eliminado.").wait_for()
        assert _message(ana, "4,50 USD/lb").count() == 0
        # The reply no longer quotes a deleted message.
        assert _message(ana, "flete interno").locator(".msg-quote").count() == 0
    finally:
        ana.context.close()
        mateo.context.close()


def test_typing_at_and_letters_suggests_people_of_the_room_by_name(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        room_url = _open_general_room(ana)
        mateo.goto(room_url)
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")
        badge = mateo.locator("[data-notifications-badge]")
        before = int(badge.get_attribute("data-count") or 0)
        composer = ana.locator("#composer textarea")
        composer.press_sequentially("Hola @Mat")
        suggestions = ana.locator("#mention-list")
        suggestions.wait_for()
        assert suggestions.locator("[role=option]").all_inner_texts() == ["Mateo Restrepo"]
        assert "@" not in suggestions.inner_text()  # names only, never an email address
        shots(ana, "mention-suggestions")
        composer.press("Enter")  # picks the name; does not send
        assert composer.input_value() == "Hola @Mateo Restrepo "
        assert suggestions.is_hidden()
        composer.press_sequentially("¿me ayudas con la FDA?")
        composer.press("Enter")
        mention = _message(mateo, "me ayudas con la FDA").locator(".mention")
        mention.wait_for()
        assert mention.inner_text() == "@Mateo Restrepo"
        mateo.wait_for_function(
            "n => Number(document.querySelector('[data-notifications-badge]').dataset.count) === n", arg=before + 1
        )
    finally:
        ana.context.close()
        mateo.context.close()


def test_the_conversation_list_and_the_messages_badge_follow_a_new_message_live(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente", locale="es-HN")
    try:
        direct = _in_the_site(live_site, "print(services.room_direct(user=person('mateo'), other=person('ana')).pk)")
        mateo.goto(f"/messages/{direct}/")
        wait_for_socket(mateo, "/ws/rooms/")
        ana.goto("/messages/")
        _mark_page(ana)
        wait_for_socket(ana, "/ws/notifications/")
        badge = ana.locator("[data-messages-badge]")
        before = int(badge.get_attribute("data-count") or 0)
        # Mateo writes to her in their direct conversation (his page, the server's process).
        mateo.locator("#composer textarea").fill("¿Firmamos el **contrato** hoy?")
        mateo.locator("#composer textarea").press("Enter")
        ana.wait_for_function(
            "n => Number(document.querySelector('[data-messages-badge]').dataset.count) > n", arg=before
        )
        first = ana.locator(".rooms-list .room-row").first
        first.filter(has_text="¿Firmamos el contrato hoy?").wait_for()
        assert "Mateo Restrepo" in first.inner_text()
        assert int(first.locator(".badge").inner_text()) >= 1
        assert first.locator("time").inner_text() == "ahora"
        assert _still_same_document(ana)
        shots(ana, "conversation-list-live")
    finally:
        ana.context.close()
        mateo.context.close()


def test_a_room_with_unread_messages_opens_at_the_first_of_them_under_a_divider(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        room_url = _open_general_room(ana)  # everything there is read now
        ana.goto("/messages/")  # away from the room while Mateo writes (or it would read them live)
        _in_the_site(live_site, (
            "for i in range(12):\n"
            "    last = services.message_post(room=general, author=person('mateo'), body=f'Lote {i}: 69 kg, 84 puntos')\n"
            "print(last.pk)\n"
        ))
        ana.goto(room_url)
        divider = ana.locator("#unread")
        assert divider.inner_text() == "Mensajes nuevos"
        # The divider is in view near the top of the list, followed by the first unread message.
        ana.wait_for_function("""() => {
          const divider = document.getElementById("unread"), list = document.querySelector("[data-scroller]");
          const box = divider.getBoundingClientRect(), area = list.getBoundingClientRect();
          return box.top >= area.top - 1 && box.bottom <= area.top + area.height / 2;
        }""")
        assert _message(ana, "Lote 0:").is_visible()
        assert not _newest_in_view(ana)
        shots(ana, "opens-at-first-unread")
    finally:
        ana.context.close()


def test_loading_older_messages_puts_them_above_and_keeps_the_view_still(browser, live_site):
    _in_the_site(live_site, (
        # Faster than any person may post (settings.PUENTE_RATE_LIMITS): the limits are lifted here.
        "from django.conf import settings\n"
        "settings.PUENTE_RATE_LIMITS = dict.fromkeys(settings.PUENTE_RATE_LIMITS, (10**9, 10))\n"
        "for i in range(55):\n"
        "    last = services.message_post(room=general, author=person('mateo'), body=f'Histórico {i:02d}')\n"
        "print(last.pk)\n"
    ))
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        _open_general_room(ana)
        _mark_page(ana)
        scroller = ana.locator("[data-scroller]")
        scroller.evaluate("el => { el.scrollTop = 0; }")
        top_row = ana.locator("[data-messages] li.msg[data-id]").first
        top_id, top_before = top_row.get_attribute("data-id"), top_row.bounding_box()["y"]
        shown_before = ana.locator("[data-messages] li.msg[data-id]").count()
        ana.locator("a[data-older]").click()
        ana.wait_for_function("n => document.querySelectorAll('[data-messages] li.msg[data-id]').length > n", arg=shown_before)
        assert _still_same_document(ana)
        # The row that was at the top has not moved; the older ones are above it, in id order.
        assert abs(ana.locator(f"#m{top_id}").bounding_box()["y"] - top_before) <= 2
        ids = [int(i) for i in ana.locator("[data-messages] li.msg[data-id]").evaluate_all("rows => rows.map(r => r.dataset.id)")]
        assert ids == sorted(ids) and ids.index(int(top_id)) > 0
    finally:
        ana.context.close()


def test_reactions_reach_the_other_page_live(browser, live_site, shots):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente", locale="es-HN", viewport=PHONE)
    try:
        room_url = _open_general_room(ana)
        mateo.goto(room_url)
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")
        mateo.locator("#composer textarea").fill("El contenedor ya llegó a Hamburgo")
        mateo.locator("#composer textarea").press("Enter")
        _message(ana, "llegó a Hamburgo").wait_for()
        _open_menu(ana, "llegó a Hamburgo").locator("[data-pick='🎉']").click()
        chip = _message(mateo, "llegó a Hamburgo").locator("button.reaction")
        chip.filter(has_text="🎉 1").wait_for()
        assert chip.get_attribute("title") == "Ana Martínez" and chip.get_attribute("aria-pressed") == "false"
        chip.click()  # Mateo adds his own by pressing it
        ana_chip = _message(ana, "llegó a Hamburgo").locator("button.reaction")
        ana_chip.filter(has_text="🎉 2").wait_for()
        assert ana_chip.get_attribute("aria-pressed") == "true"
        shots(ana, "reactions")
    finally:
        ana.context.close()
        mateo.context.close()
