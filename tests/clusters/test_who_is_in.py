"""Who is in a by-approval cluster is for its members (docs/SECURITY.md, "What outsiders see"): anyone
sees its description and how many people, mentors and firms it has; only its active members see who
they are and reach their firms' pages through it. An open cluster shows its people to everyone."""

import pytest
from django.urls import reverse

from clusters.models import ClusterMembership, Firm
from tests.conftest import activate, make_person

WHO = ["Lucía Vargas", "Mateo Restrepo", "Café Montaña Lenca", "Tostadores del Quindío"]


@pytest.fixture
def coffee_people(coffee, ana, mateo, lucia):
    return {"ana": ana, "mateo": mateo, "lucia": lucia}


def _shows_anyone(html: str, firms) -> list[str]:
    return [name for name in WHO if name in html] + [f"/firms/{firm.pk}/" for firm in firms if f"/firms/{firm.pk}/" in html]


@pytest.mark.parametrize("viewer", ["anonymous", "nadie", "otto", "pending"])
def test_a_by_approval_cluster_shows_outsiders_its_description_and_counts_but_not_who_is_in_it(
    client, coffee, coffee_people, nadie, otto, viewer, django_assert_num_queries
):
    coffee.description = "Productores de café de especialidad."
    coffee.save()
    if viewer == "pending":
        viewer_user = make_person("pedro@example.org", name="Pedro Pending")
        ClusterMembership.objects.create(cluster=coffee, user=viewer_user, status=ClusterMembership.Status.PENDING)
    else:
        viewer_user = {"nadie": nadie, "otto": otto}.get(viewer)
    if viewer_user:
        client.force_login(viewer_user)
    url = reverse("clusters:detail", args=[coffee.slug])
    client.get(url)  # warm the session and content types
    # anonymous: 1 cluster, 1 counts; signed in, also: 1 session, 1 user, 1 own membership,
    # 1 the cluster's rooms (the header's values and a pending request's firm are kept: infra.cache)
    with django_assert_num_queries({"anonymous": 2}.get(viewer, 6)):
        response = client.get(url)
    html = response.content.decode()
    firms = Firm.objects.filter(name__in=WHO)  # the member firms (Otto's own is in his header)
    assert _shows_anyone(html, firms) == []
    assert "Productores de café de especialidad." in html
    assert "3 people" in html and "2 mentors" in html and "2 firms" in html
    assert "Who is in this cluster is shown to its members only." in html


def test_members_of_a_by_approval_cluster_see_who_is_in_it(client, coffee, coffee_people, django_assert_num_queries):
    client.force_login(coffee_people["ana"])
    url = reverse("clusters:detail", args=[coffee.slug])
    client.get(url)
    # 1 session, 1 user, 1 cluster, 1 own membership, 1 counts, 1 facilitators and mentors, 1 member firms,
    # 1 the cluster's rooms (the header's counts and links are kept: infra.cache)
    with django_assert_num_queries(8):
        html = client.get(url).content.decode()
    assert _shows_anyone(html, Firm.objects.all()) == [*WHO, *(f"/firms/{f.pk}/" for f in Firm.objects.all())]


def test_an_open_cluster_shows_who_is_in_it_to_anyone(client, seafood, otto, django_assert_num_queries):
    url = reverse("clusters:detail", args=[seafood.slug])
    client.get(url)
    # 1 cluster, 1 counts, 1 facilitators and mentors, 1 member firms
    with django_assert_num_queries(4):
        html = client.get(url).content.decode()
    assert "Mariscos Fonseca" in html and f"/firms/{otto.firm_member.firm.pk}/" in html


@pytest.mark.parametrize("viewer", ["anonymous", "nadie", "otto"])
def test_a_firms_page_does_not_tell_outsiders_which_by_approval_clusters_it_is_in(
    client, coffee, seafood, coffee_people, nadie, otto, viewer, django_assert_num_queries
):
    firm = coffee_people["ana"].firm_member.firm
    activate(make_person("eva@example.org", name="Eva Lenca", firm=None), seafood)
    firm.members.create(user=seafood.memberships.get(user__email="eva@example.org").user, role="staff", status="active")
    if viewer != "anonymous":
        client.force_login({"nadie": nadie, "otto": otto}[viewer])
    url = reverse("clusters:firm", args=[firm.pk])
    client.get(url)
    # 1 firm, 1 sectors, 1 its active people, 1 its clusters (the person's memberships as a subquery),
    # 1 the parts apps above add (clusters.firm_panels: readiness' latest assessment, shown with consent);
    # signed in: 1 session, 1 user, navigation: 1 unread counts, 1 is agency staff and user's firm
    with django_assert_num_queries(5 if viewer == "anonymous" else 7):
        response = client.get(url)
    assert [c.slug for c in response.context["clusters"]] == ["mar"]
    assert coffee.get_absolute_url() not in response.content.decode()


def test_a_firms_page_shows_a_member_the_by_approval_clusters_they_share(
    client, coffee, coffee_people, django_assert_num_queries
):
    firm = coffee_people["mateo"].firm_member.firm
    client.force_login(coffee_people["ana"])
    response = client.get(reverse("clusters:firm", args=[firm.pk]))
    assert [c.slug for c in response.context["clusters"]] == ["cafe"]
