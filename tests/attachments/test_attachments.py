"""Attachments of room messages: what is accepted, what is refused (with nothing stored), who may
download, and what happens to the files when a message goes."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from attachments.models import Attachment
from clusters.models import ClusterMembership
from messaging import services
from messaging.models import Message
from tests.attachments import files as f

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


def stored_files() -> list[str]:
    store = storages["attachments"]

    def walk(folder):
        try:
            folders, names = store.listdir(folder)
        except FileNotFoundError:
            return []
        return [f"{folder}/{name}" for name in names] + [found for sub in folders for found in walk(f"{folder}/{sub}")]

    return walk("attachments")


def post(client, room, *uploads, body="Mira"):
    return client.post(reverse("messaging:room", args=[room.pk]), {"body": body, "files": list(uploads)}, follow=True)


def download(client, attachment, variant=""):
    if variant:
        return client.get(reverse("attachments:thumbnail", args=[attachment.key, variant]))
    return client.get(reverse("attachments:download", args=[attachment.key]))


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


ALLOWED = [
    ("muestra.jpg", lambda: f.photo("JPEG"), "image/jpeg", "muestra.jpg"),
    ("etiqueta.png", lambda: f.photo("PNG"), "image/png", "etiqueta.png"),
    ("lote.webp", lambda: f.photo("WEBP"), "image/webp", "lote.webp"),
    ("IMG_0042.HEIC", lambda: f.photo("HEIF"), "image/jpeg", "IMG_0042.jpg"),
    ("certificado fitosanitario.pdf", f.pdf, "application/pdf", "certificado fitosanitario.pdf"),
    ("proforma.docx", f.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "proforma.docx"),
    ("precios.xlsx", f.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "precios.xlsx"),
    ("precios.csv", f.csv_text, "text/csv", "precios.csv"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "shown"), ALLOWED, ids=[row[0] for row in ALLOWED])
def test_every_allowed_type_round_trips_through_the_form(client, general, ana, mateo, name, make, content_type, shown):
    data = make()
    client.force_login(ana)
    response = post(client, general, f.upload(name, data))
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    message = Message.objects.get()
    assert (attachment.owner_type, attachment.owner_id, attachment.uploader) == ("messaging.message", message.pk, ana)
    assert attachment.content_type == content_type and attachment.name == shown
    assert f'href="{reverse("attachments:download", args=[attachment.key])}"' in response.content.decode()
    client.force_login(mateo)
    got = download(client, attachment)
    assert got.status_code == 200 and got["Content-Type"] == content_type
    assert got["X-Content-Type-Options"] == "nosniff" and "sandbox" in got["Content-Security-Policy"]
    content = body_of(got)
    if attachment.is_image:
        assert Image.open(io.BytesIO(content)).size == (800, 600)
        assert got["Content-Disposition"].startswith("inline")
        assert download(client, attachment, "small").status_code == 200
    else:
        assert content == data  # documents are stored as they came, and only ever downloaded
        assert got["Content-Disposition"].startswith("attachment")
    # The storage name is random: the name people gave is shown, never used as a path.
    assert name.rsplit(".", 1)[0] not in attachment.file


REFUSED = [
    ("renamed executable", "precios.pdf", f.executable, "file_type"),
    ("renamed ELF binary", "foto.png", f.elf, "file_type"),
    ("SVG with a script", "logo.svg", lambda: f.SVG, "file_type"),
    ("SVG renamed CSV", "logo.csv", lambda: f.SVG, "file_type"),
    ("HTML file", "pagina.html", lambda: f.HTML, "file_type"),
    ("HTML renamed CSV", "pagina.csv", lambda: f.HTML, "file_type"),
    ("PNG/ZIP polyglot", "muestra.png", lambda: f.photo("PNG") + f.zip_archive(), "file_type"),
    ("ZIP archive", "fotos.zip", f.zip_archive, "file_type"),
    ("decompression bomb", "grande.png", f.bomb, "too_many_pixels"),
]


@pytest.mark.parametrize(("what", "name", "make", "code"), REFUSED, ids=[row[0] for row in REFUSED])
def test_dangerous_files_are_refused_with_a_clear_error_and_nothing_stored(client, general, ana, what, name, make, code):
    with pytest.raises(ValidationError) as refused:
        services.message_post(room=general, author=ana, body="hola", files=[f.upload(name, make())])
    assert refused.value.code == code
    client.force_login(ana)
    response = post(client, general, f.upload("ok.jpg", f.photo()), f.upload(name, make()))
    assert name[:20] in response.content.decode()  # the reason names the file
    assert not Message.objects.exists() and not Attachment.objects.exists() and stored_files() == []


def test_a_file_one_byte_over_the_limit_is_refused(client, general, ana, settings):
    client.force_login(ana)
    big = f.upload("scan.pdf", b"%PDF-1.4\n" + b"0" * (settings.PUENTE_ATTACHMENT_MAX_BYTES + 1 - 9))
    assert big.size == settings.PUENTE_ATTACHMENT_MAX_BYTES + 1
    response = post(client, general, big)
    assert "is larger than 10 MB" in response.content.decode()
    assert not Message.objects.exists() and not Attachment.objects.exists() and stored_files() == []


def test_a_sixth_file_is_refused_and_none_of_the_five_is_kept(client, general, ana):
    client.force_login(ana)
    response = post(client, general, *[f.upload(f"foto{i}.jpg", f.photo()) for i in range(6)])
    assert "at most 5 files" in response.content.decode()
    assert not Message.objects.exists() and not Attachment.objects.exists() and stored_files() == []
    post(client, general, *[f.upload(f"foto{i}.jpg", f.photo()) for i in range(5)])
    assert Attachment.objects.count() == 5 and len(stored_files()) == 15  # each with two thumbnails


def test_exif_and_the_gps_position_are_gone_after_upload(general, ana):
    original = f.photo("JPEG", gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(f.GPS_TAG)  # the test photo has a position
    message = services.message_post(room=general, author=ana, body="", files=[f.upload("finca.jpg", original)])
    attachment = Attachment.objects.get(owner_id=message.pk)
    stored = storages["attachments"].open(attachment.file).read()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and not image.getexif().get_ifd(f.GPS_TAG)
    assert b"PuenteCam" not in stored and b"Exif" not in stored


def test_a_message_is_posted_with_its_files_or_not_at_all(general, ana, monkeypatch):
    from attachments import services as attachment_services

    def full(**kwargs):
        raise ValidationError("full", code="quota_person")

    monkeypatch.setattr(attachment_services, "quota_check", full)
    with pytest.raises(ValidationError):
        services.message_post(room=general, author=ana, body="con foto", files=[f.upload("a.jpg", f.photo())])
    assert not Message.objects.exists() and not Attachment.objects.exists() and stored_files() == []


def test_the_daily_quota_gives_a_clear_error(client, general, ana, settings):
    settings.PUENTE_ATTACHMENT_DAILY_BYTES = 10_000
    services.message_post(room=general, author=ana, body="uno", files=[f.upload("a.jpg", f.photo())])
    client.force_login(ana)
    response = post(client, general, f.upload("b.jpg", f.photo()))
    assert "the most one person can in a day" in response.content.decode()
    assert Message.objects.count() == 1 and Attachment.objects.count() == 1


def test_the_cluster_quota_gives_a_clear_error(general, ana, mateo, settings):
    settings.PUENTE_ATTACHMENT_CLUSTER_BYTES = 10_000
    services.message_post(room=general, author=ana, body="uno", files=[f.upload("a.jpg", f.photo())])
    with pytest.raises(ValidationError) as refused:
        services.message_post(room=general, author=mateo, body="dos", files=[f.upload("b.jpg", f.photo())])
    assert refused.value.code == "quota_cluster" and "no room left for files" in refused.value.messages[0]


@pytest.fixture
def shared(general, ana):
    message = services.message_post(room=general, author=ana, body="muestra", files=[f.upload("m.jpg", f.photo())])
    return Attachment.objects.get(owner_id=message.pk)


def test_a_member_gets_the_bytes(client, mateo, shared):
    client.force_login(mateo)
    response = download(client, shared)
    assert response.status_code == 200 and body_of(response)[:3] == b"\xff\xd8\xff"
    assert response["Cache-Control"] == "private, no-cache"
    again = client.get(reverse("attachments:download", args=[shared.key]), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("variant", ["", "small", "large"])
def test_an_outsider_and_an_anonymous_person_get_404(client, otto, shared, variant):
    assert download(client, shared, variant).status_code == 404
    client.force_login(otto)
    assert download(client, shared, variant).status_code == 404


def test_a_former_member_gets_404_on_the_next_download(client, mateo, coffee, shared):
    client.force_login(mateo)
    assert download(client, shared).status_code == 200
    ClusterMembership.objects.filter(user=mateo, cluster=coffee).update(status=ClusterMembership.Status.LEFT)
    assert download(client, shared).status_code == 404
    assert download(client, shared, "small").status_code == 404


def test_a_made_up_key_gets_404(client, mateo, shared):
    client.force_login(mateo)
    assert client.get(reverse("attachments:download", args=["0" * 32])).status_code == 404
    assert client.get(reverse("attachments:download", args=["x" * 300])).status_code == 404


def test_behind_nginx_the_proxy_sends_the_bytes(client, mateo, shared, settings):
    settings.PUENTE_ATTACHMENT_ACCEL_REDIRECT = "/_attachments/"
    client.force_login(mateo)
    response = download(client, shared)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_attachments/{shared.file}"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_deleting_a_message_removes_its_files_after_the_edit_window(client, general, ana, mateo, shared):
    message = Message.objects.get(pk=shared.owner_id)
    services.message_delete(message=message, acting_user=ana)
    client.force_login(mateo)
    assert download(client, shared).status_code == 404  # at once
    assert len(stored_files()) == 3
    call_command("remove_orphaned_attachments", stdout=io.StringIO())
    assert len(stored_files()) == 3  # still within the window
    later = timezone.now() + timedelta(seconds=services.edit_window_seconds() + 1)
    from attachments.services import attachments_clean

    assert attachments_clean(now=later)["purged"] == 1
    assert stored_files() == [] and not Attachment.objects.exists()


def test_the_cleanup_removes_unattached_rows_and_files_without_a_row(general, ana, shared):
    store = storages["attachments"]
    store.save("attachments/zz/stray.jpg", io.BytesIO(b"left by a rolled-back post"))
    Attachment.objects.create(key="f" * 32, owner_type="messaging.message", owner_id=None, name="x.pdf",
                              content_type="application/pdf", kind="document", size=3, file="attachments/ff/x.pdf",
                              created_at=timezone.now() - timedelta(hours=2))
    from attachments.services import attachments_clean

    assert attachments_clean(grace=timedelta(hours=1), now=timezone.now() + timedelta(hours=2)) == {
        "purged": 0, "unattached": 1, "stray_files": 1,
    }
    assert sorted(stored_files()) == sorted(shared.storage_names())


def test_a_facilitator_removes_a_file_and_its_bytes_go(client, lucia, mateo, shared, django_capture_on_commit_callbacks):
    client.force_login(mateo)
    assert client.post(reverse("attachments:remove", args=[shared.key])).status_code == 302
    shared.refresh_from_db()
    assert not shared.is_removed  # a member who did not share it may not
    client.force_login(lucia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attachments:remove", args=[shared.key]))
    shared.refresh_from_db()
    assert shared.is_removed and stored_files() == []
    page = client.get(reverse("messaging:room", args=[Message.objects.get().room_id]))
    assert "“m.jpg” was removed." in page.content.decode()


def test_the_live_frame_carries_the_attachments(general, ana, django_capture_on_commit_callbacks, monkeypatch):
    from messaging import events

    sent = []
    monkeypatch.setattr(events, "group_send", lambda group, event: sent.append(event))
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(room=general, author=ana, body="", files=[f.upload("a.jpg", f.photo()),
                                                                       f.upload("b.pdf", f.pdf())])
    import json

    frame = json.loads(sent[0]["text"])
    image, document = frame["attachments"]
    key = Attachment.objects.get(name="a.jpg").key
    assert image["kind"] == "image" and image["thumb"] == reverse("attachments:thumbnail", args=[key, "small"])
    assert document == {
        "id": Attachment.objects.get(name="b.pdf").key, "name": "b.pdf", "removed": False, "kind": "document",
        "type": "application/pdf", "size": len(f.pdf()),
        "url": reverse("attachments:download", args=[Attachment.objects.get(name="b.pdf").key]),
    }


def test_the_files_page_lists_what_was_shared(client, general, ana, mateo, otto, django_assert_num_queries):
    services.message_post(room=general, author=ana, body="", files=[f.upload("precios.csv", f.csv_text())])
    services.message_post(room=general, author=mateo, body="", files=[f.upload("lote.jpg", f.photo())])
    url = reverse("messaging:files", args=[general.pk])
    client.force_login(ana)
    client.get(url)
    # 1 session, 1 user, 1 room (with access check), 1 count, 1 page of files with uploaders (the
    # header's values are kept)
    with django_assert_num_queries(5):
        response = client.get(url)
    text = response.content.decode()
    assert "precios.csv" in text and "lote.jpg" in text
    client.force_login(otto)
    assert client.get(url).status_code == 404


def test_the_upload_answers_json_for_the_composer(client, general, ana):
    client.force_login(ana)
    url = reverse("messaging:room", args=[general.pk])
    ok = client.post(url, {"body": "", "client_id": "up-1", "files": [f.upload("a.jpg", f.photo())]},
                     HTTP_ACCEPT="application/json")
    assert ok.status_code == 200 and ok.json()["type"] == "ack" and ok.json()["client_id"] == "up-1"
    refused = client.post(url, {"body": "x", "files": [f.upload("a.svg", f.SVG)]}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "file_type"


def test_the_moderation_queue_shows_a_reported_message_s_files_to_take_down(client, general, ana, mateo, lucia):
    message = services.message_post(room=general, author=mateo, body="spam", files=[f.upload("spam.jpg", f.photo())])
    services.message_report(message=message, reporter=ana, reason="spam")
    attachment = Attachment.objects.get()
    client.force_login(lucia)
    page = client.get(reverse("messaging:moderation")).content.decode()
    assert reverse("attachments:remove", args=[attachment.key]) in page


def test_a_hostile_file_name_is_cleaned_and_escaped(client, general, ana, mateo):
    name = '../../<img src=x onerror=alert(1)>\u202e"gpj.exe.pdf'
    services.message_post(room=general, author=ana, body="", files=[f.upload(name, f.pdf())])
    attachment = Attachment.objects.get()
    assert "/" not in attachment.name and "\u202e" not in attachment.name and attachment.name.endswith(".pdf")
    client.force_login(mateo)
    for url in (reverse("messaging:room", args=[general.pk]), reverse("messaging:files", args=[general.pk])):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    disposition = download(client, attachment)["Content-Disposition"]
    assert disposition.startswith("attachment") and "\n" not in disposition


def test_a_photo_full_of_grain_gets_a_small_thumbnail_within_its_budget():
    """Rooms show many small thumbnails on their first load: one of a photo full of fine detail is encoded
    again at a lower quality until it fits THUMB_BUDGET; an ordinary photo's stays at THUMB_QUALITY."""
    from attachments import processing

    def png(image) -> bytes:
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()

    def at_first_quality(image) -> int:
        thumb = image.copy()
        thumb.thumbnail((processing.THUMB_SIZES["small"],) * 2, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        thumb.save(out, "WEBP", quality=processing.THUMB_QUALITY["small"], method=4)
        return out.tell()

    budget = processing.THUMB_BUDGET["small"]
    grain = Image.merge("RGB", [Image.effect_noise((400, 300), 24) for _ in range(3)])
    assert at_first_quality(grain) > budget  # the premise: at the usual quality it would not fit
    assert len(processing.prepare(name="saco.png", data=png(grain)).thumbs["small"]) <= budget
    ordinary = Image.open(io.BytesIO(f.photo("PNG"))).convert("RGB")
    assert len(processing.prepare(name="lote.png", data=f.photo("PNG")).thumbs["small"]) == at_first_quality(ordinary)
