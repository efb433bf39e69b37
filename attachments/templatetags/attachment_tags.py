from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def attachment_limits() -> dict:
    """The limits a file input shows and its script checks before sending (the server checks again)."""
    max_bytes = settings.PUENTE_ATTACHMENT_MAX_BYTES
    return {"max_files": settings.PUENTE_ATTACHMENT_MAX_FILES, "max_bytes": max_bytes,
            "max_mb": max_bytes // (1024 * 1024)}
