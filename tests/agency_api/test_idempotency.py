"""Every write takes an Idempotency-Key, kept per token: the same key and body give the first response
again without a second write; the same key with another body is a 409."""

from incentives.models import AuditEntry, Award
from tests.agency_api.conftest import Api, make_token


def test_a_write_without_a_key_is_refused(api, award):
    response = api.post(f"/awards/{award.pk}/approve", key=None)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING


def test_the_same_key_and_body_give_the_original_response_and_write_once(api, award, agency):
    first = api.post(f"/awards/{award.pk}/approve", {"reason": "ok"}, key="approve-1")
    second = api.post(f"/awards/{award.pk}/approve", {"reason": "ok"}, key="approve-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert AuditEntry.objects.filter(agency=agency, action="award.approve").count() == 1


def test_an_error_is_replayed_too(api, award):
    api.post(f"/awards/{award.pk}/reject", {"reason": "copied"}, key="x")
    first = api.post(f"/awards/{award.pk}/approve", key="y")
    again = api.post(f"/awards/{award.pk}/approve", key="y")
    assert first.status_code == again.status_code == 400 and first.json() == again.json()


def test_the_same_key_with_another_body_is_a_conflict(api, award):
    assert api.post(f"/awards/{award.pk}/reject", {"reason": "copied"}, key="k").status_code == 200
    response = api.post(f"/awards/{award.pk}/reject", {"reason": "something else"}, key="k")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    award.refresh_from_db()
    assert award.decision_reason == "copied"


def test_keys_belong_to_their_token(client, api, agency, rafael, award, mateo, ana, coffee):
    from tests.agency_api.conftest import grant

    other = grant(2, mateo=mateo, ana=ana, coffee=coffee)
    assert api.post(f"/awards/{award.pk}/approve", key="shared").status_code == 200
    _token, text = make_token(agency, rafael)
    response = Api(client, text).post(f"/awards/{other.pk}/approve", key="shared")
    assert response.status_code == 200 and response.json()["id"] == other.pk
