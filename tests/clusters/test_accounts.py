import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from clusters.models import Firm, FirmMember, User


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _sign_up(client, email="pedro@example.org"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "Exportar-2026!", "password2": "Exportar-2026!"},
        headers={"accept-language": "es"},
    )


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)


def test_sign_up_sends_a_verification_email_and_verifying_leads_to_onboarding(client, sector):
    response = _sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="pedro@example.org")
    assert user.language == "es"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1

    link = _confirmation_link(mail.outbox[0])
    path = "/" + link.split("/", 3)[3]
    response = client.get(path)  # one click in the mail confirms: no second "Confirm" page
    assert EmailAddress.objects.get(user=user).verified
    assert response["Location"] == reverse("clusters:onboarding")

    # Any other page leads back to onboarding until it is done.
    assert client.get(reverse("clusters:directory"))["Location"].startswith(reverse("clusters:onboarding"))

    response = client.post(reverse("clusters:onboarding"), {
        "name": "Pedro Gómez", "language": "es", "country": "GT", "wants_to_mentor": "0",
        "firm_choice": "new", "firm_role": "owner", "firm_name": "Finca Los Altos", "firm_country": "GT",
        "firm_sectors": [sector.pk], "firm_size": "micro", "firm_export_stage": "aspirant",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_onboarded
    assert FirmMember.objects.get(user=user).firm.name == "Finca Los Altos"
    assert client.get(reverse("clusters:directory")).status_code == 200


def test_logging_in_before_verifying_is_refused(client, db):
    _sign_up(client)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "pedro@example.org", "password": "Exportar-2026!"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_onboarding_can_ask_to_join_an_existing_firm(client, nadie, ana):
    nadie.onboarded_at = None
    nadie.save()
    client.force_login(nadie)
    firm = ana.firm_member.firm
    response = client.post(reverse("clusters:onboarding"), {
        "name": "Nadia", "language": "en", "country": "HN", "wants_to_mentor": "0",
        "firm_choice": "join", "firm_role": "staff", "existing_firm": firm.pk,
    })
    assert response.status_code == 302
    member = FirmMember.objects.get(user=nadie)
    assert (member.firm, member.status) == (firm, FirmMember.Status.PENDING)


def test_onboarding_with_a_taken_firm_name_shows_the_error_and_saves_nothing(client, nadie, ana):
    nadie.onboarded_at = None
    nadie.save()
    client.force_login(nadie)
    response = client.post(reverse("clusters:onboarding"), {
        "name": "Nadia", "language": "en", "country": "HN", "wants_to_mentor": "1",
        "firm_choice": "new", "firm_role": "owner", "firm_name": "CAFÉ MONTAÑA LENCA", "firm_country": "HN",
    })
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    nadie.refresh_from_db()
    assert not nadie.is_onboarded
    assert Firm.objects.count() == 1


@pytest.mark.parametrize("variant", ["ana@example.org", "ANA@Example.org", "aNa@EXAMPLE.ORG"])
def test_repeated_failed_logins_are_throttled_whatever_the_case(client, ana, variant):
    for spelling in ["ana@example.org", "Ana@example.org", "ANA@EXAMPLE.ORG", "ana@Example.Org", "anA@example.org"]:
        client.post(reverse("account_login"), {"login": spelling, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": variant, "password": "puente-test-pw"})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_accented_spelling_of_an_email_is_not_a_way_around_the_limit(client, ana):
    # Such an address is refused before any password is checked, so it can neither log in nor probe.
    response = client.post(reverse("account_login"), {"login": "ána@example.org", "password": "puente-test-pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_correct_password_logs_in_when_not_throttled(client, ana):
    response = client.post(reverse("account_login"), {"login": "ANA@example.org", "password": "puente-test-pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ana.pk)


def test_the_admin_login_goes_through_the_same_login(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_sends_a_mail(client, ana):
    response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "password" in mail.outbox[0].subject.lower()
