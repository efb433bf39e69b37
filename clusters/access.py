"""Who may do what in a cluster: the one rule every app asks (messaging, questions, mentoring, library,
attachments, home, agency_api). Nothing outside clusters reads ClusterMembership for a right.

A person's **role** in a cluster is the role of their active membership ("member", "mentor",
"facilitator"), or None (no membership, or a pending, rejected, left or removed one).

The decisions, made once here:
- An account that is not active (`is_active=False`, e.g. switched off in the admin) is a visitor,
  superuser or not: it reads what everyone reads and may do nothing else.
- A cluster that is not active (closed down) is read, posted in and facilitated by nobody, superusers
  included (they keep the admin).
- An active superuser may read, post in and facilitate every active cluster without a membership.
- **may_read**: the cluster is active and open (visitors too), or the person may post in it.
- **may_post** (ask, answer, vote, follow, write in its rooms, see who is in it): the cluster is
  active and the person is an active account with a role in it, or an active superuser.
- **may_mentor**: the same with the role mentor or facilitator (speak as a mentor there).
- **may_facilitate** (decide requests, moderate, curate, create rooms): the cluster is active and the
  person is an active account whose role is facilitator, or an active superuser.
Apps add their own rules on top, never a different version of these: messaging's suspension from a
cluster's rooms, mentoring's "wants to mentor", questions' "the author may edit".

The role is kept (infra.cache, shared by every process), per person and cluster, with the set of
active clusters a person is a member of and the set of open active clusters; it is forgotten when a
membership or a cluster changes (model signals, so every writer is covered, the admin too).

The same rule as query conditions for lists and hot paths: readable_q / postable_q / facilitated_q
(a Q on a cluster, or on a model with a `cluster` foreign key through `prefix`), posting_sql (raw
SQL for the room socket's per-message check). tests/clusters/test_access.py checks every form
against the Python rule over every kind of person, cluster state and role.
"""

from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete

from clusters.models import Cluster, ClusterMembership
from infra.cache import Kept, read_many

Status = ClusterMembership.Status
Role = ClusterMembership.Role
MENTOR_ROLES = (Role.MENTOR, Role.FACILITATOR)

ROLES = Kept("cluster-role", timeout=60)  # per person and cluster
MEMBER_IDS = Kept("cluster-ids", timeout=60)  # per person
OPEN_IDS = Kept("open-cluster-ids", timeout=60)
_NO_ROLE = ""  # kept for people without an active membership (None means "not in the cache")
ASK = object()  # "read the role": None is a role (none)


def is_person(user) -> bool:
    """Signed in with an active account: the only people who may do more than read open clusters."""
    return user is not None and user.is_authenticated and user.is_active


def is_superuser(user) -> bool:
    return is_person(user) and user.is_superuser


# --- The role, kept in the cache ----------------------------------------------------------------------


def role_entry(*, user, cluster_id: int) -> tuple:
    """The role as an entry for infra.cache.read_many (read with other kept values at once); pass what
    it gives to role_of. For visitors and inactive people it reads nothing."""
    if not is_person(user):
        return ROLES.key(0, cluster_id), lambda: _NO_ROLE, 0
    return ROLES.entry(user.pk, cluster_id, read=lambda: (
        active_memberships(user_id=user.pk, cluster_id=cluster_id).values_list("role", flat=True).first()
    ) or _NO_ROLE)


def role_of(kept: str) -> str | None:
    return kept or None


def role_in(*, user, cluster_id: int) -> str | None:
    """The person's role in the cluster, or None (also for visitors and inactive people): from the
    cache, or 1 query."""
    return role_of(read_many([role_entry(user=user, cluster_id=cluster_id)])[0])


def member_ids_entry(*, user) -> tuple:
    if not is_person(user):
        return MEMBER_IDS.key(0), frozenset, 0
    return MEMBER_IDS.entry(user.pk, read=lambda: frozenset(
        active_memberships(user_id=user.pk, cluster__is_active=True).values_list("cluster_id", flat=True)
    ))


def member_cluster_ids(*, user) -> frozenset[int]:
    """The active clusters the person has a role in (none for visitors and inactive people): from the
    cache, or 1 query."""
    return read_many([member_ids_entry(user=user)])[0]


def open_ids_entry() -> tuple:
    return OPEN_IDS.entry(read=lambda: frozenset(
        Cluster.objects.filter(is_active=True, access=Cluster.Access.OPEN).values_list("pk", flat=True)
    ))


def open_cluster_ids() -> frozenset[int]:
    """The active clusters open to everyone: from the cache, or 1 query."""
    return read_many([open_ids_entry()])[0]


# --- The rule -------------------------------------------------------------------------------------


def may_post(*, user, cluster: Cluster, role=ASK) -> bool:
    """Take part in the cluster (see the module's docstring). `role` when already read (role_of)."""
    if not cluster.is_active or not is_person(user):
        return False
    if user.is_superuser:
        return True
    if role is ASK:
        role = role_in(user=user, cluster_id=cluster.pk)
    return role is not None


def may_read(*, user, cluster: Cluster, role=ASK) -> bool:
    """Read the cluster's questions and its people: an open active cluster, or one the person may post in."""
    if not cluster.is_active:
        return False
    return cluster.access == Cluster.Access.OPEN or may_post(user=user, cluster=cluster, role=role)


def may_facilitate(*, user, cluster: Cluster, role=ASK) -> bool:
    """Facilitate the cluster: its facilitators, and superusers."""
    if not cluster.is_active or not is_person(user):
        return False
    if user.is_superuser:
        return True
    if role is ASK:
        role = role_in(user=user, cluster_id=cluster.pk)
    return role == Role.FACILITATOR


def may_mentor(*, user, cluster: Cluster, role=ASK) -> bool:
    """Speak as a mentor in the cluster (propose an answer for the library): its mentors and
    facilitators, and superusers."""
    if may_facilitate(user=user, cluster=cluster, role=role):
        return True
    if not cluster.is_active or not is_person(user):
        return False
    if role is ASK:
        role = role_in(user=user, cluster_id=cluster.pk)
    return role in MENTOR_ROLES


def may_facilitate_id(*, user, cluster_id: int | None) -> bool:
    """may_facilitate for a cluster known by its id: 1 query (none for visitors)."""
    if cluster_id is None or not is_person(user):
        return False
    return Cluster.objects.filter(facilitated_q(user), pk=cluster_id).exists()


def facilitates_any(*, user) -> bool:
    """Whether the person facilitates any cluster (the moderation pages): 1 query at most."""
    if not is_person(user):
        return False
    return user.is_superuser or facilitated_cluster_ids(user).exists()


def share_a_cluster(*, user, other) -> bool:
    """Whether two people may both post in one active cluster (direct messages): 1 query."""
    if not (is_person(user) and is_person(other)):
        return False
    return active_memberships(user=other, cluster_id__in=member_cluster_ids_query(user)).exists()


# --- The same rule as queries -------------------------------------------------------------------------


def active_memberships(**filters) -> QuerySet[ClusterMembership]:
    """Active memberships (those that give a role), narrowed by `filters`."""
    return ClusterMembership.objects.filter(status=Status.ACTIVE, **filters)


def member_cluster_ids_query(user) -> QuerySet:
    """The ids of the active clusters the person has a role in, as a subquery (nothing for visitors)."""
    if not is_person(user):
        return ClusterMembership.objects.none().values("cluster_id")
    return active_memberships(user=user, cluster__is_active=True).values("cluster_id")


def facilitated_cluster_ids(user) -> QuerySet:
    """The ids of the active clusters the person is a facilitator of, as a subquery (by role: a
    superuser's facilitation of every cluster is the caller's to add, see facilitated_q)."""
    if not is_person(user):
        return ClusterMembership.objects.none().values("cluster_id")
    return active_memberships(user=user, role=Role.FACILITATOR, cluster__is_active=True).values("cluster_id")


def _nothing(prefix: str) -> Q:
    return Q(**{f"{prefix}pk__in": []})


def postable_q(user, prefix: str = "") -> Q:
    """may_post as a condition on a cluster; `prefix` is the path to it ("cluster__" from a question)."""
    if not is_person(user):
        return _nothing(prefix)
    if user.is_superuser:
        return Q(**{f"{prefix}is_active": True})
    return Q(**{f"{prefix}pk__in": member_cluster_ids_query(user)})


def readable_q(user, prefix: str = "") -> Q:
    """may_read as a condition on a cluster (see postable_q)."""
    public = Q(**{f"{prefix}is_active": True, f"{prefix}access": Cluster.Access.OPEN})
    if not is_person(user):
        return public
    return public | postable_q(user, prefix)


def facilitated_q(user, prefix: str = "") -> Q:
    """may_facilitate as a condition on a cluster (see postable_q)."""
    if not is_person(user):
        return _nothing(prefix)
    if user.is_superuser:
        return Q(**{f"{prefix}is_active": True})
    return Q(**{f"{prefix}pk__in": facilitated_cluster_ids(user)})


def posting_sql(user, cluster_id: str) -> tuple[str, list]:
    """may_post as a raw SQL condition on the cluster whose id is the expression `cluster_id`, with its
    parameters, for a path that runs for every message (building a queryset's subqueries cost more
    than running them there)."""
    tables = {"cluster": Cluster._meta.db_table, "membership": ClusterMembership._meta.db_table}
    if not is_person(user):
        return "1 = 0", []
    if user.is_superuser:
        sql = "EXISTS (SELECT 1 FROM {cluster} ac WHERE ac.id = " + cluster_id + " AND ac.is_active = %s)"
        return sql.format(**tables), [True]
    sql = (
        "EXISTS (SELECT 1 FROM {membership} am JOIN {cluster} ac ON ac.id = am.cluster_id "
        "WHERE am.cluster_id = " + cluster_id + " AND am.user_id = %s AND am.status = %s AND ac.is_active = %s)"
    )
    return sql.format(**tables), [user.pk, Status.ACTIVE, True]


# --- Forgetting ---------------------------------------------------------------------------------------


def forget(*, user_id: int, cluster_id: int) -> None:
    ROLES.forget((user_id, cluster_id))
    MEMBER_IDS.forget((user_id,))


def _membership_changed(sender, instance, **kwargs):
    forget(user_id=instance.user_id, cluster_id=instance.cluster_id)


def _cluster_changed(sender, instance, **kwargs):
    members = ClusterMembership.objects.filter(cluster_id=instance.pk).values_list("user_id", flat=True)
    OPEN_IDS.forget(())
    MEMBER_IDS.forget(*((user_id,) for user_id in members))


def connect() -> None:
    post_save.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_saved")
    post_delete.connect(_membership_changed, sender=ClusterMembership, dispatch_uid="cluster_role_deleted")
    post_save.connect(_cluster_changed, sender=Cluster, dispatch_uid="cluster_ids_cluster_saved")
    # Before the deletion, while its memberships can still be read.
    pre_delete.connect(_cluster_changed, sender=Cluster, dispatch_uid="cluster_ids_cluster_deleted")
