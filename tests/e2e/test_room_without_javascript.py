"""Without JavaScript the room still posts, edits and deletes through its forms (issue #19, item 8),
on a phone and on a desktop, in Spanish."""

import pytest

from tests.e2e.support import person_page
from tests.e2e.test_chat_journey import DESKTOP, PHONE, _message, _open_general_room


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_room_posts_edits_and_deletes_without_javascript(browser, live_site, shots, viewport):
    ana = person_page(browser, live_site, "ana@demo.puente", locale="es-HN", viewport=viewport, javascript=False)
    text = f"Sin JavaScript ({viewport['width']})"
    try:
        room_url = _open_general_room(ana)
        ana.fill("#composer textarea", text)
        ana.click("#composer button[type=submit]")
        ana.wait_for_load_state()
        row = _message(ana, text)
        row.wait_for()
        shots(ana, "posted")

        # Edit: the menu (a <details>) leads to the edit page, which comes back to the room.
        row.locator("summary.msg-menu-button").click()
        row.locator("a[data-edit]").click()
        ana.wait_for_url("**/edit/")
        ana.fill("textarea[name=body]", text + ", corregido")
        ana.locator("main form button[type=submit]").click()
        ana.wait_for_url(lambda url: url.startswith(room_url))
        row = _message(ana, text + ", corregido")
        row.wait_for()
        assert "(editado)" in row.inner_text()
        shots(ana, "edited")

        # Delete: a real confirmation inside the menu, then the row says it was deleted.
        message_id = row.get_attribute("data-id")
        row.locator("summary.msg-menu-button").click()
        row.locator("details.msg-confirm summary").click()
        assert row.locator("details.msg-confirm p").inner_text() == "¿Eliminar este mensaje para todos?"
        row.locator("[data-delete]").click()
        ana.wait_for_load_state()
        deleted = ana.locator(f"#m{message_id}")
        assert "deleted" in deleted.get_attribute("class").split()
        assert deleted.inner_text().strip().endswith("Este mensaje fue eliminado.")
        assert _message(ana, text).count() == 0
        shots(ana, "deleted")
    finally:
        ana.context.close()
