"""POST /redemptions/{id}/fulfil (scoped, audited, idempotent) and co-funded awards through the API."""

from incentives import services
from incentives.models import AuditEntry, Award, Redemption
from tests.agency_api.conftest import Api, make_token


def approved(redemption, rafael):
    return services.redemption_approve(redemption=redemption, acting_user=rafael)


def test_staff_record_what_was_given_and_a_replay_changes_nothing(api, agency, rafael, redemption):
    approved(redemption, rafael)
    body = {"voucher_code": "WOC-2026-17", "reference": "Reserva 4411", "note": "Entregado en la feria"}
    first = api.post(f"/redemptions/{redemption.pk}/fulfil", body, key="f-1")
    assert first.status_code == 200, first.json()
    assert first.json()["voucher_code"] == "WOC-2026-17" and first.json()["fulfilled_at"]
    again = api.post(f"/redemptions/{redemption.pk}/fulfil", body, key="f-1")
    assert again.status_code == 200 and again.json() == first.json()
    # Every call is in the log; the replay wrote nothing more.
    assert AuditEntry.objects.filter(agency=agency, action="redemption.fulfil").count() == 1
    assert AuditEntry.objects.filter(agency=agency, action="api.redemptions.fulfil").count() == 2
    # Another key with another body corrects it (audited again).
    fixed = api.post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "WOC-2026-18"}, key="f-2")
    assert fixed.json()["voucher_code"] == "WOC-2026-18" and fixed.json()["reference"] == ""
    assert AuditEntry.objects.filter(agency=agency, action="redemption.fulfil").count() == 2
    assert api.post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "X"}, key="f-1").status_code == 409


def test_only_an_approved_redemption_is_fulfilled_and_something_must_be_said(api, rafael, redemption):
    response = api.post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "A"}, key="w-1")
    assert response.status_code == 400 and response.json()["code"] == "status"
    approved(redemption, rafael)
    response = api.post(f"/redemptions/{redemption.pk}/fulfil", {}, key="w-2")
    assert response.status_code == 400 and response.json()["code"] == "empty"
    assert api.post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "A"}).status_code == 200


def test_fulfil_is_refused_without_the_scope_to_another_agency_and_to_the_person(
        client, agency, other_agency, rafael, olga_token, mateo, redemption):
    approved(redemption, rafael)
    _t, read_only = make_token(agency, rafael, scopes=["read"])
    response = Api(client, read_only).post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "A"})
    assert response.status_code == 403 and response.json()["code"] == "scope"
    assert Api(client, olga_token).post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "A"}).status_code == 404
    agency.staff.add(mateo)
    _t, own = make_token(agency, mateo)
    response = Api(client, own).post(f"/redemptions/{redemption.pk}/fulfil", {"voucher_code": "A"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    redemption.refresh_from_db()
    assert not redemption.is_fulfilled and redemption.status == Redemption.Status.APPROVED


def test_the_fulfil_operation_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/redemptions/{redemption_id}/fulfil"]


def test_a_cofunding_agency_sees_its_share_and_approves_for_itself(client, program, agency, other_agency, rafael, olga,
                                                                   mateo, ana, coffee):
    from incentives.awards import award_grant

    funder = services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=1)
    services.program_funder_accept(funder=funder, acting_user=olga)
    services.program_fund(program=program, acting_user=olga, amount=500, agency=other_agency)
    award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:77",
                        description="answer", caused_by=ana)
    assert award.status == Award.Status.PENDING
    _t, text = make_token(other_agency, olga)
    partner = Api(client, text)
    seen = partner.get(f"/awards/{award.pk}").json()
    assert seen["agency_share"] == award.credits // 2 and seen["approved_by_agency"] is False
    response = partner.post(f"/awards/{award.pk}/approve", key="p-1")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["approved_by_agency"] is True
    _t, lead = make_token(agency, rafael)
    assert Api(client, lead).post(f"/awards/{award.pk}/approve", key="l-1").json()["status"] == "approved"
