"""A library entry built from an answer keeps the answer's files: the same stored files, shown on the
entry and downloadable by whoever may read the entry, and never deleted while the entry still shows them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attachments import services as attachment_services
from attachments.models import Attachment
from library import services
from library.models import ENTRY_FILES
from questions import services as question_services
from questions.selectors import ANSWER_FILES
from tests.attachments import files as f
from tests.attachments.test_attachments import stored_files


@pytest.fixture
def answer_with_files(question, mateo, ana):
    answer = question_services.answer_post(
        question=question, author=mateo, body="Registra la instalación en la FDA; te dejo la lista y una foto.",
        files=[f.upload("lote.jpg", f.photo()), f.upload("precios.xlsx", f.xlsx())],
    )
    question_services.answer_accept(question=question, answer=answer, acting_user=ana)
    answer.refresh_from_db()
    return answer


@pytest.fixture
def entry(answer_with_files, lucia):
    return services.entry_propose(answer=answer_with_files, acting_user=lucia)


def _download(client, row, variant=""):
    if variant:
        return client.get(reverse("attachments:thumbnail", args=[row.key, variant]))
    return client.get(reverse("attachments:download", args=[row.key]))


def test_an_entry_from_an_answer_shows_its_files_under_keys_of_its_own(client, entry, answer_with_files, lucia):
    photo, sheet = Attachment.objects.filter(owner_type=ENTRY_FILES, owner_id=entry.pk)
    answer_photo, answer_sheet = Attachment.objects.filter(owner_type=ANSWER_FILES, owner_id=answer_with_files.pk)
    assert (photo.name, sheet.name) == ("lote.jpg", "precios.xlsx")
    # The same bytes, stored once; the entry's rows count in no quota and name nobody.
    assert (photo.file, photo.thumb_small, sheet.file) == (answer_photo.file, answer_photo.thumb_small, answer_sheet.file)
    assert photo.key != answer_photo.key and photo.uploader is None and photo.cluster is None
    assert len(stored_files()) == 4  # the photo, its two thumbnails, the sheet
    services.entry_publish(entry=entry, acting_user=lucia)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert reverse("attachments:thumbnail", args=[photo.key, "small"]) in page and "precios.xlsx" in page


def test_a_published_entry_s_files_are_public_and_a_draft_s_are_not(client, entry, answer_with_files, lucia, otto):
    photo, sheet = Attachment.objects.filter(owner_type=ENTRY_FILES, owner_id=entry.pk)
    answer_sheet = Attachment.objects.get(owner_type=ANSWER_FILES, name="precios.xlsx")
    assert _download(client, sheet).status_code == 404  # a draft: not for visitors
    client.force_login(lucia)
    assert _download(client, sheet).status_code == 200  # its curator reads it
    services.entry_publish(entry=entry, acting_user=lucia)
    client.logout()
    got = _download(client, sheet)
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert _download(client, photo, "small").status_code == 200
    # The answer's own copy still follows the cluster's rule: the cluster is not open to visitors.
    assert _download(client, answer_sheet).status_code == 404
    client.force_login(otto)
    assert _download(client, sheet).status_code == 200


def test_proposing_the_same_answer_again_shares_nothing_more(entry, answer_with_files, mateo):
    assert services.entry_propose(answer=answer_with_files, acting_user=mateo) == entry
    assert Attachment.objects.filter(owner_type=ENTRY_FILES).count() == 2


def test_a_file_taken_down_from_the_answer_goes_from_the_entry_too(client, entry, answer_with_files, mateo, lucia,
                                                                   django_capture_on_commit_callbacks):
    services.entry_publish(entry=entry, acting_user=lucia)
    answer_photo = Attachment.objects.get(owner_type=ANSWER_FILES, name="lote.jpg")
    photo, sheet = Attachment.objects.filter(owner_type=ENTRY_FILES, owner_id=entry.pk)
    assert _download(client, photo).status_code == 200
    # Its author takes the photo back from the answer: the public entry stops showing it, the bytes go.
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.attachment_remove(attachment=answer_photo, acting_user=mateo)
    photo.refresh_from_db()
    assert photo.is_removed and photo.removed_by == mateo
    assert not set(photo.storage_names()) & set(stored_files())
    assert _download(client, photo).status_code == 404
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "“lote.jpg” was removed." in page and "precios.xlsx" in page
    sheet.refresh_from_db()
    assert not sheet.is_removed and _download(client, sheet).status_code == 200


def test_a_file_taken_down_from_the_entry_stays_with_the_answer(client, entry, answer_with_files, lucia, ana,
                                                                django_capture_on_commit_callbacks):
    services.entry_publish(entry=entry, acting_user=lucia)
    answer_photo = Attachment.objects.get(owner_type=ANSWER_FILES, name="lote.jpg")
    photo = Attachment.objects.get(owner_type=ENTRY_FILES, name="lote.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.attachment_remove(attachment=photo, acting_user=lucia)
    answer_photo.refresh_from_db()
    assert not answer_photo.is_removed
    assert set(photo.storage_names()) <= set(stored_files())
    client.force_login(ana)  # a member of the cluster reads the answer's file
    assert _download(client, answer_photo).status_code == 200
    assert _download(client, photo).status_code == 404
    assert "“lote.jpg” was removed." in client.get(entry.get_absolute_url()).content.decode()


def test_the_sweep_keeps_the_files_of_a_deleted_answer_that_an_entry_shows(entry, answer_with_files):
    names = {name for row in Attachment.objects.filter(owner_type=ENTRY_FILES) for name in row.storage_names()}
    attachment_services.attachments_release(owner_type=ANSWER_FILES, owner_id=answer_with_files.pk)
    counts = attachment_services.attachments_clean(now=timezone.now() + timedelta(hours=2))
    assert counts == {"purged": 2, "unattached": 0, "stray_files": 0}
    assert not Attachment.objects.filter(owner_type=ANSWER_FILES).exists()
    assert set(stored_files()) == names
    # Once the entry's rows go as well, so do the bytes.
    attachment_services.attachments_release(owner_type=ENTRY_FILES, owner_id=entry.pk)
    assert attachment_services.attachments_clean(now=timezone.now() + timedelta(hours=2))["purged"] == 2
    assert stored_files() == []


def test_a_curator_takes_an_entry_s_file_down_through_the_form(client, entry, lucia, mateo,
                                                              django_capture_on_commit_callbacks):
    services.entry_publish(entry=entry, acting_user=lucia)
    sheet = Attachment.objects.get(owner_type=ENTRY_FILES, name="precios.xlsx")
    remove = reverse("attachments:remove", args=[sheet.key])
    assert remove not in client.get(entry.get_absolute_url()).content.decode()  # kept with the file, no buttons
    client.force_login(mateo)  # a mentor of the cluster, not a curator, and the rows name no uploader
    client.post(reverse("attachments:remove", args=[sheet.key]))
    sheet.refresh_from_db()
    assert not sheet.is_removed
    assert remove not in client.get(entry.get_absolute_url()).content.decode()
    client.force_login(lucia)
    assert remove in client.get(entry.get_absolute_url()).content.decode()  # the curator's button
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove)
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    sheet.refresh_from_db()
    assert sheet.is_removed
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "“precios.xlsx” was removed." in page and remove not in page


def test_the_entry_page_with_files_reads_a_fixed_number_of_queries(client, entry, lucia, django_assert_num_queries):
    services.entry_publish(entry=entry, acting_user=lucia)
    # 1 the entry with its contributor, 1 its texts, 1 its files
    with django_assert_num_queries(3):
        response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    with django_assert_num_queries(0):
        assert "precios.xlsx" in client.get(entry.get_absolute_url()).content.decode()


def test_entries_made_before_they_kept_files_get_their_answer_s_files(entry, answer_with_files):
    import importlib

    from django.apps import apps

    Attachment.objects.filter(owner_type=ENTRY_FILES).delete()  # as an entry proposed before
    migration = importlib.import_module("library.migrations.0004_entry_files_from_answers")
    migration.share_answer_files(apps, None)
    migration.share_answer_files(apps, None)  # twice: nothing doubled
    photo, sheet = Attachment.objects.filter(owner_type=ENTRY_FILES, owner_id=entry.pk)
    answer_photo = Attachment.objects.get(owner_type=ANSWER_FILES, name="lote.jpg")
    assert (photo.name, photo.file, sheet.name) == ("lote.jpg", answer_photo.file, "precios.xlsx")
    assert photo.key != answer_photo.key and photo.uploader is None and photo.cluster is None
