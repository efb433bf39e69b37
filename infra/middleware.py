import logging

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.log import log_response
from django.views.defaults import bad_request

from infra.retry import RETRY_AFTER_SECONDS, is_busy

log = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Adds the site's Content-Security-Policy to every HTML response.

    The policy is one constant string: scripts only from our own origin (no inline script, no eval),
    so a tag that slips past the sanitiser still cannot run.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get("Content-Type", "").startswith(
            "text/html"
        ):
            response["Content-Security-Policy"] = self.policy
        return response


class ConflictMiddleware:
    """Answers a transaction that lost a race for good (infra.retry: a deadlock or serialisation failure,
    retried and still refused) with 503 and Retry-After: the person sends it again in a moment. Never
    a 500, never an error in the log: contention is not a bug."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy(exception):
            return None
        log.warning("%s %s: busy (%s)", request.method, request.path, exception)
        response = HttpResponse(render_to_string("busy.html", request=request), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class UnstorableInputMiddleware:
    """Refuses (400) a request whose path, query string or form fields hold a NUL character.

    PostgreSQL text cannot hold NUL: such a value reaching a query is a 500, whichever view reads it
    (`?cluster=%00` on search did). No person types one, so the request is refused whole, here, once,
    rather than stripped or checked field by field. Everything else a browser can send decodes to text
    PostgreSQL stores (Django replaces bytes that are not UTF-8).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _holds_nul(request.GET) or (
            request.method == "POST" and request.content_type in _FORM_TYPES and _holds_nul(request.POST)
        ):
            response = bad_request(request, exception=None)
            log_response("Bad Request (NUL in the request): %s", request.path, response=response, request=request)
            return response
        return self.get_response(request)


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _holds_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())
