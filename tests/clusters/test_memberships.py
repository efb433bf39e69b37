import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clusters import services
from clusters.models import Cluster, ClusterMembership
from tests.conftest import make_person

Status = ClusterMembership.Status
Role = ClusterMembership.Role


@pytest.fixture
def pedro(db):
    return make_person("pedro@example.org", name="Pedro Aspirante", country="GT")


def test_joining_an_open_cluster_makes_an_active_member_at_once(seafood, pedro):
    membership = services.membership_join(cluster=seafood, user=pedro)
    assert membership.status == Status.ACTIVE
    assert membership.role == Role.MEMBER


def test_joining_a_by_approval_cluster_waits_for_a_facilitator(coffee, pedro):
    membership = services.membership_join(cluster=coffee, user=pedro, message="Queremos exportar a Alemania")
    assert membership.status == Status.PENDING
    assert membership.message == "Queremos exportar a Alemania"


def test_joining_twice_is_refused_and_changes_nothing(seafood, pedro):
    first = services.membership_join(cluster=seafood, user=pedro)
    with pytest.raises(ValidationError) as exc:
        services.membership_join(cluster=seafood, user=pedro)
    assert exc.value.code == "already_member"
    assert ClusterMembership.objects.filter(user=pedro).count() == 1
    first.refresh_from_db()
    assert first.status == Status.ACTIVE


def test_asking_twice_while_pending_is_refused(coffee, pedro):
    services.membership_join(cluster=coffee, user=pedro)
    with pytest.raises(ValidationError) as exc:
        services.membership_join(cluster=coffee, user=pedro)
    assert exc.value.code == "already_pending"


def test_a_facilitator_approves_a_pending_request(coffee, lucia, pedro):
    membership = services.membership_join(cluster=coffee, user=pedro)
    services.membership_approve(membership=membership, acting_user=lucia)
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.decided_by == lucia
    assert membership.decided_at is not None


def test_a_facilitator_rejects_a_pending_request(coffee, lucia, pedro):
    membership = services.membership_join(cluster=coffee, user=pedro)
    services.membership_reject(membership=membership, acting_user=lucia)
    membership.refresh_from_db()
    assert membership.status == Status.REJECTED


def test_approving_a_request_that_is_not_pending_is_refused(coffee, lucia, ana):
    membership = ClusterMembership.objects.get(cluster=coffee, user=ana)
    with pytest.raises(ValidationError) as exc:
        services.membership_approve(membership=membership, acting_user=lucia)
    assert exc.value.code == "not_pending"


@pytest.mark.parametrize("who", ["ana", "mateo", "otto", "nadie"])
def test_only_a_facilitator_may_approve(request, coffee, pedro, who):
    acting = request.getfixturevalue(who)
    membership = services.membership_join(cluster=coffee, user=pedro)
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=membership, acting_user=acting)
    membership.refresh_from_db()
    assert membership.status == Status.PENDING


def test_a_facilitator_of_another_cluster_may_not_approve(coffee, seafood, pedro, otto):
    ClusterMembership.objects.filter(user=otto, cluster=seafood).update(role=Role.FACILITATOR)
    membership = services.membership_join(cluster=coffee, user=pedro)
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=membership, acting_user=otto)


def test_a_superuser_may_approve(coffee, pedro, superuser):
    membership = services.membership_join(cluster=coffee, user=pedro)
    services.membership_approve(membership=membership, acting_user=superuser)
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_leaving_a_cluster_one_is_not_in_is_refused(coffee, otto):
    with pytest.raises(ValidationError) as exc:
        services.membership_leave(cluster=coffee, user=otto)
    assert exc.value.code == "not_member"
    assert not ClusterMembership.objects.filter(cluster=coffee, user=otto).exists()


def test_leaving_and_rejoining_an_open_cluster(seafood, otto):
    services.membership_leave(cluster=seafood, user=otto)
    assert ClusterMembership.objects.get(cluster=seafood, user=otto).status == Status.LEFT
    membership = services.membership_join(cluster=seafood, user=otto)
    assert membership.status == Status.ACTIVE


def test_someone_removed_must_ask_again_even_in_an_open_cluster(seafood, otto):
    marina = make_person("marina@example.org", name="Marina", country="AR")
    ClusterMembership.objects.create(cluster=seafood, user=marina, role=Role.FACILITATOR, status=Status.ACTIVE)
    membership = ClusterMembership.objects.get(cluster=seafood, user=otto)
    services.membership_remove(membership=membership, acting_user=marina)
    again = services.membership_join(cluster=seafood, user=otto)
    assert again.status == Status.PENDING


def test_withdrawing_a_pending_request(coffee, pedro):
    services.membership_join(cluster=coffee, user=pedro)
    services.membership_leave(cluster=coffee, user=pedro)
    assert ClusterMembership.objects.get(cluster=coffee, user=pedro).status == Status.LEFT


def test_the_only_facilitator_cannot_leave(coffee, lucia):
    with pytest.raises(ValidationError) as exc:
        services.membership_leave(cluster=coffee, user=lucia)
    assert exc.value.code == "last_facilitator"
    assert ClusterMembership.objects.get(cluster=coffee, user=lucia).is_facilitator


def test_a_facilitator_promotes_a_member_to_mentor(coffee, lucia, ana):
    membership = ClusterMembership.objects.get(cluster=coffee, user=ana)
    services.membership_promote_to_mentor(membership=membership, acting_user=lucia)
    membership.refresh_from_db()
    assert membership.role == Role.MENTOR
    assert membership.is_mentor


def test_a_member_cannot_promote_anyone(coffee, ana, mateo):
    membership = ClusterMembership.objects.get(cluster=coffee, user=ana)
    with pytest.raises(PermissionDenied):
        services.membership_promote_to_mentor(membership=membership, acting_user=mateo)
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_removal_ends_membership_and_tells_listeners(coffee, lucia, ana, django_capture_on_commit_callbacks):
    from clusters.signals import membership_ended

    heard = []

    def listener(sender, membership, **kwargs):
        heard.append((membership.user_id, membership.status))

    membership_ended.connect(listener)
    try:
        membership = ClusterMembership.objects.get(cluster=coffee, user=ana)
        services.membership_remove(membership=membership, acting_user=lucia)
    finally:
        membership_ended.disconnect(listener)
    assert heard == [(ana.pk, Status.REMOVED)]
    assert ClusterMembership.objects.get(cluster=coffee, user=ana).status == Status.REMOVED


def test_a_facilitator_cannot_remove_themselves(coffee, lucia):
    membership = ClusterMembership.objects.get(cluster=coffee, user=lucia)
    with pytest.raises(ValidationError):
        services.membership_remove(membership=membership, acting_user=lucia)


def test_a_closed_cluster_takes_no_new_members(coffee, pedro):
    Cluster.objects.filter(pk=coffee.pk).update(is_active=False)
    coffee.refresh_from_db()
    with pytest.raises(ValidationError):
        services.membership_join(cluster=coffee, user=pedro)
    assert not ClusterMembership.objects.filter(user=pedro).exists()
