from django.conf import settings
from django.utils.log import log_response
from django.views.defaults import bad_request


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
