"""Per-person rate limits on everything that writes or notifies, and the per-person email allowance.

Services call `rate_limit(action=..., user=...)` just before they write; the limits are defined once,
in settings.PUENTE_RATE_LIMITS (docs/SECURITY.md lists them). A refusal is a `RateLimited`, a
ValidationError with the code "rate_limited", a sentence for the person in the active language and the
seconds to wait: forms show it, consumers send it as an error frame, other views answer 429.

Counts live in the cache (Redis in production), so they hold across processes. Each limit is a
sliding window estimated from two fixed ones: the current window's count plus the previous window's,
weighted by how much of it still overlaps the last `seconds`. Refused attempts count too, so a client
that keeps hammering stays refused.
"""

import contextlib
import contextvars
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from infra.cache import RedisCache

KEY_PREFIX = "puente:rate"

# What the person is told, per action; the message limit keeps its sentence (no wait: a few seconds).
REFUSALS = {
    "message": _("You are sending messages too fast. Wait a few seconds."),
    "answer": _("You have posted many answers in a short time."),
    "question": _("You have asked many questions in a short time."),
    "vote": _("You have voted many times in a short time."),
    "mentorship_request": _("You have sent many mentorship requests in a short time."),
    "mentorship_withdraw": _("You have withdrawn many mentorship requests in a short time."),
    "mention": _("You have mentioned many people in a short time. Send it without the @mentions or wait."),
    "report": _("You have reported many messages in a short time."),
    "redemption": _("You have requested many benefits in a short time."),
    "join_request": _("You have asked to join many times in a short time."),
    "api": _("This API token has made many requests in a short time."),
}
WAIT_WITHOUT_SENTENCE = {"message"}

_lifted: contextvars.ContextVar[bool] = contextvars.ContextVar("puente_rate_limits_lifted", default=False)


class RateLimited(ValidationError):
    """Too many of one action by one person. `retry_after`: whole seconds until one more is allowed."""

    def __init__(self, message, *, action: str = "", retry_after: int = 1):
        super().__init__(message, code="rate_limited")
        self.action = action
        self.retry_after = retry_after


def limit_for(action: str) -> tuple[int, int]:
    """(count, seconds) for an action, from settings.PUENTE_RATE_LIMITS; an unknown action is a bug."""
    return settings.PUENTE_RATE_LIMITS[action]


def rate_limit(*, action: str, user, cost: int = 1) -> None:
    """Counts `cost` more of `action` for this person; raises RateLimited when that goes over the
    limit. Call it once the request is known to be well-formed and allowed, just before the write, so
    that mistakes do not spend the person's allowance."""
    count, seconds = limit_for(action)
    if _lifted.get() or cost <= 0:
        return
    now = time.time()
    window = int(now // seconds)
    key = f"{KEY_PREFIX}:{action}:{user.pk}:"
    current, previous = _count_in_window(key + str(window), key + str(window - 1), seconds * 3, cost)
    elapsed = (now % seconds) / seconds
    if current + previous * (1 - elapsed) <= count:
        return
    retry_after = _seconds_until_allowed(count=count, seconds=seconds, elapsed=elapsed, current=current,
                                         previous=previous)
    raise RateLimited(refusal_text(action, retry_after), action=action, retry_after=retry_after)


def _seconds_until_allowed(*, count: int, seconds: int, elapsed: float, current: int, previous: int) -> int:
    """When one more would fit, if nothing else is counted meanwhile (an estimate: whole seconds, >= 1)."""
    # Within this window: the previous window's weight falls until previous * (1 - e) + current + 1 <= count.
    room = count - current - 1
    if room >= 0 and previous > 0:
        needed = 1 - room / previous
        return max(1, math.ceil((needed - elapsed) * seconds))
    # Otherwise in the next window, where this window's count becomes the weighted one.
    needed = 1 - (count - 1) / current if current > count - 1 else 0
    return max(1, math.ceil((1 - elapsed + max(needed, 0)) * seconds))


def refusal_text(action: str, retry_after: int) -> str:
    sentence = str(REFUSALS[action])
    if action in WAIT_WITHOUT_SENTENCE:
        return sentence
    if retry_after < 120:
        wait = ngettext("Try again in %(count)d second.", "Try again in %(count)d seconds.", retry_after)
        return f"{sentence} {wait % {'count': retry_after}}"
    minutes = math.ceil(retry_after / 60)
    wait = ngettext("Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes)
    return f"{sentence} {wait % {'count': minutes}}"


def _count_in_window(current_key: str, previous_key: str, timeout: int, cost: int) -> tuple[int, int]:
    """Adds `cost` to the current window's count; returns it and the previous window's count. On Redis
    it is one round trip (a pipeline), not Django's four (add, exists, incr, get): every message pays
    it, before anything else (docs/PERFORMANCE.md). The backend itself, not django.core.cache.cache:
    that is a proxy, never an instance of RedisCache."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend.count_and_read(current_key, previous_key, timeout, cost)
    cache.add(current_key, 0, timeout)
    try:
        current = cache.incr(current_key, cost)
    except ValueError:  # expired between add and incr
        cache.set(current_key, cost, timeout)
        current = cost
    return current, cache.get(previous_key) or 0


@contextlib.contextmanager
def rate_limits_lifted():
    """For operator tasks that act for many people at once (seed_demo): nothing is counted inside."""
    token = _lifted.set(True)
    try:
        yield
    finally:
        _lifted.reset(token)


# --- Email allowance -------------------------------------------------------------------------------


def email_allowed_now(*, user_id: int) -> bool:
    """Takes one from this person's email allowance: True for the first PUENTE_EMAIL_BURST emails in
    PUENTE_EMAIL_WINDOW seconds (a fixed window), False after that; the caller then holds the email for
    the person's next digest instead of sending it."""
    seconds = settings.PUENTE_EMAIL_WINDOW
    key = f"{KEY_PREFIX}:email:{user_id}:{int(time.time() // seconds)}"
    current, _other = _count_in_window(key, key, seconds * 2, 1)
    return current <= settings.PUENTE_EMAIL_BURST


# --- Pages -----------------------------------------------------------------------------------------


def marked_rate_limited(response, exc: Exception | None):
    """A page that shows a RateLimited in its form: answered 429 with Retry-After; others unchanged."""
    if isinstance(exc, RateLimited):
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limited_page(request, exc: RateLimited):
    """429, the sentence and a way back, for an action that has no form to show the error in."""
    from django.shortcuts import render
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "/"
    response = render(request, "rate_limited.html", {"text": " ".join(exc.messages), "back": back})
    return marked_rate_limited(response, exc)


class RateLimitedMiddleware:
    """A RateLimited that a view lets through becomes rate_limited_page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return rate_limited_page(request, exception)
        return None
