"""The agency console's "API and webhooks" page. Thin: selectors read, services write.

A new token's text (and a new webhook's secret) is shown once, in the answer to the POST that made
it, never stored in the clear (the secret is kept, to sign, but not shown again)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agency_api import selectors, services
from agency_api.forms import TokenForm, WebhookForm
from incentives import selectors as incentive_selectors

RECENT_DELIVERIES = 20


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def _render(request, agency, *, token_form=None, webhook_form=None, status=200, **extra):
    context = {
        "agency": agency, "counts": incentive_selectors.queue_counts(agency=agency),
        "tokens": list(selectors.tokens_for_agency(agency=agency)),
        "endpoints": list(selectors.endpoints_for_agency(agency=agency)),
        "deliveries": list(selectors.deliveries_for_agency(agency=agency)[:RECENT_DELIVERIES]),
        "token_form": token_form or TokenForm(), "webhook_form": webhook_form or WebhookForm(), **extra,
    }
    response = render(request, "agency_api/console.html", context, status=status)
    if "new_token" in extra or "new_secret" in extra:
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def api_console(request, agency_slug):
    agency = incentive_selectors.agency_for_staff(user=request.user, slug=agency_slug)
    if request.method != "POST":
        return _render(request, agency)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, text = services.token_create(agency=agency, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            return _render(request, agency, new_token=text, new_token_name=token.name)
    return _render(request, agency, token_form=form, status=400)


@require_POST
@login_required
def token_revoke(request, agency_slug, token_id):
    agency = incentive_selectors.agency_for_staff(user=request.user, slug=agency_slug)
    token = selectors.token_for_staff(agency=agency, token_id=token_id)
    services.token_revoke(token=token, acting_user=request.user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("agency_api:console", agency.slug)


@require_POST
@login_required
def webhook_create(request, agency_slug):
    agency = incentive_selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(agency=agency, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            return _render(request, agency, new_secret=endpoint.secret, new_secret_url=endpoint.url)
    return _render(request, agency, webhook_form=form, status=400)


@require_POST
@login_required
def webhook_disable(request, agency_slug, endpoint_id):
    agency = incentive_selectors.agency_for_staff(user=request.user, slug=agency_slug)
    endpoint = selectors.endpoint_for_staff(agency=agency, endpoint_id=endpoint_id)
    services.webhook_endpoint_disable(endpoint=endpoint, acting_user=request.user)
    messages.success(request, _("The webhook was disabled."))
    return redirect("agency_api:console", agency.slug)


@require_POST
@login_required
def delivery_replay(request, agency_slug, delivery_id):
    agency = incentive_selectors.agency_for_staff(user=request.user, slug=agency_slug)
    delivery = selectors.delivery_for_staff(agency=agency, delivery_id=delivery_id)
    try:
        services.webhook_delivery_replay(delivery=delivery, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The event was queued again."))
    return redirect("agency_api:console", agency.slug)
