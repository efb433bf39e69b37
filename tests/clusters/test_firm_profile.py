"""The firm's profile page and its edit page: its people update the stage, target markets and description;
each change is recorded with who and when."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clusters import services
from clusters.models import Firm, FirmChange


def test_a_member_updates_the_profile_and_the_change_is_recorded(ana):
    firm = ana.firm_member.firm
    change = services.firm_update(firm=firm, acting_user=ana, export_stage=Firm.Stage.NEW,
                                  target_markets=["us", "DE", "US"], description="  Café lavado de Intibucá. ")
    firm.refresh_from_db()
    assert firm.export_stage == Firm.Stage.NEW
    assert [c.code for c in firm.target_markets] == ["DE", "US"]
    assert firm.description == "Café lavado de Intibucá."
    assert change.changed_by == ana
    assert change.fields["export_stage"] == ["aspirant", "new"]
    assert change.fields["target_markets"] == [[], ["DE", "US"]]


def test_saving_the_same_values_records_nothing(ana):
    firm = ana.firm_member.firm
    assert services.firm_update(firm=firm, acting_user=ana, export_stage=firm.export_stage, target_markets=[],
                                description="") is None
    assert not FirmChange.objects.exists()


def test_someone_outside_the_firm_may_not_update_it(ana, mateo):
    with pytest.raises(PermissionDenied):
        services.firm_update(firm=ana.firm_member.firm, acting_user=mateo, export_stage="new", target_markets=[],
                             description="")


def test_an_unknown_market_or_stage_is_refused(ana):
    firm = ana.firm_member.firm
    with pytest.raises(ValidationError):
        services.firm_update(firm=firm, acting_user=ana, export_stage="new", target_markets=["ZZ"], description="")
    with pytest.raises(ValidationError):
        services.firm_update(firm=firm, acting_user=ana, export_stage="giant", target_markets=[], description="")
    assert not FirmChange.objects.exists()


def test_the_edit_page_saves_and_the_profile_shows_the_change_in_the_readers_language(client, ana, mateo):
    firm = ana.firm_member.firm
    url = reverse("clusters:firm_edit", args=[firm.pk])
    client.force_login(ana)
    assert client.get(url).status_code == 200
    response = client.post(url, {"export_stage": "new", "target_markets": ["US"], "description": "Hola"})
    assert response.status_code == 302
    ana.language = "es"
    ana.save()
    page = client.get(reverse("clusters:firm", args=[firm.pk]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Estados Unidos" in page
    assert "Ana Martínez" in page


def test_only_the_firms_people_reach_the_edit_page(client, ana, mateo):
    client.force_login(mateo)
    url = reverse("clusters:firm_edit", args=[ana.firm_member.firm.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"export_stage": "new", "description": "x"}).status_code == 404
    page = client.get(reverse("clusters:firm", args=[ana.firm_member.firm.pk])).content.decode()
    assert url not in page
