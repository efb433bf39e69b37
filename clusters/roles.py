"""Who is in which cluster, kept in the cache: a person's active role in a cluster ("member", "mentor",
"facilitator", or none), the active clusters a person is an active member of, and the open active
clusters everyone may read.

Every Q&A page decides what its reader may do from this role, so it is read on every one of them.
It is kept per person and cluster (Redis in production, shared by every process) and forgotten as
soon as the membership is made, changed or deleted (model signals; a cluster's or a person's deletion
deletes their memberships through the same signals), both at once and again after the commit, so a
page rendered while the change was being committed cannot keep the old role. ROLE_TTL bounds what a
write that bypasses model signals (queryset.update, raw SQL; the code has none) could leave behind.
Whether the person is active is not kept: it is checked on the request's own user every time. The
two sets of clusters are forgotten likewise: a person's on any change to one of their memberships or
to one of their clusters (it may have closed down), the open ones on any cluster saved or deleted.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete

from clusters.models import Cluster, ClusterMembership
from config.cache import read_many

ROLE_TTL = 60
_NO_ROLE = ""  # kept for people without an active membership (None means "not in the cache")
OPEN_KEY = "open-cluster-ids"


def _key(user_id: int, cluster_id: int) -> str:
    return f"cluster-role:{user_id}:{cluster_id}"


def _ids_key(user_id: int) -> str:
    return f"cluster-ids:{user_id}"


def role_entry(*, user, cluster_id: int) -> tuple:
    """The role as an entry for config.cache.read_many (read with other kept values at once); pass what
    it gives to role_of. For visitors and inactive people it reads nothing."""
    if not user.is_authenticated or not user.is_active:
        return _key(0, cluster_id), lambda: _NO_ROLE, 0
    return _key(user.pk, cluster_id), lambda: (
        ClusterMembership.objects.filter(user_id=user.pk, cluster_id=cluster_id, status=ClusterMembership.Status.ACTIVE)
        .values_list("role", flat=True)
        .first()
    ) or _NO_ROLE, ROLE_TTL


def role_of(kept: str) -> str | None:
    return kept or None


def active_role(*, user, cluster_id: int) -> str | None:
    """The person's active role in the cluster, or None (also for visitors and inactive people):
    from the cache, or 1 query."""
    return role_of(read_many([role_entry(user=user, cluster_id=cluster_id)])[0])


def member_ids_entry(*, user) -> tuple:
    if not user.is_authenticated or not user.is_active:
        return _ids_key(0), frozenset, 0
    return _ids_key(user.pk), lambda: frozenset(
        ClusterMembership.objects.filter(
            user_id=user.pk, status=ClusterMembership.Status.ACTIVE, cluster__is_active=True
        ).values_list("cluster_id", flat=True)
    ), ROLE_TTL


def member_cluster_ids(*, user) -> frozenset[int]:
    """The active clusters the person is an active member of (none for visitors and inactive people):
    from the cache, or 1 query."""
    return read_many([member_ids_entry(user=user)])[0]


def open_ids_entry() -> tuple:
    return OPEN_KEY, lambda: frozenset(
        Cluster.objects.filter(is_active=True, access=Cluster.Access.OPEN).values_list("pk", flat=True)
    ), ROLE_TTL


def open_cluster_ids() -> frozenset[int]:
    """The active clusters open to everyone: from the cache, or 1 query."""
    return read_many([open_ids_entry()])[0]


def _forget(keys: list[str]) -> None:
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget(*, user_id: int, cluster_id: int) -> None:
    _forget([_key(user_id, cluster_id), _ids_key(user_id)])


def _membership_changed(sender, instance, **kwargs):
    forget(user_id=instance.user_id, cluster_id=instance.cluster_id)


def _cluster_changed(sender, instance, **kwargs):
    members = ClusterMembership.objects.filter(cluster_id=instance.pk).values_list("user_id", flat=True)
    _forget([OPEN_KEY, *(_ids_key(user_id) for user_id in members)])


def connect() -> None:
    post_save.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_saved")
    post_delete.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_deleted")
    post_save.connect(_cluster_changed, sender=Cluster, dispatch_uid="cluster_ids_cluster_saved")
    # Before the deletion, while its memberships can still be read.
    pre_delete.connect(_cluster_changed, sender=Cluster, dispatch_uid="cluster_ids_cluster_deleted")
