"""{% moment when %}: a time in the reader's language and zone (clusters.times)."""

from django import template

from clusters import times

register = template.Library()


@register.simple_tag
def moment(when, css=""):
    return times.moment(when, css=css)
