from django import template

from messaging.header import site_header as render_site_header

register = template.Library()


@register.simple_tag(takes_context=True)
def site_header(context):
    """The site header (messaging.header: rendered once per content, the request's token and address put in)."""
    return render_site_header(context.get("request"))
