"""Staff create and fund programs through the console; the nav shows each person what they can use."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incentives import impact
from incentives.models import AuditEntry, Program, Transfer


def test_staff_create_a_program_and_fund_it_once_even_if_the_form_is_sent_twice(client, rafael, agency, coffee):
    client.force_login(rafael)
    response = client.post(reverse("incentives:program_create", args=[agency.slug]), {
        "name": "Cacao y café 2027", "clusters": [coffee.pk], "budget": 5000,
        "starts_on": timezone.localdate().isoformat(), "rate_accepted_answer": 40, "rate_mentoring_hour": 90,
        "rate_helpful_vote": 5, "cap_mentor_day": 0, "cap_mentor_month": 0, "cap_pair_month": 0,
    })
    program = Program.objects.get(name="Cacao y café 2027")
    assert response.status_code == 302 and list(program.clusters.all()) == [coffee]
    url = reverse("incentives:program", args=[agency.slug, program.pk])
    form = {"amount": 1200, "reason": "Primer desembolso", "key": "3f1c"}
    client.post(url, form)
    client.post(url, form)  # the same form again (a double click, a retry)
    assert Transfer.objects.filter(kind="fund").count() == 1
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == ["program.create", "program.fund"]
    page = client.get(url).content.decode()
    assert "1,200" in page or "1200" in page


def test_funding_beyond_the_budget_shows_the_reason(client, program, rafael, agency):
    client.force_login(rafael)
    url = reverse("incentives:program", args=[agency.slug, program.pk])
    response = client.post(url, {"amount": 999_999, "reason": "todo", "key": "k"})
    assert response.status_code == 200 and "beyond the budget" in response.content.decode()
    assert not Transfer.objects.exists()


def test_a_program_cannot_end_before_it_starts(client, rafael, agency, coffee):
    client.force_login(rafael)
    today = timezone.localdate()
    response = client.post(reverse("incentives:program_create", args=[agency.slug]), {
        "name": "Al revés", "clusters": [coffee.pk], "budget": 10, "starts_on": today.isoformat(),
        "ends_on": (today - datetime.timedelta(days=1)).isoformat(), "rate_accepted_answer": 1,
        "rate_mentoring_hour": 0, "rate_helpful_vote": 0, "cap_mentor_day": 0, "cap_mentor_month": 0,
        "cap_pair_month": 0,
    })
    assert response.status_code == 200 and not Program.objects.exists()


def test_the_nav_shows_wallet_to_everyone_signed_in_and_agency_only_to_staff(client, rafael, ana):
    client.force_login(ana)
    page = client.get(reverse("incentives:wallet")).content.decode()
    assert reverse("incentives:wallet") in page and reverse("incentives:console_index") not in page
    assert client.get(reverse("incentives:console_index")).status_code == 404
    client.force_login(rafael)
    page = client.get(reverse("incentives:wallet")).content.decode()
    assert reverse("incentives:console_index") in page
    assert client.get(reverse("incentives:console_index")).status_code == 302


def test_a_section_nobody_provides_for_shows_as_not_available(client, rafael, agency, monkeypatch):
    monkeypatch.setattr(impact, "_registry", {})
    client.force_login(rafael)
    page = client.get(reverse("incentives:dashboard", args=[agency.slug])).content.decode()
    assert page.count("Not available yet") == 4  # reach, outcomes, questions, mentoring: only credits are here
    assert "Credits issued" in page


def test_a_registered_provider_adds_its_indicators_to_its_section(client, rafael, agency, monkeypatch):
    monkeypatch.setattr(impact, "_registry", {})
    impact.register("questions", provide=lambda scope: [impact.Indicator(
        section="questions", key="asked", label="Q&A asked", definition="Questions posted.", value=7)])
    client.force_login(rafael)
    page = client.get(reverse("incentives:dashboard", args=[agency.slug])).content.decode()
    assert page.count("Not available yet") == 3
    assert 'data-indicator="asked"' in page and "Q&amp;A asked" in page and "Questions posted." in page


def test_the_gini_coefficient(db):
    assert impact.gini([10, 10, 10]) == 0
    assert round(impact.gini([0, 0, 0, 100]), 2) == 0.0  # zeros are not earners: one earner, no spread
    assert round(impact.gini([1, 99]), 2) == 0.49


def test_funding_a_program_with_more_credits_than_the_ledger_holds_is_a_form_error(client, rafael, agency, program):
    Program.objects.filter(pk=program.pk).update(budget=0)  # no budget: only the ledger's own limit applies
    client.force_login(rafael)
    url = reverse("incentives:program", args=[agency.slug, program.pk])
    for amount in [2**63, 2**63 - 1, 10**15 + 1]:
        response = client.post(url, {"amount": amount, "reason": "Todo", "key": f"k{amount}"})
        assert response.status_code == 200 and response.context["form"].errors, amount
    assert not Transfer.objects.filter(kind="fund").exists()


def test_the_ledger_never_lets_a_balance_leave_its_bounds(rafael, program):
    from django.core.exceptions import ValidationError

    from incentives.ledger import MAX_CREDITS, program_accounts, transfer_post
    from incentives.verify import ledger_check

    Program.objects.filter(pk=program.pk).update(budget=0)
    mint, pool = program_accounts(program=program)
    transfer_post(from_account=mint, to_account=pool, amount=MAX_CREDITS, kind="fund", idempotency_key="all")
    with pytest.raises(ValidationError) as refused:
        transfer_post(from_account=mint, to_account=pool, amount=1, kind="fund", idempotency_key="one more")
    assert refused.value.code == "too_large"
    # Replaying the transfer that reached the bound still returns it.
    assert transfer_post(from_account=mint, to_account=pool, amount=MAX_CREDITS, kind="fund",
                         idempotency_key="all").amount == MAX_CREDITS
    assert ledger_check().ok


def test_a_rate_beyond_what_an_award_can_hold_is_a_form_error(client, rafael, agency, coffee):
    client.force_login(rafael)
    response = client.post(reverse("incentives:program_create", args=[agency.slug]), {
        "name": "Sin límite", "clusters": [coffee.pk], "budget": 0, "starts_on": timezone.localdate().isoformat(),
        "rate_accepted_answer": 40, "rate_mentoring_hour": 2_000_000_000, "rate_helpful_vote": 5,
        "cap_mentor_day": 0, "cap_mentor_month": 0, "cap_pair_month": 0,
    })
    assert response.status_code == 200 and "rate_mentoring_hour" in response.context["form"].errors
    assert not Program.objects.filter(name="Sin límite").exists()
