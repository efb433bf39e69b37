import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from clusters import services
from clusters.models import Firm, FirmMember
from tests.conftest import make_person


@pytest.fixture
def pedro(db):
    return make_person("pedro@example.org", name="Pedro", country="GT")


def test_creating_a_firm_makes_its_creator_an_active_member(pedro, sector):
    firm = services.firm_create(creator=pedro, name="  Finca  El Injerto ", country="gt", sectors=[sector])
    assert firm.name == "Finca El Injerto"
    assert firm.country.code == "GT"
    assert list(firm.sectors.all()) == [sector]
    assert FirmMember.objects.get(user=pedro).status == FirmMember.Status.ACTIVE


def test_a_firm_name_already_taken_in_that_country_is_refused(pedro, ana):
    with pytest.raises(ValidationError) as exc:
        services.firm_create(creator=pedro, name="café montaña lenca", country="HN")
    assert exc.value.code == "firm_taken"
    assert Firm.objects.filter(country="HN").count() == 1
    assert not FirmMember.objects.filter(user=pedro).exists()


def test_the_same_name_in_another_country_is_fine(pedro, ana):
    firm = services.firm_create(creator=pedro, name="Café Montaña Lenca", country="GT")
    assert firm.country.code == "GT"


def test_the_database_refuses_a_duplicate_name_whatever_the_case_and_accents(db):
    Firm.objects.create(name="Pesquera Azul Marítima", country="EC")
    with pytest.raises(IntegrityError):
        Firm.objects.create(name="PESQUERA  AZUL MARITIMA", country="EC")


def test_an_unknown_country_code_is_refused(pedro):
    with pytest.raises(ValidationError) as exc:
        services.firm_create(creator=pedro, name="Nueva", country="XX")
    assert exc.value.code == "country"
    assert not Firm.objects.filter(name="Nueva").exists()


def test_an_unknown_export_market_is_refused(pedro):
    with pytest.raises(ValidationError):
        services.firm_create(creator=pedro, name="Nueva", country="GT", export_markets=["US", "ZZ"])
    assert not Firm.objects.exists()


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "ftp://example.org/",
        "www.example.org",
        "https://exa mple.org",
    ],
)
def test_a_website_that_is_not_a_web_address_is_refused(pedro, website):
    # The firm's page links to it: a javascript: address there would run in the visitor's browser.
    with pytest.raises(ValidationError) as exc:
        services.firm_create(creator=pedro, name="Nueva", country="GT", website=website)
    assert exc.value.code == "website"
    assert not Firm.objects.exists()


def test_a_web_address_is_kept(pedro):
    firm = services.firm_create(creator=pedro, name="Nueva", country="GT", website=" https://nueva.example/café ")
    assert firm.website == "https://nueva.example/café"


def test_asking_to_join_a_firm_waits_for_one_of_its_people(pedro, ana):
    firm = ana.firm_member.firm
    member = services.firm_request_join(firm=firm, user=pedro)
    assert member.status == FirmMember.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.firm_member_approve(member=member, acting_user=pedro)
    services.firm_member_approve(member=member, acting_user=ana)
    member.refresh_from_db()
    assert member.status == FirmMember.Status.ACTIVE


def test_an_outsider_cannot_decide_a_firm_request(pedro, ana, otto):
    member = services.firm_request_join(firm=ana.firm_member.firm, user=pedro)
    with pytest.raises(PermissionDenied):
        services.firm_member_reject(member=member, acting_user=otto)
    assert FirmMember.objects.filter(pk=member.pk).exists()


def test_a_person_belongs_to_one_firm_only(ana):
    with pytest.raises(ValidationError) as exc:
        services.firm_create(creator=ana, name="Otra", country="HN")
    assert exc.value.code == "has_firm"


def test_onboarding_records_who_the_person_is(nadie):
    services.person_onboard(user=nadie, name=" Nadia  Ruiz ", language="pt-br", country="BR", wants_to_mentor=True)
    nadie.refresh_from_db()
    assert (nadie.name, nadie.language, nadie.country.code, nadie.wants_to_mentor) == ("Nadia Ruiz", "pt-br", "BR", True)


def test_onboarding_refuses_an_unknown_country(nadie):
    with pytest.raises(ValidationError):
        services.person_onboard(user=nadie, name="Nadia", language="es", country="QQ", wants_to_mentor=False)
    nadie.refresh_from_db()
    assert nadie.name == "Nadie Outsider"
