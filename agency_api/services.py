"""Writes of the agency API: tokens, webhook endpoints, replays, and the audit of every API call.

Each is one transaction and checks inside that the acting person is staff of the agency
(incentives.awards.is_agency_staff, the console's rule); staff actions go to the console's audit log.
"""

import datetime
import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agency_api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from agency_api.webhooks import private_address
from clusters.models import Agency, User
from incentives.awards import is_agency_staff
from incentives.services import audit
from incentives.signals import AGENCY_EVENTS

TOKEN_PREFIX = "pte_"
MAX_TOKEN_DAYS = 366


def _require_staff(*, user: User, agency_id: int) -> None:
    if not is_agency_staff(user=user, agency_id=agency_id):
        raise PermissionDenied(_("Only staff of this agency can do that."))


def token_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def token_create(*, agency: Agency, acting_user: User, name: str, scopes: list[str],
                 expires_in_days: int) -> tuple[ApiToken, str]:
    """A new token and its text; the text is not stored (only its SHA-256) and cannot be shown again."""
    _require_staff(user=acting_user, agency_id=agency.pk)
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if not scopes or unknown:
        raise ValidationError(_("Choose at least one of the listed scopes."), code="scopes")
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ValidationError(_("A token lasts between 1 and %(days)s days.") % {"days": MAX_TOKEN_DAYS},
                              code="expiry")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agency=agency, name=name[:80], prefix=text[:12], token_hash=token_hash(text),
        scopes=[s for s in ApiToken.Scope.values if s in scopes], created_by=acting_user,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days),
    )
    audit(agency=agency, actor=acting_user, action="api_token.create", target=f"token {token.pk}: {token.name}",
          token=token.pk, scopes=token.scopes, expires_at=token.expires_at.isoformat())
    return token, text


@transaction.atomic
def token_revoke(*, token: ApiToken, acting_user: User, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    _require_staff(user=acting_user, agency_id=token.agency_id)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), acting_user
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit(agency=token.agency, actor=acting_user, action="api_token.revoke",
              target=f"token {token.pk}: {token.name}", reason=reason, token=token.pk)
    return token


def token_authenticate(*, text: str) -> ApiToken | None:
    """The usable token with this text, else None: unknown, revoked, expired, or made by someone who is no
    longer staff of its agency (a token acts for the person who made it, with the console's rights).
    A refused known token is written to its agency's audit log."""
    token = ApiToken.objects.select_related("agency", "created_by").filter(token_hash=token_hash(text)).first()
    if token is None:
        return None
    why = ("revoked" if token.is_revoked else "expired" if token.is_expired
           else "" if is_agency_staff(user=token.created_by, agency_id=token.agency_id) else "not_staff")
    if why:
        audit(agency=token.agency, actor=None, action="api.refused", target=f"token {token.pk}: {token.name}",
              why=why)
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_call_record(*, token: ApiToken, action: str, method: str, path: str, status: int, **data) -> None:
    """Every API call in the agency's audit log, as a console action of the token's maker."""
    audit(agency=token.agency, actor=token.created_by, action=f"api.{action}", target=f"token {token.pk}: {token.name}",
          method=method, path=path[:200], status=status, **data)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.PUENTE_WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationError(_("A webhook address must start with https://."), code="url")
    if private_address(url):
        raise ValidationError(_("A webhook address must be reachable on the public internet."), code="url")


@transaction.atomic
def webhook_endpoint_create(*, agency: Agency, acting_user: User, url: str, events: list[str]) -> WebhookEndpoint:
    _require_staff(user=acting_user, agency_id=agency.pk)
    _check_url(url)
    if not events or set(events) - set(AGENCY_EVENTS):
        raise ValidationError(_("Choose at least one of the listed events."), code="events")
    endpoint = WebhookEndpoint.objects.create(
        agency=agency, url=url, secret="whsec_" + secrets.token_urlsafe(32),
        events=[e for e in AGENCY_EVENTS if e in events], created_by=acting_user,
    )
    audit(agency=agency, actor=acting_user, action="webhook.create", target=f"webhook {endpoint.pk}: {url}",
          endpoint=endpoint.pk, events=endpoint.events)
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, acting_user: User) -> WebhookEndpoint:
    _require_staff(user=acting_user, agency_id=endpoint.agency_id)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
        # What was waiting for it is not sent any more.
        endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, last_error="endpoint disabled"
        )
        audit(agency=endpoint.agency, actor=acting_user, action="webhook.disable",
              target=f"webhook {endpoint.pk}: {endpoint.url}", endpoint=endpoint.pk)
    return endpoint


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, acting_user: User) -> WebhookDelivery:
    """Queues the same event (same id and body) again for the same endpoint."""
    endpoint = delivery.endpoint
    _require_staff(user=acting_user, agency_id=endpoint.agency_id)
    if not endpoint.is_active:
        raise ValidationError(_("This webhook is disabled."), code="disabled")
    copy = WebhookDelivery.objects.create(endpoint=endpoint, event=delivery.event, event_id=delivery.event_id,
                                          payload=delivery.payload, replay_of=delivery)
    audit(agency=endpoint.agency, actor=acting_user, action="webhook.replay",
          target=f"webhook {endpoint.pk}: {endpoint.url}", delivery=delivery.pk, replay=copy.pk)
    return copy
