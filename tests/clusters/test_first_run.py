"""A new exporter's first run: one click in the mail, an onboarding that asks her name and one firm form
at a time, the clusters of her sector, and after joining either the room (open cluster) or a page that
says what happens next (by approval)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from clusters.models import Cluster, Firm, FirmMember, User
from messaging import services as messaging_services
from messaging.models import Room


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _signed_up_and_confirmed(client) -> User:
    client.post(
        reverse("account_signup"),
        {"email": "valeria@example.org", "password1": "Exportar-2026!", "password2": "Exportar-2026!"},
        headers={"accept-language": "es"},
    )
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[-1].body).group(0)
    response = client.get("/" + link.split("/", 3)[3])
    assert response["Location"] == reverse("clusters:onboarding")
    return User.objects.get(email="valeria@example.org")


def test_one_click_in_the_mail_confirms_and_leads_to_onboarding_without_a_made_up_name(client, sector):
    user = _signed_up_and_confirmed(client)
    assert user.emailaddress_set.get().verified
    page = client.get(reverse("clusters:onboarding")).content.decode()
    assert "Tu cuenta" in page  # the account menu, until she says her name
    assert "valeria<" not in page and 'value="valeria"' not in page and "valeria." not in page
    assert "Iniciaste sesión" not in page  # the onboarding page greets her instead


def test_the_onboarding_page_marks_its_two_firm_forms_so_only_the_chosen_one_shows(client, sector):
    _signed_up_and_confirmed(client)
    page = client.get(reverse("clusters:onboarding")).content.decode()
    assert 'class="stacked onboarding-form"' in page
    assert 'class="subform firm-new"' in page and 'class="subform firm-join"' in page


def test_after_onboarding_she_sees_the_clusters_of_her_firms_sector(client, sector):
    _signed_up_and_confirmed(client)
    response = client.post(reverse("clusters:onboarding"), {
        "name": "Valeria Castillo", "language": "es", "country": "HN", "wants_to_mentor": "0",
        "firm_choice": "new", "firm_role": "owner", "firm_name": "Café Copán Alto", "firm_country": "HN",
        "firm_sectors": [sector.pk], "firm_size": "micro", "firm_export_stage": "aspirant",
    })
    assert response["Location"] == reverse("clusters:directory") + f"?sector={sector.slug}"
    assert "Valeria Castillo" in client.get(response["Location"]).content.decode()  # in the header now


def test_joining_a_firm_on_puente_leads_to_that_firms_sector(client, sector):
    firm = Firm.objects.create(name="Finca Los Altos", country="GT")
    firm.sectors.add(sector)
    _signed_up_and_confirmed(client)
    response = client.post(reverse("clusters:onboarding"), {
        "name": "Valeria Castillo", "language": "es", "country": "GT", "wants_to_mentor": "0",
        "firm_choice": "join", "firm_role": "export", "existing_firm": firm.pk,
    })
    assert response["Location"].endswith(f"?sector={sector.slug}")
    assert FirmMember.objects.get(user__email="valeria@example.org").firm == firm


def test_joining_an_open_cluster_lands_in_its_room_with_a_welcome(client, seafood, nadie):
    messaging_services.room_general_for_cluster(cluster=seafood)  # made with the cluster (cluster_add)
    client.force_login(nadie)
    response = client.post(reverse("clusters:join", args=[seafood.slug]), follow=True)
    room = Room.objects.get(cluster=seafood, is_general=True)
    assert response.redirect_chain[-1][0] == reverse("messaging:room", args=[room.pk])
    page = response.content.decode()
    assert f"Welcome to {seafood.name}. Say hello" in page


def test_an_outsider_cannot_reach_a_closed_clusters_room_through_its_address(client, coffee, nadie):
    client.force_login(nadie)
    assert client.get(reverse("messaging:cluster_general", args=[coffee.slug])).status_code == 404


def test_a_request_to_a_cluster_by_approval_says_what_happens_next_and_what_to_do_meanwhile(client, coffee, otto):
    client.force_login(otto)
    response = client.post(reverse("clusters:join", args=[coffee.slug]), {"message": "Exportamos langosta"},
                           follow=True)
    page = response.content.decode()
    assert coffee.access == Cluster.Access.APPROVAL
    assert "What happens next" in page and "You get a notification" in page
    assert reverse("mentoring:directory") + f"?sector={coffee.sector.slug}" in page
    assert reverse("clusters:firm", args=[otto.firm_member.firm_id]) in page


def test_a_person_who_has_not_given_a_name_is_a_new_member_never_a_name_made_from_the_address(db):
    from django.utils import translation

    from clusters.models import User

    person = User.objects.create_user(email="ana.m82@example.org", password="x")
    with translation.override("es"):
        assert person.display_name == "Miembro nuevo"
    with translation.override("en"):
        assert person.display_name == "New member" and "ana.m82" not in str(person)
