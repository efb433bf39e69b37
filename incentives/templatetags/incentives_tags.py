from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def works_at_an_agency(context) -> bool:
    """Whether the signed-in person is staff of some agency: one EXISTS query, remembered per request."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(request, "_puente_agency_staff", None) if request is not None else None
    if cached is None:
        cached = user.is_superuser or user.agencies.exists()
        if request is not None:
            request._puente_agency_staff = cached
    return cached
