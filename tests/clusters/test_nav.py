"""The header's per-person bits (clusters.nav): the agency link and the firm link, cached per person
and forgotten at once when they change, so a page never shows a stale link."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from clusters import nav
from clusters.models import Agency, Firm, FirmMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(monkeypatch):
    cache.clear()
    yield
    cache.clear()


def agency_link():
    return f'href="{reverse("incentives:console_index")}"'


def firm_link(firm):
    return f'href="{reverse("clusters:firm", args=[firm.pk])}"'


def test_one_query_gives_all_the_bits(ana, rafael, nadie, django_assert_num_queries):
    firm_id = ana.firm_member.firm_id
    with django_assert_num_queries(1):
        assert nav.nav_person_uncached(user=ana) == {"agency_staff": False, "firm_id": firm_id, "active_firm_id": firm_id}
    assert nav.nav_person_uncached(user=rafael) == {"agency_staff": True, "firm_id": None, "active_firm_id": None}
    assert nav.nav_person_uncached(user=nadie) == {"agency_staff": False, "firm_id": None, "active_firm_id": None}


def test_a_firm_is_the_person_s_active_firm_from_the_moment_they_are_approved(cached, nadie):
    """What the home page and the follow-ups list show of a firm (referrals, follow-ups, readiness)
    follows the kept active_firm_id: a member waiting for approval sees none of it."""
    firm = Firm.objects.create(name="Cacao del Lago", country="NI")
    member = FirmMember.objects.create(firm=firm, user=nadie, status=FirmMember.Status.PENDING)
    assert nav.nav_person(user=nadie)["firm_id"] == firm.pk  # the "My firm" link shows
    assert nav.active_firm_id(user=nadie) is None
    member.status = FirmMember.Status.ACTIVE
    member.save()
    assert nav.active_firm_id(user=nadie) == firm.pk
    member.delete()
    assert nav.active_firm_id(user=nadie) is None


def test_cached_bits_cost_no_query(cached, ana, django_assert_num_queries):
    nav.nav_person(user=ana)
    with django_assert_num_queries(0):
        assert nav.nav_person(user=ana)["firm_id"] == ana.firm_member.firm_id


def test_superusers_see_the_agency_link(cached, superuser):
    assert nav.nav_person(user=superuser)["agency_staff"] is True


def test_joining_and_leaving_an_agency_shows_at_once(cached, client, nadie, agency, other_agency):
    client.force_login(nadie)
    url = reverse("clusters:mine")
    assert agency_link() not in client.get(url).content.decode()
    agency.staff.add(nadie)
    assert agency_link() in client.get(url).content.decode()
    agency.staff.remove(nadie)
    assert agency_link() not in client.get(url).content.decode()
    nadie.agencies.add(other_agency)
    assert agency_link() in client.get(url).content.decode()
    other_agency.staff.clear()
    assert agency_link() not in client.get(url).content.decode()
    other_agency.staff.add(nadie)
    assert agency_link() in client.get(url).content.decode()
    Agency.objects.filter(pk=other_agency.pk).delete()
    assert agency_link() not in client.get(url).content.decode()


def test_joining_leaving_and_losing_a_firm_shows_at_once(cached, client, nadie):
    client.force_login(nadie)
    url = reverse("clusters:mine")
    page = client.get(url).content.decode()
    firm = Firm.objects.create(name="Cacao del Lago", country="NI")
    assert firm_link(firm) not in page
    member = FirmMember.objects.create(firm=firm, user=nadie, status=FirmMember.Status.PENDING)
    assert firm_link(firm) in client.get(url).content.decode()
    member.delete()
    assert firm_link(firm) not in client.get(url).content.decode()
    FirmMember.objects.create(firm=firm, user=nadie)
    assert firm_link(firm) in client.get(url).content.decode()
    link = firm_link(firm)
    firm.delete()  # its members go with it
    assert link not in client.get(url).content.decode()
