"""The error pages (400, 403, 404, 500 and a refused form) in the site's layout and the reader's language,
each saying what happened and where to go next. Wired in config/urls.py (handler*) and settings
(CSRF_FAILURE_VIEW).

404 and 403 are rendered like any page, with the person's header. 400 and 500 are rendered without the
request: something about the request or the server is broken, so the page reads nothing more from it or
from the database (the header is then the signed-out one)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def _context(status: int, title: str, message: str) -> dict:
    return {"status": status, "title": title, "message": message}


def _with_back(request, context: dict) -> dict:
    """A "go back" link to the page the person came from, when it is one of ours."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        context["back"] = referer
    return context


def bad_request(request, exception=None):
    context = _context(
        400, _("The request could not be understood"),
        _("Something in the address or the form did not arrive as expected. Go back and try again."),
    )
    return HttpResponse(render_to_string("errors/error.html", context), status=400)


def permission_denied(request, exception=None):
    context = _context(
        403, _("This is not open to you"),
        _("Your account cannot do this. If you think it should, ask a facilitator of the cluster."),
    )
    return render(request, "errors/error.html", _with_back(request, context), status=403)


def page_not_found(request, exception=None):
    context = _context(
        404, _("We could not find this page"),
        _("It does not exist, or it belongs to a cluster or conversation you are not part of. If someone sent "
          "you the link, ask them to invite you."),
    )
    return render(request, "errors/error.html", _with_back(request, context), status=404)


def server_error(request):
    context = _context(
        500, _("Something went wrong on our side"),
        _("The error was recorded. What you had already saved is safe: go back and try again in a minute."),
    )
    return HttpResponse(render_to_string("errors/error.html", context), status=500)


def csrf_failure(request, reason=""):
    context = _context(
        403, _("This form has expired"),
        _("For your safety, Puente accepts a form only from the page it came from, with its cookie. Go back, "
          "reload the page and send the form again. If it keeps happening, allow cookies for this site."),
    )
    return render(request, "errors/error.html", _with_back(request, context), status=403)
