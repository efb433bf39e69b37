"""Redemptions: confirmed before they are requested, one waiting request per person and item, stock
and validity dates, and what was given recorded by staff and shown in the mentor's wallet."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incentives import services
from incentives.awards import award_grant
from incentives.ledger import wallet_for
from incentives.models import AuditEntry, CatalogItem, Redemption

DAY = datetime.timedelta(days=1)


@pytest.fixture
def earned(funded, mateo, ana, coffee):
    """Mateo holds 100 credits of the agency (two accepted answers, auto-approved)."""
    for n in (1, 2):
        award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:{n}",
                    description="Accepted answer", caused_by=ana)
    return mateo


def benefit(agency, rafael, *, name="Voucher de flete", price=40, stock=3, **dates):
    return services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight", name=name, price=price,
                                      stock=stock, **dates)


def test_the_confirm_page_shows_the_balance_after_and_requests_nothing_until_confirmed(
    client, earned, agency, rafael, django_assert_num_queries
):
    item = benefit(agency, rafael)
    client.force_login(earned)
    url = reverse("incentives:redeem", args=[item.pk])
    # layout 4 (session, user, unread counts, nav), the item with its agency, the wallet, a waiting request?
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()
    assert "Your balance after" in page and ">60</strong>" in page
    assert not Redemption.objects.exists()
    response = client.post(url, {"key": "k1"})
    assert response.status_code == 302 and response["Location"].endswith(f"?agency={agency.slug}")
    assert wallet_for(user=earned, agency=agency).balance == 60
    client.post(url, {"key": "k1"})  # a double click on the confirmation
    assert Redemption.objects.count() == 1


def test_the_wallet_links_to_the_confirmation_instead_of_requesting_in_one_click(client, earned, agency, rafael):
    item = benefit(agency, rafael)
    client.force_login(earned)
    page = client.get(reverse("incentives:wallet")).content.decode()
    assert f'href="{reverse("incentives:redeem", args=[item.pk])}"' in page
    assert f'action="{reverse("incentives:redeem", args=[item.pk])}"' not in page


def test_a_second_identical_waiting_request_is_refused_with_a_clear_message(client, earned, agency, rafael):
    item = benefit(agency, rafael)
    services.redemption_request(item=item, person=earned, idempotency_key="a")
    with pytest.raises(ValidationError, match="You already asked for “Voucher de flete”"):
        services.redemption_request(item=item, person=earned, idempotency_key="b")
    client.force_login(earned)
    url = reverse("incentives:redeem", args=[item.pk])
    page = client.get(url).content.decode()
    assert "You already asked for" in page and 'name="key"' not in page
    client.post(url, {"key": "c"})
    assert Redemption.objects.count() == 1 and wallet_for(user=earned, agency=agency).balance == 60
    item.refresh_from_db()
    assert item.stock == 2


def test_once_the_first_is_decided_the_same_item_can_be_asked_again(earned, agency, rafael):
    item = benefit(agency, rafael)
    first = services.redemption_request(item=item, person=earned, idempotency_key="a")
    services.redemption_reject(redemption=first, acting_user=rafael, reason="Sin cupo")
    again = services.redemption_request(item=item, person=earned, idempotency_key="b")
    assert again.status == "requested"


def test_out_of_stock_and_out_of_dates_items_are_refused(earned, agency, rafael):
    today = timezone.localdate()
    empty = benefit(agency, rafael, name="Agotado", stock=0)
    expired = benefit(agency, rafael, name="Feria 2025", valid_until=today - DAY)
    early = benefit(agency, rafael, name="Feria 2027", valid_from=today + DAY)
    for item, words in [(empty, "out of stock"), (expired, "was offered until"), (early, "is offered from")]:
        with pytest.raises(ValidationError, match=words):
            services.redemption_request(item=item, person=earned)
    assert wallet_for(user=earned, agency=agency).balance == 100
    assert [i.name for i in services_catalog(agency)] == ["Agotado"]  # shown as out of stock; the others hidden


def services_catalog(agency):
    from incentives.selectors import catalog_of

    return list(catalog_of(agency=agency))


def test_an_item_without_a_stock_has_no_limit_and_a_rejection_gives_nothing_back_to_it(earned, agency, rafael):
    item = benefit(agency, rafael, stock=None, price=10)
    first = services.redemption_request(item=item, person=earned, idempotency_key="a")
    services.redemption_reject(redemption=first, acting_user=rafael, reason="No")
    services.redemption_request(item=item, person=earned, idempotency_key="b")
    item.refresh_from_db()
    assert item.stock is None


def test_validity_dates_must_be_in_order(agency, rafael):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        benefit(agency, rafael, valid_from=today, valid_until=today - DAY)


def test_staff_record_what_was_given_and_the_mentor_sees_it_in_the_wallet(client, earned, agency, rafael):
    item = benefit(agency, rafael)
    redemption = services.redemption_request(item=item, person=earned)
    with pytest.raises(ValidationError, match="approved"):
        services.redemption_fulfil(redemption=redemption, acting_user=rafael, voucher_code="X")
    client.force_login(rafael)
    client.post(reverse("incentives:redemption_decide", args=[agency.slug, redemption.pk, "approve"]))
    with pytest.raises(PermissionDenied):
        services.redemption_fulfil(redemption=redemption, acting_user=earned, voucher_code="MINE")
    with pytest.raises(ValidationError, match="Say what was given"):
        services.redemption_fulfil(redemption=redemption, acting_user=rafael)
    response = client.post(reverse("incentives:redemption_decide", args=[agency.slug, redemption.pk, "fulfil"]), {
        "voucher_code": "FLETE-2026-0042", "reference": "Guía DHL 7781", "note": "Válido hasta junio",
    })
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert (redemption.voucher_code, redemption.fulfilled_by) == ("FLETE-2026-0042", rafael)
    assert AuditEntry.objects.filter(action="redemption.fulfil", data__voucher_code="FLETE-2026-0042").exists()
    staff_page = client.get(reverse("incentives:redemptions", args=[agency.slug]), {"status": "approved"})
    assert "FLETE-2026-0042" in staff_page.content.decode()
    client.force_login(earned)
    wallet = client.get(reverse("incentives:wallet")).content.decode()
    assert "FLETE-2026-0042" in wallet and "Guía DHL 7781" in wallet and "Válido hasta junio" in wallet


def test_the_wallet_says_an_approved_redemption_is_being_prepared(client, earned, agency, rafael):
    item = benefit(agency, rafael)
    redemption = services.redemption_request(item=item, person=earned)
    services.redemption_approve(redemption=redemption, acting_user=rafael)
    client.force_login(earned)
    assert "the agency is preparing it" in client.get(reverse("incentives:wallet")).content.decode()


def test_a_waiting_redemption_cannot_be_marked_fulfilled_even_in_the_database(earned, agency, rafael):
    from django.db import IntegrityError, transaction

    redemption = services.redemption_request(item=benefit(agency, rafael), person=earned)
    with pytest.raises(IntegrityError), transaction.atomic():
        Redemption.objects.filter(pk=redemption.pk).update(fulfilled_at=timezone.now())
    assert CatalogItem.objects.get().stock == 2
