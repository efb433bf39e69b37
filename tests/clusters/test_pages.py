import pytest
from django.urls import reverse

from clusters.models import Cluster, ClusterMembership, Firm
from tests.conftest import activate, make_person


def test_the_home_page_explains_puente_and_lists_active_clusters(client, coffee, seafood):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Learn to export" in response.content
    assert coffee.name.encode() in response.content


def test_a_spanish_browser_gets_the_home_page_in_spanish(client, coffee):
    response = client.get(reverse("home"), headers={"accept-language": "es-HN,es;q=0.9"})
    assert response["Content-Language"] == "es"
    assert b"Aprende a exportar" in response.content


def test_a_portuguese_browser_gets_brazilian_portuguese(client, coffee):
    response = client.get(reverse("home"), headers={"accept-language": "pt-BR,pt;q=0.9"})
    assert response["Content-Language"] == "pt-br"
    assert b"Aprenda a exportar" in response.content


def test_the_language_switcher_is_remembered_on_the_profile(client, ana):
    client.force_login(ana)
    response = client.post(reverse("set_language"), {"language": "pt-br", "next": "/clusters/"})
    assert response.status_code == 302
    assert response["Location"] == "/clusters/"
    ana.refresh_from_db()
    assert ana.language == "pt-br"
    # Another device without the cookie still gets the person's language.
    other = client_class_for(client)
    other.force_login(ana)
    assert other.get(reverse("home"), headers={"accept-language": "en"})["Content-Language"] == "pt-br"


def client_class_for(client):
    return client.__class__()


def test_the_language_switcher_refuses_an_outside_next(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_every_html_page_carries_a_content_security_policy_without_inline_scripts(client, coffee):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert b"<script>" not in response.content


def _directory_world(count: int, sector, agency, start: int = 0):
    for i in range(start, start + count):
        cluster = Cluster.objects.create(
            sector=sector, slug=f"c{i}-{sector.pk}", name=f"Cluster {i}", countries=["HN", "CO"],
            languages=["es"], agency=agency, access=Cluster.Access.OPEN,
        )
        activate(make_person(f"m{i}-{sector.pk}@example.org", name=f"M{i}"), cluster)


def test_the_directory_query_count_stays_the_same_as_clusters_grow(client, sector, agency, django_assert_num_queries):
    _directory_world(3, sector, agency)
    # 1 count for the paginator, 1 page of clusters with sector, agency and member count, 1 sectors for the filter
    with django_assert_num_queries(3):
        assert client.get(reverse("clusters:directory")).status_code == 200
    _directory_world(40, sector, agency, start=3)
    with django_assert_num_queries(3):
        response = client.get(reverse("clusters:directory"))
    assert response.context["page"].paginator.count == 43


def test_the_directory_filters_by_sector_country_language_and_name(client, coffee, seafood):
    url = reverse("clusters:directory")
    assert [c.slug for c in client.get(url, {"sector": "seafood"}).context["page"]] == ["mar"]
    assert [c.slug for c in client.get(url, {"country": "CO"}).context["page"]] == ["cafe"]
    assert [c.slug for c in client.get(url, {"language": "en"}).context["page"]] == ["cafe"]
    assert [c.slug for c in client.get(url, {"q": "mar"}).context["page"]] == ["mar"]
    assert [c.slug for c in client.get(url, {"country": "C"}).context["page"]] == ["cafe", "mar"]  # invalid: ignored


def test_the_directory_paginates(client, sector, agency, settings):
    settings.PUENTE_PAGE_SIZE = 5
    _directory_world(12, sector, agency)
    response = client.get(reverse("clusters:directory"), {"page": 3})
    assert len(response.context["page"].object_list) == 2
    assert b'rel="prev"' in response.content


def test_the_cluster_page_query_count_stays_the_same_as_members_grow(
    client, coffee, lucia, mateo, ana, django_assert_num_queries
):
    client.force_login(ana)
    url = reverse("clusters:detail", args=[coffee.slug])
    client.get(url)  # warm the session and content types
    # 1 session, 1 user, 1 cluster, 1 own membership, 1 counts, 1 facilitators and mentors, 1 member firms,
    # 1 the cluster's rooms (the header's counts and links are kept: infra.cache)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for i in range(25):
        firm = Firm.objects.create(name=f"Firm {i}", country="HN")
        role = ClusterMembership.Role.MENTOR if i % 2 else ClusterMembership.Role.MEMBER
        activate(make_person(f"p{i}@example.org", name=f"P{i}", firm=firm), coffee, role)
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["mentors"]) == 13
    assert len(response.context["firms"]) == 27


def test_the_cluster_page_button_reflects_the_persons_state(client, coffee, ana, otto, nadie):
    url = reverse("clusters:detail", args=[coffee.slug])
    assert b"Log in to join" in client.get(url).content
    client.force_login(ana)
    assert b"Leave cluster" in client.get(url).content
    client.force_login(otto)
    assert b"Ask to join" in client.get(url).content
    client.post(reverse("clusters:join", args=[coffee.slug]), {"message": "hola"})
    assert b"Withdraw request" in client.get(url).content


def test_joining_through_the_page_and_being_approved(client, coffee, lucia, otto):
    client.force_login(otto)
    client.post(reverse("clusters:join", args=[coffee.slug]), {"message": "Exportamos langosta"})
    membership = ClusterMembership.objects.get(cluster=coffee, user=otto)
    assert membership.is_pending

    client.force_login(lucia)
    page = client.get(reverse("clusters:pending"))
    assert b"Exportamos langosta" in page.content
    response = client.post(reverse("clusters:pending_decide", args=[membership.pk, "approve"]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active


def test_a_member_cannot_see_or_decide_other_clusters_requests(client, coffee, ana, otto):
    client.force_login(otto)
    client.post(reverse("clusters:join", args=[coffee.slug]))
    membership = ClusterMembership.objects.get(cluster=coffee, user=otto)
    client.force_login(ana)
    assert b"otto" not in client.get(reverse("clusters:pending")).content.lower()
    response = client.post(reverse("clusters:pending_decide", args=[membership.pk, "approve"]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_pending


def test_joining_twice_through_the_page_shows_a_clear_message(client, coffee, ana):
    client.force_login(ana)
    response = client.post(reverse("clusters:join", args=[coffee.slug]), follow=True)
    assert b"already a member" in response.content


def test_leaving_a_cluster_one_is_not_in_shows_a_clear_message(client, coffee, otto):
    client.force_login(otto)
    response = client.post(reverse("clusters:leave", args=[coffee.slug]), follow=True)
    assert b"not a member" in response.content


def test_anonymous_visitors_are_sent_to_log_in_before_joining(client, coffee):
    response = client.post(reverse("clusters:join", args=[coffee.slug]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_my_clusters_lists_active_and_pending(client, coffee, seafood, otto):
    client.force_login(otto)
    client.post(reverse("clusters:join", args=[coffee.slug]))
    response = client.get(reverse("clusters:mine"))
    assert [m.cluster.slug for m in response.context["active"]] == ["mar"]
    assert [m.cluster.slug for m in response.context["pending"]] == ["cafe"]


def test_the_firm_page_shows_the_firm_and_its_clusters(client, ana, coffee):
    firm = ana.firm_member.firm
    client.force_login(ana)  # coffee is by approval: only its members see who is in it
    response = client.get(reverse("clusters:firm", args=[firm.pk]))
    assert response.status_code == 200
    assert b"Women-led" in response.content
    assert [c.slug for c in response.context["clusters"]] == ["cafe"]


def test_a_missing_firm_or_cluster_is_a_404(client, db):
    assert client.get(reverse("clusters:firm", args=[999])).status_code == 404
    assert client.get(reverse("clusters:detail", args=["nope"])).status_code == 404


def test_facilitators_manage_roles_from_the_members_page(client, coffee, lucia, ana):
    client.force_login(lucia)
    membership = ClusterMembership.objects.get(cluster=coffee, user=ana)
    assert client.get(reverse("clusters:members", args=[coffee.slug])).status_code == 200
    client.post(reverse("clusters:member_manage", args=[coffee.slug, membership.pk, "mentor"]))
    membership.refresh_from_db()
    assert membership.role == ClusterMembership.Role.MENTOR


def test_members_cannot_open_the_members_page(client, coffee, ana, mateo):
    client.force_login(ana)
    assert client.get(reverse("clusters:members", args=[coffee.slug])).status_code == 403
    membership = ClusterMembership.objects.get(cluster=coffee, user=mateo)
    assert client.post(reverse("clusters:member_manage", args=[coffee.slug, membership.pk, "remove"])).status_code == 403
    membership.refresh_from_db()
    assert membership.is_active


@pytest.mark.parametrize("path", ["/", "/clusters/", "/accounts/login/", "/accounts/signup/"])
def test_pages_have_a_main_landmark_and_a_language_switcher(client, db, path):
    content = client.get(path).content
    assert b'<main id="main"' in content
    assert b'name="language"' in content
    # a menu of buttons named "Language", not a select that switches at the first arrow key
    assert b'<details class="language-menu">' in content and b"Language: </span>" in content
    assert b"data-autosubmit" not in content


def test_country_choices_are_named_and_sorted_in_each_language_also_when_kept_between_requests():
    from django.utils import translation
    from django_countries import countries

    from clusters.forms import country_choices

    for _round in range(2):  # the second round comes from what the first kept
        with translation.override("es"):
            spanish = country_choices("—")
        with translation.override("en"):
            english = country_choices("—")
        assert spanish[0] == english[0] == ("", "—")
        assert dict(spanish)["DE"] == "Alemania" and dict(english)["DE"] == "Germany"
        with translation.override("es"):
            assert spanish[1:] == [(code, str(name)) for code, name in countries]  # django-countries' order
