"""A person's active role in a cluster ("member", "mentor", "facilitator", or none), kept in the cache.

Every Q&A page decides what its reader may do from this role, so it is read on every one of them.
It is kept per person and cluster (Redis in production, shared by every process) and forgotten as
soon as the membership is made, changed or deleted (model signals; a cluster's or a person's deletion
deletes their memberships through the same signals), both at once and again after the commit, so a
page rendered while the change was being committed cannot keep the old role. ROLE_TTL bounds what a
write that bypasses model signals (queryset.update, raw SQL; the code has none) could leave behind.
Whether the person is active is not kept: it is checked on the request's own user every time.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from clusters.models import ClusterMembership

ROLE_TTL = 60
_NO_ROLE = ""  # kept for people without an active membership (None means "not in the cache")


def _key(user_id: int, cluster_id: int) -> str:
    return f"cluster-role:{user_id}:{cluster_id}"


def active_role(*, user, cluster_id: int) -> str | None:
    """The person's active role in the cluster, or None (also for visitors and inactive people):
    from the cache, or 1 query."""
    if not user.is_authenticated or not user.is_active:
        return None
    key = _key(user.pk, cluster_id)
    role = cache.get(key) if ROLE_TTL else None
    if role is None:
        role = (
            ClusterMembership.objects.filter(
                user_id=user.pk, cluster_id=cluster_id, status=ClusterMembership.Status.ACTIVE
            )
            .values_list("role", flat=True)
            .first()
        ) or _NO_ROLE
        if ROLE_TTL:
            cache.set(key, role, ROLE_TTL)
    return role or None


def forget(*, user_id: int, cluster_id: int) -> None:
    key = _key(user_id, cluster_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _membership_changed(sender, instance, **kwargs):
    forget(user_id=instance.user_id, cluster_id=instance.cluster_id)


def connect() -> None:
    post_save.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_saved")
    post_delete.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_deleted")
