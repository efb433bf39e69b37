"""What the API reads and writes: programs, awards (filters, decisions), redemptions, the ledger by
cursor, indicators, firms reached; the OpenAPI schema and its docs page."""

import re

import pytest
from django.urls import Resolver404, resolve

from incentives.models import Award, Redemption, Transfer
from tests.agency_api.conftest import grant


def test_programs_show_their_pool_and_waiting_awards(api, program, award):
    [row] = api.get("/programs").json()
    assert row["id"] == program.pk and row["pool_balance"] == 1_000 and row["pending_awards"] == 1
    assert row["clusters"] == ["cafe"]
    assert api.get(f"/programs/{program.pk}").json()["funded"] == 1_000


def test_awards_filter_by_status_kind_and_flag(api, program, mateo, ana, coffee, rafael):
    first, second = (grant(n, mateo=mateo, ana=ana, coffee=coffee) for n in (1, 2))
    from incentives import services

    services.award_approve(award=first, acting_user=rafael)
    assert [a["id"] for a in api.get("/awards", {"status": "pending"}).json()["items"]] == [second.pk]
    assert [a["id"] for a in api.get("/awards", {"status": "approved"}).json()["items"]] == [first.pk]
    assert api.get("/awards", {"kind": "helpful_vote"}).json()["items"] == []
    assert api.get("/awards", {"status": "nonsense"}).status_code == 422


def test_approving_an_award_pays_it_through_the_console_service(api, award, mateo, rafael):
    response = api.post(f"/awards/{award.pk}/approve", {"reason": "Buena respuesta"})
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == "rafael@example.org"
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED and award.payment.to_account.owner == mateo


def test_rejecting_needs_a_reason_and_a_decided_award_cannot_be_decided_again(api, award):
    assert api.post(f"/awards/{award.pk}/reject", {"reason": ""}, key="r0").status_code == 422
    response = api.post(f"/awards/{award.pk}/reject", {"reason": "Copied answer"}, key="r1")
    assert response.status_code == 200 and response.json()["decision_reason"] == "Copied answer"
    again = api.post(f"/awards/{award.pk}/approve", key="r2")
    assert again.status_code == 400 and again.json()["code"] == "status"


def test_redemptions_are_listed_and_decided(api, redemption, item):
    assert [r["id"] for r in api.get("/redemptions", {"status": "requested"}).json()["items"]] == [redemption.pk]
    response = api.post(f"/redemptions/{redemption.pk}/reject", {"reason": "Out of season"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    redemption.refresh_from_db()
    item.refresh_from_db()
    assert redemption.status == Redemption.Status.REJECTED and item.stock == 3


def test_transfers_are_read_newest_first_by_cursor_without_gaps_or_repeats(api, program, mateo, ana, coffee, rafael):
    from incentives import services

    for n in range(7):
        services.award_approve(award=grant(n, mateo=mateo, ana=ana, coffee=coffee), acting_user=rafael)
    expected = list(Transfer.objects.filter(from_account__agency=program.agency).order_by("-id")
                    .values_list("pk", flat=True))
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get("/transfers", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 3  # 8 transfers: the funding and 7 payments
    assert api.get("/transfers", {"cursor": "x"}).status_code == 400
    assert api.get("/transfers", {"limit": 1000}).status_code == 422


def test_a_transfers_page_costs_the_same_queries_however_deep(api, program, mateo, ana, coffee, rafael,
                                                               django_assert_num_queries):
    from incentives import services

    for n in range(6):
        services.award_approve(award=grant(n, mateo=mateo, ana=ana, coffee=coffee), acting_user=rafael)
    deep = Transfer.objects.order_by("id").values_list("pk", flat=True)[2]
    api.get("/programs")  # the token's "last used" is written at most once a minute: here
    # the token with its agency and maker, the maker is still staff, the page with accounts and owners,
    # the audit entry (the rate limit counts in the cache)
    for params in [{"limit": 2}, {"limit": 2, "cursor": str(deep)}]:
        with django_assert_num_queries(4):
            assert api.get("/transfers", params).status_code == 200


def test_indicators_come_from_the_impact_report_by_period_and_section(api, program, award, rafael):
    from incentives import services

    services.award_approve(award=award, acting_user=rafael)
    body = api.get("/indicators", {"section": ["credits", "reach"]}).json()
    assert [s["key"] for s in body["sections"]] == ["reach", "credits"]
    assert body["grain"] == "week" and body["since"] <= body["until"]
    credits = body["sections"][1]
    issued = {f["key"]: f for f in credits["figures"]}["credits_issued"]
    assert issued["value"] == 50 and issued["definition"]
    [weekly, *_] = credits["series"]
    assert sum(weekly["values"]) == 50 and len(weekly["values"]) == len(weekly["buckets"])
    assert len(api.get("/indicators").json()["sections"]) == 5
    assert api.get("/indicators", {"since": "2026-02-01", "until": "2026-01-01"}).status_code == 400


def test_firms_reached_are_counts_only(api, ana, mateo, otto):
    body = api.get("/firms-reached").json()
    assert body["firms"] == 3 and body["women_led"] == 1
    # One firm per country: too few to show a country without naming the firm.
    assert body["by_country"] == {} and body["other_countries"] == 3
    assert "Café Montaña Lenca" not in str(body)


def test_the_openapi_schema_generates_and_every_path_in_it_resolves(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "Puente agency API"
    paths = schema["paths"]
    assert {"/api/v1/awards", "/api/v1/awards/{award_id}/approve", "/api/v1/transfers", "/api/v1/indicators",
            "/api/v1/firms-reached", "/api/v1/redemptions/{redemption_id}/reject", "/api/v1/programs"} <= set(paths)
    for path, operations in paths.items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        try:
            match = resolve(concrete)
        except Resolver404:
            pytest.fail(f"{path} does not resolve")
        assert match.namespace == "agency_api_v1", path
        for method, operation in operations.items():
            assert operation.get("security"), f"{method} {path} is open"
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path


def test_the_docs_page_loads_nothing_from_another_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_a_token_write_needs_no_csrf_cookie_but_a_session_alone_opens_nothing(award, token, rafael):
    from django.test import Client

    from tests.agency_api.conftest import Api

    strict = Client(enforce_csrf_checks=True)
    assert Api(strict, token).post(f"/awards/{award.pk}/approve").status_code == 200
    # A signed-in staff member's browser session is not a token: the API does not answer to cookies.
    strict.force_login(rafael)
    assert Api(strict, "").get("/awards").status_code == 401
