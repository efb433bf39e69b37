"""Referrals: an agency refers a firm to another agency's program; the firm consents (sharing its history
or not) or declines; the receiving agency sees only what the firm accepted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incentives import referrals, services
from incentives.models import AuditEntry, Referral


@pytest.fixture
def export_credit(other_agency, paula):
    """Otra Agencia's export-credit program, open to referrals (it covers no cluster of its own yet)."""
    from django.utils import timezone

    from incentives.models import Program

    return Program.objects.create(agency=other_agency, name="Crédito exportador 2026", starts_on=timezone.localdate(),
                                  created_by=paula)


def refer(*, rafael, agency, ana, export_credit, note="Tu café está listo para el crédito exportador."):
    return referrals.referral_create(from_agency=agency, acting_user=rafael, firm=ana.firm_member.firm,
                                     program=export_credit, note=note)


def test_a_firm_consents_to_a_referral_and_shares_its_history(client, agency, other_agency, rafael, paula, ana, mateo,
                                                               funded, coffee, export_credit):
    from incentives.awards import award_grant
    # ana's firm has a mentor who earned credits: part of the firm's history.
    award_grant(kind="accepted_answer", beneficiary=ana, cluster=coffee, source_ref="questions.answer:9",
                description="answer", caused_by=mateo)
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    client.force_login(paula)
    # Nothing for the receiving agency before the firm answers.
    assert client.get(reverse("incentives:referral", args=[other_agency.slug, referral.pk])).status_code == 404

    client.force_login(ana)
    home = client.get(reverse("home")).content.decode()
    assert "Crédito exportador 2026" in home and "Tu café está listo" in home
    response = client.post(reverse("incentives:referral_answer", args=[referral.pk]),
                           {"answer": "consent", "share_history": "on"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CONSENTED and referral.share_history

    client.force_login(paula)
    page = client.get(reverse("incentives:referral", args=[other_agency.slug, referral.pk])).content.decode()
    assert "Café Montaña Lenca" in page and "credits for their help" in page
    assert AuditEntry.objects.filter(action="referral.consent").count() == 2


def test_without_sharing_the_receiving_agency_sees_the_referral_but_no_history(
        client, agency, other_agency, rafael, paula, ana, export_credit):
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    referrals.referral_answer(referral=referral, acting_user=ana, consent=True, share_history=False)
    assert referrals.firm_history(referral=Referral.objects.get()) == []
    client.force_login(paula)
    page = client.get(reverse("incentives:referral", args=[other_agency.slug, referral.pk])).content.decode()
    assert "chose not to share its history" in page


def test_a_declined_referral_stays_invisible_to_the_receiving_agency(client, agency, other_agency, rafael, paula, ana,
                                                                     export_credit):
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    referrals.referral_answer(referral=referral, acting_user=ana, consent=False, share_history=True)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED and not referral.share_history
    client.force_login(paula)
    assert client.get(reverse("incentives:referral", args=[other_agency.slug, referral.pk])).status_code == 404
    assert "Café Montaña Lenca" not in client.get(reverse("incentives:referrals", args=[other_agency.slug])).content.decode()


def test_only_the_firms_members_answer_and_only_once(agency, rafael, ana, mateo, export_credit):
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    with pytest.raises(PermissionDenied):
        referrals.referral_answer(referral=referral, acting_user=mateo, consent=True)
    referrals.referral_answer(referral=referral, acting_user=ana, consent=True)
    with pytest.raises(ValidationError):
        referrals.referral_answer(referral=referral, acting_user=ana, consent=False)


def test_another_person_cannot_answer_through_the_page(client, agency, rafael, ana, mateo, export_credit):
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    client.force_login(mateo)
    assert client.post(reverse("incentives:referral_answer", args=[referral.pk]), {"answer": "consent"}).status_code == 404


def test_an_agency_refers_only_firms_it_reached_to_other_agencies_programs(agency, rafael, ana, otto, funded,
                                                                           export_credit, other_agency, paula):
    with pytest.raises(ValidationError, match="another agency"):
        refer(rafael=rafael, agency=agency, ana=ana, export_credit=funded)
    with pytest.raises(ValidationError, match="works with"):
        referrals.referral_create(from_agency=other_agency, acting_user=paula, firm=ana.firm_member.firm,
                                  program=funded, note="x")
    with pytest.raises(PermissionDenied):
        refer(rafael=paula, agency=agency, ana=ana, export_credit=export_credit)
    refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    with pytest.raises(ValidationError, match="already has a referral"):
        refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)


def test_staff_refer_through_the_console(client, agency, rafael, ana, export_credit):
    client.force_login(rafael)
    url = reverse("incentives:referrals", args=[agency.slug])
    response = client.post(url, {"firm": ana.firm_member.firm.pk, "program": export_credit.pk,
                                 "note": "Les conviene la misión comercial."})
    assert response.status_code == 302 and Referral.objects.count() == 1
    page = client.get(url).content.decode()
    assert "Les conviene" not in page and "Café Montaña Lenca" in page


def test_the_referrals_page_has_a_fixed_query_count(client, agency, rafael, ana, export_credit,
                                                   django_assert_num_queries):
    from tests.incentives.test_query_counts import LAYOUT

    client.force_login(rafael)
    url = reverse("incentives:referrals", args=[agency.slug])
    refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    client.get(url)  # the header's values kept, as on every page after the first
    # agency, queue counts (2), firms reached, programs open, referrals sent, received
    with django_assert_num_queries(LAYOUT + 3 + 4):
        assert client.get(url).status_code == 200


def test_a_cofunding_agency_sees_the_program_and_its_share(client, cofunded, other_agency, paula, mateo, ana, coffee):
    from incentives.awards import award_grant

    award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:1",
                        description="Accepted answer 1", caused_by=ana)
    client.force_login(paula)
    page = client.get(reverse("incentives:program", args=[other_agency.slug, cofunded.pk])).content.decode()
    assert "Funding agencies" in page and "Red Exporta" in page and "yours: 25" in page
    awards = client.get(reverse("incentives:awards", args=[other_agency.slug])).content.decode()
    assert "25 paid by your agency" in awards
    response = client.post(reverse("incentives:award_decide", args=[other_agency.slug, award.pk, "approve"]))
    assert response.status_code == 302
    awards = client.get(reverse("incentives:awards", args=[other_agency.slug])).content.decode()
    assert "Approved by your agency; waiting for Red Exporta." in awards


def test_a_partner_accepts_the_terms_from_its_console(client, program, agency, other_agency, rafael, paula):
    client.force_login(rafael)
    client.post(reverse("incentives:program_funders", args=[agency.slug, program.pk]),
                {"agency": other_agency.pk, "share": 2, "cap": "", "requires_approval": "on", "split": "share"})
    funder = program.funders.get(agency=other_agency)
    assert funder.share == 2 and funder.accepted_at is None
    client.force_login(paula)
    page = client.get(reverse("incentives:program", args=[other_agency.slug, program.pk])).content.decode()
    assert "Accept these terms" in page
    client.post(reverse("incentives:program_funder_accept", args=[other_agency.slug, program.pk]))
    funder.refresh_from_db()
    assert funder.accepted_at is not None
    services.program_fund(program=program, acting_user=paula, amount=10, agency=other_agency)


def test_an_answer_without_a_choice_changes_nothing(client, agency, rafael, ana, export_credit):
    referral = refer(rafael=rafael, agency=agency, ana=ana, export_credit=export_credit)
    client.force_login(ana)
    assert client.post(reverse("incentives:referral_answer", args=[referral.pk]), {}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING
