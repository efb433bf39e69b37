import logging

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

from config.retry import RETRY_AFTER_SECONDS, is_busy

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
    """Answers a transaction that lost a race for good (config.retry: a deadlock or serialisation failure,
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
