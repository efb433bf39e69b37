from django import template

from clusters.nav import nav_person

register = template.Library()


@register.simple_tag(takes_context=True)
def works_at_an_agency(context) -> bool:
    """Whether the signed-in person is staff of some agency (clusters.nav: cached, or one query shared
    with the header's firm link), remembered per request."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return False
    return _person(request, user)["agency_staff"]


@register.simple_tag(takes_context=True)
def my_firm_id(context):
    """The signed-in person's firm id for the header's "My firm" link, or None (same cached row)."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    return _person(request, user)["firm_id"]


def _person(request, user) -> dict:
    bits = getattr(request, "_puente_nav_person", None) if request is not None else None
    if bits is None:
        bits = nav_person(user=user)
        if request is not None:
            request._puente_nav_person = bits
    return bits
