from django import template

from messaging import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def cluster_rooms(context, cluster) -> list:
    """The rooms of a cluster the person can read, for the cluster page: one query."""
    user = context.get("user")
    if user is None:
        return []
    return selectors.cluster_rooms_for_user(user=user, cluster=cluster)
