"""clusters.access: the one rule of who may read, post in and facilitate a cluster, and every query form
of it (the Q conditions, the raw SQL of the room socket, the rooms and questions lists built on them)
saying the same as the Python rule, for every kind of person, cluster state and role."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from clusters import access
from clusters.models import Cluster, ClusterMembership, Sector
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from messaging.models import Room
from tests.conftest import make_person

Status = ClusterMembership.Status
Role = ClusterMembership.Role

PEOPLE = ["visitor", "person", "inactive person", "superuser", "inactive superuser"]
CLUSTERS = [("open", True), ("approval", True), ("open", False), ("approval", False)]
ROLES = [None, "pending", "left", "removed", Role.MEMBER, Role.MENTOR, Role.FACILITATOR]


def _expected(kind: str, access_kind: str, active: bool, role: str | None) -> dict[str, bool]:
    """The decision table, written out (clusters.access's docstring)."""
    person = kind in ("person", "superuser")
    superuser = kind == "superuser"
    has_role = role in (Role.MEMBER, Role.MENTOR, Role.FACILITATOR)
    post = active and person and (superuser or has_role)
    return {
        "read": active and (access_kind == "open" or post),
        "post": post,
        "mentor": active and person and (superuser or role in (Role.MENTOR, Role.FACILITATOR)),
        "facilitate": active and person and (superuser or role == Role.FACILITATOR),
    }


def _setup(kind, access_kind, active, role):
    sector = Sector.objects.create(slug="s", name="S")
    cluster = Cluster.objects.create(sector=sector, slug="c", name="C", access=access_kind, is_active=active)
    if kind == "visitor":
        return AnonymousUser(), cluster
    user = make_person("p@example.org", name="P", is_superuser=kind.endswith("superuser"),
                       is_active=not kind.startswith("inactive"))
    if role in ("pending", "left", "removed"):
        ClusterMembership.objects.create(user=user, cluster=cluster, role=Role.MEMBER, status=role)
    elif role is not None:
        ClusterMembership.objects.create(user=user, cluster=cluster, role=role, status=Status.ACTIVE)
    return user, cluster


def _posting_sql_says(user, cluster) -> bool:
    sql, params = access.posting_sql(user, "c.id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Cluster._meta.db_table} c WHERE c.id = %s AND {sql}", [cluster.pk, *params])
        return cursor.fetchone() is not None


@pytest.mark.django_db
@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "cached"])
@pytest.mark.parametrize(("kind", "cluster_state", "role"), list(itertools.product(PEOPLE, CLUSTERS, ROLES)),
                         ids=lambda value: str(value))
def test_every_form_of_the_rule_agrees(kind, cluster_state, role, cached, monkeypatch):
    from django.core.cache import cache

    if cached:
        cache.clear()
    access_kind, active = cluster_state
    user, cluster = _setup(kind, access_kind, active, role)
    expected = _expected(kind, access_kind, active, role)
    for _twice in range(2 if cached else 1):  # the second time from the cache
        said = {
            "read": access.may_read(user=user, cluster=cluster),
            "post": access.may_post(user=user, cluster=cluster),
            "mentor": access.may_mentor(user=user, cluster=cluster),
            "facilitate": access.may_facilitate(user=user, cluster=cluster),
        }
        assert said == expected
    clusters = Cluster.objects.filter(pk=cluster.pk)
    assert clusters.filter(access.readable_q(user)).exists() == expected["read"]
    assert clusters.filter(access.postable_q(user)).exists() == expected["post"]
    assert clusters.filter(access.facilitated_q(user)).exists() == expected["facilitate"]
    assert access.may_facilitate_id(user=user, cluster_id=cluster.pk) == expected["facilitate"]
    assert _posting_sql_says(user, cluster) == expected["post"]
    has_role = role in (Role.MEMBER, Role.MENTOR, Role.FACILITATOR)
    in_member_ids = active and kind in ("person", "superuser") and has_role  # a role, not the superuser's right
    assert (cluster.pk in access.member_cluster_ids(user=user)) == in_member_ids
    # The rooms built on it: a cluster's room is read by those who may post there (and are not suspended).
    room = Room.objects.create(kind=Room.Kind.CLUSTER, cluster=cluster, name="General", slug="general",
                               is_general=True)
    assert messaging_services.can_read_room(user=user, room=room) == expected["post"]
    if user.is_authenticated:
        in_list = messaging_selectors.rooms_readable_by(user=user).filter(pk=room.pk).exists()
        assert in_list == expected["post"]
        assert messaging_selectors.is_facilitator_of_room(user=user, room=room) == expected["facilitate"]


@pytest.mark.django_db
def test_a_role_is_forgotten_as_soon_as_the_membership_changes(monkeypatch):
    user, cluster = _setup("person", "approval", True, Role.MEMBER)
    assert access.role_in(user=user, cluster_id=cluster.pk) == Role.MEMBER
    membership = ClusterMembership.objects.get(user=user, cluster=cluster)
    membership.role = Role.FACILITATOR
    membership.save()
    assert access.may_facilitate(user=user, cluster=cluster)
    membership.delete()
    assert not access.may_post(user=user, cluster=cluster)


@pytest.mark.django_db
def test_a_cluster_has_its_general_room_from_its_creation_and_old_ones_get_theirs():
    import importlib

    from django.apps import apps

    from clusters import services

    sector = Sector.objects.create(slug="s", name="S")
    made = services.cluster_create(sector=sector, slug="new", name="New", access=Cluster.Access.OPEN)
    assert Room.objects.filter(cluster=made, is_general=True).count() == 1
    older = Cluster.objects.create(sector=sector, slug="old", name="Old")  # made before the service
    migration = importlib.import_module("messaging.migrations.0006_general_room_for_every_cluster")
    migration.general_rooms(apps, None)
    assert Room.objects.filter(cluster__in=[made, older], is_general=True).count() == 2
    assert Room.objects.get(cluster=older).display_name == "General"


@pytest.mark.django_db
def test_switching_an_account_off_in_the_admin_goes_through_the_service(rf, monkeypatch):
    import types

    from django.contrib.admin import site

    from clusters import services
    from clusters.admin import UserAdmin
    from clusters.models import User

    person = make_person("p@example.org", name="P")
    switched_off = []
    monkeypatch.setattr(services, "person_deactivate", lambda *, user: switched_off.append(user.pk))
    person.is_active = False
    UserAdmin(User, site).save_model(rf.post("/"), person, types.SimpleNamespace(changed_data=["is_active"]), True)
    assert switched_off == [person.pk]
