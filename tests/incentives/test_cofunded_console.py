"""The console of a co-funded program: each agency's staff get the Approve and Reject buttons only when their
agency's approval is awaited, and see where the award stands otherwise."""

import pytest
from django.urls import reverse

from incentives import services
from incentives.awards import award_approve, award_grant

LAYOUT = 2  # session, user (the header's counts and links are kept: infra.cache)


def answer(n, *, mateo, asker, coffee):
    return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                       description=f"Accepted answer {n}", caused_by=asker)


def queue(client, person, agency):
    client.force_login(person)
    response = client.get(reverse("incentives:awards", args=[agency.slug]))
    assert response.status_code == 200
    return response.content.decode()


def approve_url(agency, award):
    return reverse("incentives:award_decide", args=[agency.slug, award.pk, "approve"])


def ticked(award):
    return f'name="award" value="{award.pk}"'


@pytest.fixture
def partner_does_not_review(cofunded, other_agency, rafael, paula):
    """Otra Agencia pays half of each award but leaves the review to the lead agency."""
    services.program_funder_set(program=cofunded, agency=other_agency, acting_user=rafael, share=1,
                                requires_approval=False)
    services.program_funder_accept(funder=cofunded.funders.get(agency=other_agency), acting_user=paula)
    return cofunded


def test_a_partner_whose_approval_is_not_required_sees_the_state_and_no_button(
        client, partner_does_not_review, mateo, ana, coffee, agency, other_agency, rafael, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)

    partner = queue(client, paula, other_agency)
    assert f"#{award.pk}" in partner
    assert approve_url(other_agency, award) not in partner
    assert ticked(award) not in partner
    assert 'id="bulk"' not in partner  # nothing on the page waits for this agency
    assert "Your agency's approval is not needed; waiting for Red Exporta." in partner

    lead = queue(client, rafael, agency)
    assert approve_url(agency, award) in lead
    assert ticked(award) in lead and 'id="bulk"' in lead


def test_after_approving_the_button_is_gone_for_that_agency_only(
        client, cofunded, mateo, ana, coffee, agency, other_agency, rafael, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert approve_url(agency, award) in queue(client, rafael, agency)
    assert approve_url(other_agency, award) in queue(client, paula, other_agency)

    award_approve(award=award, acting_user=rafael, agency=agency)

    lead = queue(client, rafael, agency)
    assert approve_url(agency, award) not in lead and ticked(award) not in lead
    assert "Approved by your agency; waiting for Otra Agencia." in lead
    partner = queue(client, paula, other_agency)
    assert approve_url(other_agency, award) in partner and ticked(award) in partner


def test_a_person_on_both_staffs_is_not_offered_a_second_approval(
        client, cofunded, mateo, ana, coffee, agency, other_agency, rafael):
    other_agency.staff.add(rafael)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael, agency=agency)

    page = queue(client, rafael, other_agency)
    assert approve_url(other_agency, award) not in page
    assert "You approved it for another agency; another person approves it for yours." in page


def test_a_partner_that_leaves_the_review_to_others_cannot_reject_and_the_award_waits(
        client, partner_does_not_review, mateo, ana, coffee, other_agency, paula):
    from incentives.models import Award

    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    client.force_login(paula)
    url = reverse("incentives:award_decide", args=[other_agency.slug, award.pk, "reject"])
    response = client.post(url, {"reason": "No nos consta"}, follow=True)
    assert "This award does not wait for your agency&#x27;s decision." in response.content.decode()
    assert Award.objects.get(pk=award.pk).status == Award.Status.PENDING


def test_a_reviewing_partner_can_reject(partner_does_not_review, mateo, ana, coffee, other_agency, paula):
    from incentives.awards import award_reject

    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award.flag_code = "mutual"  # a flagged award waits for every funder, so the partner reviews it
    award.save(update_fields=["flag_code"])
    assert award_reject(award=award, acting_user=paula, reason="Pareja que se premia mutuamente").status == "rejected"


def test_a_flagged_award_waits_for_the_partner_that_does_not_review_otherwise(
        client, partner_does_not_review, mateo, ana, coffee, other_agency, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award.flag_code = "mutual"
    award.save(update_fields=["flag_code"])
    assert approve_url(other_agency, award) in queue(client, paula, other_agency)


def waiting_counts(agency, person):
    """What the console's badge and the person's home count for the agency, and what its queue offers them
    to decide."""
    from incentives import selectors

    awards = selectors.awards_with_approval_state(
        awards=selectors.awards_pending_for_agency(agency=agency), agency=agency, user=person)
    offered = [a for a in awards if a.awaited_here]
    counts = selectors.queue_counts(agency=agency)
    home = next(a for a in selectors.queues_for_staff(user=person) if a.pk == agency.pk)
    assert (counts["pending"], counts["flagged"]) == (home.awards_waiting, home.awards_flagged)
    assert counts["pending"] == len(offered), (counts, [a.pk for a in offered])
    assert counts["flagged"] == len([a for a in offered if a.flag_code])
    return counts["pending"], counts["flagged"]


def test_the_counts_of_waiting_awards_are_the_awards_waiting_for_that_agency(
        partner_does_not_review, mateo, ana, coffee, agency, other_agency, rafael, paula):
    clean = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    flagged = answer(2, mateo=mateo, asker=ana, coffee=coffee)
    flagged.flag_code = "mutual"
    flagged.save(update_fields=["flag_code"])
    # The partner reviews only flagged awards; the lead agency reviews both.
    assert waiting_counts(agency, rafael) == (2, 1)
    assert waiting_counts(other_agency, paula) == (1, 1)

    award_approve(award=flagged, acting_user=paula, agency=other_agency)
    assert waiting_counts(other_agency, paula) == (0, 0)
    assert waiting_counts(agency, rafael) == (2, 1)
    award_approve(award=clean, acting_user=rafael, agency=agency)
    assert waiting_counts(agency, rafael) == (1, 1)
    award_approve(award=flagged, acting_user=rafael, agency=agency)
    assert waiting_counts(agency, rafael) == (0, 0)


def test_the_counts_of_an_agency_that_runs_its_program_alone(funded, mateo, ana, coffee, agency, rafael):
    from incentives.models import Program

    Program.objects.filter(pk=funded.pk).update(auto_approve=False)
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    assert award.status == "pending", award.status
    assert waiting_counts(agency, rafael) == (1, 0)


def test_the_co_funded_queue_has_a_fixed_query_count(
        client, cofunded, mateo, ana, coffee, agency, rafael, no_rate_limits, django_assert_num_queries):
    client.force_login(rafael)
    url = reverse("incentives:awards", args=[agency.slug])
    made = 0
    client.get(url)  # the header's values kept, as on every page after the first
    for n in (2, 25):
        for _ in range(n):
            made += 1
            answer(made, mateo=mateo, asker=ana, coffee=coffee)
        # agency, queue counts (2), the filters' clusters and programs, COUNT, the page of awards; then, for the
        # waiting co-funded awards of the page: their shares, their programs' funders, the approvals given
        with django_assert_num_queries(LAYOUT + 3 + 4 + 3):
            assert client.get(url).status_code == 200


def shares_paid(agency, program):
    from incentives.models import AwardShare

    return sum(AwardShare.objects.filter(agency=agency, award__program=program, payment__isnull=False,
                                         reversal__isnull=True).values_list("credits", flat=True))


def cofunded_row(client, person, agency, program):
    import re

    client.force_login(person)
    page = client.get(reverse("incentives:dashboard", args=[agency.slug])).content.decode()
    found = re.search(rf'data-cofunded-program="{program.pk}" data-total="(\d+)" data-mine="(\d+)"', page)
    assert found, "no row for the co-funded program"
    return int(found.group(1)), int(found.group(2))


def test_each_agency_sees_its_share_of_the_program_on_the_impact_page(
        client, cofunded, mateo, ana, coffee, agency, other_agency, rafael, paula):
    from incentives.awards import award_reverse
    from incentives.models import Award

    awards = [answer(n, mateo=mateo, asker=ana, coffee=coffee) for n in (1, 2)]
    awards.append(award_grant(kind="mentoring_session", beneficiary=mateo, cluster=coffee, minutes=45,
                              source_ref="mentoring.session:1", description="Session", caused_by=ana))
    for award in awards:
        award_approve(award=award, acting_user=rafael, agency=agency)
        award_approve(award=award, acting_user=paula, agency=other_agency)
    award_reverse(award=awards[0], acting_user=rafael, reason="Respuesta copiada")
    answer(3, mateo=mateo, asker=ana, coffee=coffee)  # waiting: paid by nobody yet

    program_total = sum(Award.objects.filter(program=cofunded, status="approved").values_list("credits", flat=True))
    assert program_total == 50 + 75
    lead, partner = shares_paid(agency, cofunded), shares_paid(other_agency, cofunded)
    assert lead + partner == program_total and lead != partner  # 75 does not split evenly
    assert cofunded_row(client, rafael, agency, cofunded) == (program_total, lead)
    assert cofunded_row(client, paula, other_agency, cofunded) == (program_total, partner)
    # The agency API gives each agency the same figures as its impact page.
    from tests.agency_api.conftest import Api, make_token

    for funder, person, mine in ((agency, rafael, lead), (other_agency, paula, partner)):
        body = Api(client, make_token(funder, person)[1]).get("/indicators", {"section": "credits"}).json()
        assert body["cofunded_programs"] == [{"program": cofunded.pk, "name": cofunded.name,
                                              "credits_paid": program_total, "credits_paid_by_agency": mine}]


def test_a_co_funder_filters_its_impact_by_the_program_it_co_funds_and_its_clusters(
        client, cofunded, mateo, ana, coffee, other_agency, paula):
    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=paula, agency=other_agency)
    client.force_login(paula)
    url = reverse("incentives:dashboard", args=[other_agency.slug])
    page = client.get(url).content.decode()
    assert f'<option value="{cofunded.pk}">{cofunded.name}</option>' in page
    assert f'<option value="{coffee.pk}">{coffee.name}</option>' in page
    narrowed = client.get(url, {"program": cofunded.pk, "cluster": coffee.pk})
    assert narrowed.status_code == 200 and not narrowed.context["form"].errors
    assert narrowed.context["report"].scope.cluster_ids == (coffee.pk,)
    queue = client.get(reverse("incentives:awards", args=[other_agency.slug])).content.decode()
    assert f'<option value="{coffee.pk}">{coffee.name}</option>' in queue


def test_the_funder_report_has_the_agencys_share(client, cofunded, mateo, ana, coffee, agency, other_agency,
                                                  rafael, paula):
    import io

    from openpyxl import load_workbook

    award = answer(1, mateo=mateo, asker=ana, coffee=coffee)
    award_approve(award=award, acting_user=rafael, agency=agency)
    award_approve(award=award, acting_user=paula, agency=other_agency)
    client.force_login(paula)
    response = client.get(reverse("incentives:dashboard_xlsx", args=[other_agency.slug]))
    rows = [list(row) for sheet in load_workbook(io.BytesIO(response.content)) for row in sheet.values]
    assert [cofunded.name, 50, 25] in [row[:3] for row in rows]
