"""Wallet and agency console pages: who sees what, forms that work, query counts that stay put."""

import pytest
from django.urls import reverse

from incentives import services
from incentives.awards import award_grant
from incentives.models import Award, CatalogItem, Redemption


def grant(n, *, mateo, ana, coffee):
    return award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"demo.answer:{n}",
                       description=f"Accepted answer: Incoterms question {n}", caused_by=ana)


@pytest.fixture
def item(agency, rafael):
    return services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight", name="Freight voucher",
                                      price=40, stock=3)


def test_every_console_page_renders_for_the_agencys_staff(client, funded, rafael, agency, mateo, ana, coffee, item):
    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    client.force_login(rafael)
    for name in ["console", "awards", "redemptions", "catalog", "ledger", "audit", "dashboard"]:
        response = client.get(reverse(f"incentives:{name}", args=[agency.slug]))
        assert response.status_code == 200, name
    response = client.get(reverse("incentives:program", args=[agency.slug, funded.pk]))
    assert response.status_code == 200
    dashboard = client.get(reverse("incentives:dashboard", args=[agency.slug])).content.decode()
    assert "<svg" in dashboard and "Credits issued" in dashboard and "<details" in dashboard


def test_the_wallet_shows_a_running_balance_and_redeems(client, funded, mateo, ana, coffee, item, agency):
    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    grant(2, mateo=mateo, ana=ana, coffee=coffee)
    client.force_login(mateo)
    page = client.get(reverse("incentives:wallet")).content.decode()
    assert "Accepted answer: Incoterms question 2" in page and ">100<" in page
    response = client.post(reverse("incentives:redeem", args=[item.pk]), {"key": "k1"})
    assert response.status_code == 302
    client.post(reverse("incentives:redeem", args=[item.pk]), {"key": "k1"})  # a double click
    assert Redemption.objects.filter(person=mateo).count() == 1
    item.refresh_from_db()
    assert item.stock == 2


def test_the_wallet_opens_at_the_agency_that_holds_the_most_credits(client, funded, mateo, ana, coffee, other_agency):
    from incentives.ledger import wallet_for

    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    wallet_for(user=mateo, agency=other_agency)  # an empty wallet at an agency whose name comes first
    assert other_agency.name < funded.agency.name
    client.force_login(mateo)
    response = client.get(reverse("incentives:wallet"))
    assert response.context["wallet"].agency == funded.agency and response.context["wallet"].balance == 50
    chosen = client.get(reverse("incentives:wallet"), {"agency": other_agency.slug})
    assert chosen.context["wallet"].agency == other_agency


def test_staff_of_another_agency_get_404(client, funded, other_agency, agency, mateo, ana, coffee, item):
    from tests.conftest import make_person

    outsider = make_person("olga@example.org", name="Olga Otra", country="CL")
    other_agency.staff.add(outsider)
    award = grant(1, mateo=mateo, ana=ana, coffee=coffee)
    client.force_login(outsider)
    urls = [
        reverse("incentives:console", args=[agency.slug]),
        reverse("incentives:program", args=[agency.slug, funded.pk]),
        reverse("incentives:awards", args=[agency.slug]),
        reverse("incentives:export_transfers", args=[agency.slug]),
        reverse("incentives:export_awards", args=[agency.slug]),
        reverse("incentives:dashboard", args=[agency.slug]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # Even with its own agency's slug, another agency's award id is a 404.
    response = client.post(reverse("incentives:award_decide", args=[other_agency.slug, award.pk, "reverse"]),
                           {"reason": "x"})
    assert response.status_code == 404
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED


def test_csv_export_streams_every_transfer(client, funded, rafael, agency, mateo, ana, coffee):
    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    client.force_login(rafael)
    response = client.get(reverse("incentives:export_transfers", args=[agency.slug]))
    assert response.streaming
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("id,created_at,kind") and len(lines) == 3  # header, funding, award


def test_staff_approve_and_reject_redemptions_and_every_action_is_audited(
    client, funded, rafael, agency, mateo, ana, coffee, item
):
    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    grant(2, mateo=mateo, ana=ana, coffee=coffee)
    first = services.redemption_request(item=item, person=mateo)
    client.force_login(rafael)
    client.post(reverse("incentives:redemption_decide", args=[agency.slug, first.pk, "approve"]))
    second = services.redemption_request(item=item, person=mateo)  # the first is no longer waiting
    client.post(reverse("incentives:redemption_decide", args=[agency.slug, second.pk, "reject"]),
                {"reason": "Sin cupo en la feria"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "rejected")
    assert CatalogItem.objects.get(pk=item.pk).stock == 2
    audit = client.get(reverse("incentives:audit", args=[agency.slug])).content.decode()
    assert "redemption.reject" in audit and "Sin cupo en la feria" in audit and "program.fund" in audit


def test_csv_exports_defuse_spreadsheet_formulas(client, funded, rafael, agency, mateo, ana, coffee):
    award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:9",
                description='=HYPERLINK("http://evil.example","x")', caused_by=ana)
    client.force_login(rafael)
    response = client.get(reverse("incentives:export_awards", args=[agency.slug]))
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_redemptions_past_the_limit_answer_429_and_a_replayed_one_is_not_counted(
    client, funded, mateo, ana, coffee, item, settings, agency, rafael
):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "redemption": (1, 3600)}
    grant(1, mateo=mateo, ana=ana, coffee=coffee)
    grant(2, mateo=mateo, ana=ana, coffee=coffee)
    other = services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name="Taller", price=10,
                                       stock=3)
    client.force_login(mateo)
    url = reverse("incentives:redeem", args=[item.pk])
    assert client.post(url, {"key": "first"}).status_code == 302
    assert client.post(url, {"key": "first"}).status_code == 302  # the same request again: no new one
    response = client.post(reverse("incentives:redeem", args=[other.pk]), {"key": "second"})
    assert response.status_code == 429
    assert "You have requested many benefits in a short time." in response.content.decode()
    assert Redemption.objects.count() == 1 and CatalogItem.objects.get(pk=item.pk).stock == 2
