from django import template

from messaging import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def cluster_rooms(context, cluster) -> list:
    """The rooms of a cluster the person can read, for the cluster page: one query."""
    user = context.get("user")
    if user is None:
        return []
    rooms = selectors.cluster_rooms_for_user(user=user, cluster=cluster)
    membership = context.get("membership")
    if not any(room.is_general for room in rooms) and membership is not None and membership.is_active:
        # The first member to open a cluster's page after it was created makes its general room.
        services.room_general_for_cluster(cluster=cluster)
        rooms = selectors.cluster_rooms_for_user(user=user, cluster=cluster)
    return rooms
