"""The console's authorisation cases, run through the API: another agency's token, a revoked, expired
or unknown token, a token without the scope, a token whose maker left the agency, and deciding on one's
own award. Nothing leaks: another agency's objects answer 404, as missing ones do."""

import datetime

import pytest
from django.utils import timezone

from agency_api import services as api_services
from agency_api.models import ApiToken
from incentives.models import AuditEntry, Award, Redemption
from tests.agency_api.conftest import Api, make_token


def test_a_call_without_a_token_or_with_an_unknown_one_is_refused(client, award):
    assert Api(client, "").get("/awards").status_code == 401
    assert Api(client, "pte_not-a-real-token").get("/awards").status_code == 401


def test_the_agencys_token_reads_its_awards(api, award):
    response = api.get(f"/awards/{award.pk}")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["beneficiary"] == "mateo@example.org"


def test_another_agencys_token_gets_404_for_every_object_and_sees_none_in_lists(
    client, olga_token, award, redemption, program
):
    olga = Api(client, olga_token)
    for path in [f"/awards/{award.pk}", f"/programs/{program.pk}", f"/redemptions/{redemption.pk}"]:
        response = olga.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"code": "not_found", "detail": "Not found."}
    # The same answer as for an id that does not exist: ids leak nothing.
    assert olga.get("/awards/999999").json() == olga.get(f"/awards/{award.pk}").json()
    for path in ["/awards", "/redemptions", "/transfers"]:
        assert olga.get(path).json()["items"] == [], path
    assert olga.get("/programs").json() == []
    assert olga.post(f"/awards/{award.pk}/approve", key="a").status_code == 404
    assert olga.post(f"/awards/{award.pk}/reject", {"reason": "no"}, key="b").status_code == 404
    assert olga.post(f"/redemptions/{redemption.pk}/approve", key="c").status_code == 404
    award.refresh_from_db()
    redemption.refresh_from_db()
    assert award.status == Award.Status.PENDING and redemption.status == Redemption.Status.REQUESTED


def test_a_revoked_token_is_refused_and_the_refusal_is_audited(client, agency, rafael, award):
    token, text = make_token(agency, rafael)
    assert Api(client, text).get("/awards").status_code == 200
    api_services.token_revoke(token=token, acting_user=rafael)
    assert Api(client, text).get("/awards").status_code == 401
    assert Api(client, text).post(f"/awards/{award.pk}/approve").status_code == 401
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING
    assert AuditEntry.objects.filter(agency=agency, action="api.refused", data__why="revoked").count() == 2


def test_an_expired_token_is_refused(client, agency, rafael, award):
    token, text = make_token(agency, rafael)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Api(client, text).get(f"/awards/{award.pk}").status_code == 401
    assert AuditEntry.objects.filter(agency=agency, action="api.refused", data__why="expired").exists()


def test_a_token_stops_working_when_its_maker_leaves_the_agency(client, agency, rafael, award):
    _token, text = make_token(agency, rafael)
    agency.staff.remove(rafael)
    assert Api(client, text).get(f"/awards/{award.pk}").status_code == 401


def test_a_read_token_cannot_decide(client, agency, rafael, award, redemption):
    _token, text = make_token(agency, rafael, scopes=["read"])
    read_only = Api(client, text)
    assert read_only.get(f"/awards/{award.pk}").status_code == 200
    response = read_only.post(f"/awards/{award.pk}/approve")
    assert response.status_code == 403 and response.json()["code"] == "scope"
    assert read_only.post(f"/redemptions/{redemption.pk}/approve", key="k2").status_code == 403
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING


def test_an_awards_token_cannot_decide_redemptions_nor_read(client, agency, rafael, award, redemption):
    _token, text = make_token(agency, rafael, scopes=["write:awards"])
    writer = Api(client, text)
    assert writer.get("/awards").status_code == 403
    assert writer.post(f"/redemptions/{redemption.pk}/approve").status_code == 403
    assert writer.post(f"/awards/{award.pk}/approve", key="k2").status_code == 200


def test_nobody_decides_on_their_own_award_through_the_api_either(client, agency, mateo, award):
    agency.staff.add(mateo)  # mateo now also works at the agency: separation of duties still holds
    _token, text = make_token(agency, mateo)
    response = Api(client, text).post(f"/awards/{award.pk}/approve")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING


def test_every_call_is_audited_as_a_console_action_of_the_tokens_maker(api, agency, rafael, award):
    api.get("/awards")
    api.get("/awards/999999")
    api.post(f"/awards/{award.pk}/approve")
    entries = list(AuditEntry.objects.filter(agency=agency, action__startswith="api.").order_by("id"))
    assert [(e.action, e.data["status"], e.actor_id) for e in entries] == [
        ("api.awards.list", 200, rafael.pk), ("api.awards.get", 404, rafael.pk), ("api.awards.approve", 200, rafael.pk),
    ]
    # The decision itself is in the log as the console writes it.
    assert AuditEntry.objects.filter(agency=agency, action="award.approve", actor=rafael).exists()


def test_calls_beyond_the_tokens_rate_limit_get_429(api, settings, award):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "api": (2, 60)}
    assert api.get("/awards").status_code == 200
    assert api.get("/awards").status_code == 200
    response = api.get("/awards")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["code"] == "rate_limited"


@pytest.mark.parametrize("scopes", [[], ["admin"]])
def test_a_token_needs_known_scopes(agency, rafael, scopes):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_token(agency, rafael, scopes=scopes)


def test_only_staff_of_the_agency_make_tokens(agency, olga):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_token(agency, olga)
    assert not ApiToken.objects.exists()
