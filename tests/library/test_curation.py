import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from incentives.models import Award, Transfer
from library import services
from library.models import Entry, EntryVersion
from questions import services as question_services
from tests.library.conftest import write


def test_a_facilitator_proposes_and_publishes_and_the_author_is_paid_once(lucia, mateo, accepted, funded):
    entry = services.entry_propose(answer=accepted, acting_user=lucia)
    assert entry.status == Entry.Status.DRAFT and entry.contributor == mateo
    assert not Award.objects.filter(kind="library_entry").exists()  # a draft pays nothing

    services.entry_publish(entry=entry, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)  # publishing again is a no-op
    services.entry_mark_outdated(entry=entry, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)  # re-published after an update: still once

    award = Award.objects.get(kind="library_entry")
    assert award.beneficiary == mateo and award.status == Award.Status.APPROVED and award.credits == 120
    assert award.source_ref == f"library.entry:{entry.pk}"
    payments = Transfer.objects.filter(source_ref=award.source_ref)
    assert payments.count() == 1 and payments.get().amount == 120
    with translation.override("es"):  # what it pays for, in the reader's language
        assert award.description_text.startswith("Entrada de la biblioteca «")


def test_proposing_the_same_answer_twice_gives_the_same_draft(lucia, mateo, accepted):
    first = services.entry_propose(answer=accepted, acting_user=lucia)
    assert services.entry_propose(answer=accepted, acting_user=mateo) == first
    assert Entry.objects.count() == 1


def test_a_facilitator_publishing_their_own_answer_is_not_paid(lucia, question, ana, funded):
    answer = question_services.answer_post(question=question, author=lucia, body="Mi propia respuesta larga.")
    question_services.answer_accept(question=question, answer=answer, acting_user=ana)
    entry = services.entry_propose(answer=answer, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)
    award = Award.objects.get(kind="library_entry")
    assert award.status == Award.Status.NOT_PAID and award.cut_code == Award.Cut.OWN_SOURCE
    assert not Transfer.objects.filter(source_ref=award.source_ref).exists()


def test_a_mentor_may_propose_but_only_a_facilitator_publishes(mateo, accepted):
    entry = services.entry_propose(answer=accepted, acting_user=mateo)
    with pytest.raises(PermissionDenied):
        services.entry_publish(entry=entry, acting_user=mateo)


def test_members_and_outsiders_cannot_propose(ana, otto, accepted):
    for person in (ana, otto):
        with pytest.raises(PermissionDenied):
            services.entry_propose(answer=accepted, acting_user=person)


def test_only_an_accepted_answer_becomes_an_entry(lucia, question, mateo):
    answer = question_services.answer_post(question=question, author=mateo, body="Todavía no aceptada.")
    with pytest.raises(ValidationError):
        services.entry_propose(answer=answer, acting_user=lucia)


def test_the_propose_button_shows_on_the_accepted_answer_for_facilitators_and_mentors(client, lucia, mateo, ana,
                                                                                     accepted):
    url = reverse("questions:detail", args=[accepted.question_id])
    for person, shown in ((lucia, True), (mateo, True), (ana, False)):
        client.force_login(person)
        page = client.get(url).content.decode()
        assert (reverse("library:propose", args=[accepted.pk]) in page) is shown, person


def test_proposing_through_the_page_makes_a_draft_and_opens_it(client, lucia, accepted):
    client.force_login(lucia)
    response = client.post(reverse("library:propose", args=[accepted.pk]))
    entry = Entry.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()


def test_the_author_is_named_only_after_consenting(client, lucia, mateo, ana, accepted):
    entry = services.entry_propose(answer=accepted, acting_user=lucia)
    services.entry_publish(entry=entry, acting_user=lucia)
    url = entry.get_absolute_url()
    assert mateo.display_name not in client.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        services.entry_consent(entry=entry, acting_user=lucia, given=True)
    client.force_login(mateo)
    assert f"library/{entry.pk}/consent/" in client.get(url).content.decode()
    client.post(reverse("library:action", args=[entry.pk, "consent"]))
    client.logout()
    assert mateo.display_name in client.get(url).content.decode()


def test_sources_must_be_web_addresses(lucia):
    with pytest.raises(ValidationError):
        services.entry_write(acting_user=lucia, language="es", title="Título", summary="Resumen",
                             sources=[{"label": "x", "url": "javascript:alert(1)"}])


def test_every_edit_is_a_version_and_the_diff_shows_what_changed(client, lucia):
    entry = write(lucia)
    services.entry_edit(entry=entry, acting_user=lucia, language="es", title="Catación SCA para tostadores",
                        summary="Los tostadores compran por puntaje de catación.",
                        steps="Envía muestras de 300 g\nIncluye el puntaje")
    services.entry_edit(entry=entry, acting_user=lucia, language="es", title="Catación SCA para tostadores",
                        summary="Los tostadores compran por puntaje de catación.",
                        steps="Envía muestras de 300 g\nIncluye el puntaje")  # unchanged: no version
    assert list(EntryVersion.objects.filter(entry=entry).values_list("number", flat=True)) == [2, 1]
    page = client.get(reverse("library:diff", args=[entry.pk, "es", 2])).content.decode()
    assert '<p class="diff-remove"><del>- Envía muestras</del></p>' in page
    assert '<p class="diff-add"><ins>+ Envía muestras de 300 g</ins></p>' in page
    assert client.get(reverse("library:history", args=[entry.pk])).status_code == 200
    assert client.get(reverse("library:diff", args=[entry.pk, "es", 3])).status_code == 404


def test_a_translation_is_a_text_of_its_own_with_its_own_versions(lucia):
    entry = write(lucia)
    services.entry_translate(entry=entry, acting_user=lucia, language="pt", title="Prova de xícara SCA",
                             summary="Os torrefadores compram pela pontuação.")
    assert sorted(entry.texts.values_list("language", flat=True)) == ["es", "pt"]
    assert EntryVersion.objects.filter(entry=entry, language="pt").count() == 1


def test_entries_past_the_review_age_are_listed_for_review(lucia, capsys):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    old, fresh = write(lucia, title="Entrada vieja"), write(lucia, title="Entrada reciente")
    services.entry_mark_checked(entry=old, acting_user=lucia, on=timezone.localdate() - datetime.timedelta(days=400))
    call_command("library_review_due", months=12)
    out = capsys.readouterr().out
    assert "Entrada vieja" in out and "Entrada reciente" not in out and fresh.pk
