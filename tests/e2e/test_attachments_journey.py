"""Ana, on her phone, attaches a photo of her coffee sample and the price list to a message in the
coffee cluster's general room; Mateo, on his laptop with the room open, sees the thumbnail and the
document card arrive live, opens the photo, and the files tab lists both."""

import io

from PIL import Image

from tests.e2e.support import person_page, wait_for_socket

PHONE = {"width": 375, "height": 740}


def _sample_photo(path) -> None:
    image = Image.new("RGB", (1600, 1200), (122, 84, 50))
    for x in range(0, 1600, 5):
        image.putpixel((x, (x * 7) % 1200), (240, 230, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())


def test_a_photo_attached_on_a_phone_shows_live_on_the_other_page(browser, live_site, shots, tmp_path):
    photo, prices = tmp_path / "muestra-lote-7.jpg", tmp_path / "precios FOB.csv"
    _sample_photo(photo)
    prices.write_text("producto,precio FOB (USD/lb)\ncafé lavado,4.20\nhoney,4.60\n", encoding="utf-8")
    ana = person_page(browser, live_site, "ana@demo.puente", viewport=PHONE)
    mateo = person_page(browser, live_site, "mateo@demo.puente")
    try:
        ana.goto("/messages/cluster/cafe-especial/")
        ana.wait_for_url("**/messages/*/")
        mateo.goto(ana.url)
        wait_for_socket(ana, "/ws/rooms/")
        wait_for_socket(mateo, "/ws/rooms/")

        ana.set_input_files("#composer input[type=file]", [str(photo), str(prices)])
        chosen = ana.locator("#composer .attach-chosen li")
        assert chosen.count() == 2
        shots(ana, "ana-chose-two-files")
        ana.fill("#composer textarea", "Así se ve el lote 7, y la lista de precios.")
        ana.click("#composer button[type=submit]")

        # Live on Mateo's page: the row with the thumbnail and the card, no reload.
        row = mateo.locator("[data-messages] li.msg[data-id]", has_text="Así se ve el lote 7")
        thumbnail = row.locator(".attachment.image img")
        thumbnail.wait_for()
        assert row.locator(".file-card", has_text="precios FOB.csv").count() == 1
        mateo.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
        shots(mateo, "mateo-sees-the-photo-live")
        ana.locator("[data-messages] li.msg", has_text="Así se ve el lote 7").locator(".attachment.image img").wait_for()
        assert chosen.count() == 0  # the composer is empty again
        shots(ana, "ana-sent-the-photo")

        # The full-size photo opens for a member; the files tab lists both files.
        href = row.locator(".attachment.image a").get_attribute("href")
        response = mateo.request.get(href)
        assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
        mateo.goto(mateo.url.split("#")[0] + "files/")
        assert mateo.locator(".files-list li").count() >= 2
        shots(mateo, "mateo-files-tab")
    finally:
        ana.context.close()
        mateo.context.close()


def test_a_file_a_facilitator_takes_down_leaves_the_open_page_without_a_reload(browser, live_site, shots, tmp_path):
    photo = tmp_path / "etiqueta-con-precio.jpg"
    _sample_photo(photo)
    ana = person_page(browser, live_site, "ana@demo.puente", viewport=PHONE)
    lucia = person_page(browser, live_site, "lucia@demo.puente")
    try:
        ana.goto("/messages/cluster/cafe-especial/")
        ana.wait_for_url("**/messages/*/")
        wait_for_socket(ana, "/ws/rooms/")
        ana.set_input_files("#composer input[type=file]", [str(photo)])
        ana.fill("#composer textarea", "La etiqueta del saco, con el precio a la vista.")
        ana.click("#composer button[type=submit]")
        row = ana.locator("[data-messages] li.msg[data-id]", has_text="La etiqueta del saco")
        row.locator(".attachment.image img").wait_for()
        ana.evaluate("window.stillTheSamePage = true")

        # Lucía, facilitator of the cluster, takes the photo down from her page (a plain form post).
        lucia.goto(ana.url)
        theirs = lucia.locator("[data-messages] li.msg[data-id]", has_text="La etiqueta del saco")
        theirs.locator(".attachment.image button[type=submit]").click()
        theirs.locator(".attachment.removed").wait_for()

        # On Ana's open page the thumbnail gives way to the line a reload would show, in place.
        row.locator(".attachment.removed", has_text="etiqueta-con-precio.jpg").wait_for()
        assert row.locator(".attachment.image").count() == 0
        assert ana.evaluate("window.stillTheSamePage") is True
        shots(ana, "ana-sees-the-photo-taken-down")
    finally:
        ana.context.close()
        lucia.context.close()
