"""One way to show a time, everywhere a message (or a conversation) shows one: in the reader's
language and time zone, rendered on the server, the same on page load and in live frames.

`moment(when)` is a <time datetime title> element: "now" and "5 min ago" within the hour, the clock
time today, the weekday and time within the week, the date (and year when it is not this one)
before that; the exact date and time, with the zone, in its title (hover and focus). Relative ones are
marked `data-rel` with their later text in `data-at`: static/js/times.js moves "5 min ago" on each
minute with the page's own words (base.html's data-time-now / data-time-minutes) and writes
`data-at` once the hour is over, so nothing is formatted in the browser.

The zone is the person's choice (User.time_zone, set from their browser's on their first visit),
activated per request by clusters.middleware.PersonTimeZoneMiddleware and per socket from the scope.
"""

import functools
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, override

TIME_ZONE_COOKIE = "puente_tz"
RELATIVE_FOR = timedelta(hours=1)


@functools.cache
def time_zones() -> frozenset[str]:
    """The zone names people may choose (IANA names of places, without the legacy aliases)."""
    return frozenset(
        name for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "Brazil/", "Canada/", "Mexico/", "Chile/"))
    )


def valid_time_zone(name: str | None) -> str | None:
    """`name` when it is a zone people may choose, else None."""
    return name if name and name in time_zones() else None


@functools.cache
def _zone(name: str):
    return zoneinfo.ZoneInfo(name)


def when_text(when: datetime, now: datetime | None = None) -> tuple[str, bool]:
    """(the short text for `when` in the active language and zone, whether it is relative)."""
    now = now or timezone.now()
    seconds = (now - when).total_seconds()
    if -60 < seconds < 60:
        return gettext("now"), True
    if 0 < seconds < RELATIVE_FOR.total_seconds():
        minutes = int(seconds // 60)
        # "min" is the same for one and many in the site's languages; the page's script uses the same words.
        return gettext("%(n)s min ago") % {"n": minutes}, True
    return _absolute_text(when, now), False


def _absolute_text(when: datetime, now: datetime) -> str:
    local, today = timezone.localtime(when), timezone.localtime(now)
    if local.date() == today.date():
        return date_format(local, "H:i")
    if timedelta(0) <= today.date() - local.date() < timedelta(days=6):
        return date_format(local, "D H:i")
    if local.year == today.year:
        return date_format(local, "j M, H:i")
    return date_format(local, "j M Y, H:i")


def exact_text(when: datetime) -> str:
    """The full date and time in the active language and zone, with the zone's name."""
    local = timezone.localtime(when)
    return f"{date_format(local, get_format('DATETIME_FORMAT'))} ({timezone.get_current_timezone_name()})"


def moment(when: datetime | None, now: datetime | None = None, *, css: str = "") -> SafeString:
    """The <time> element for `when` (see the module's docstring); empty for None."""
    if when is None:
        return mark_safe("")
    now = now or timezone.now()
    text, relative = when_text(when, now)
    css = f' class="{escape(css)}"' if css else ""
    attrs = ""
    if relative:
        later = _absolute_text(when, when + RELATIVE_FOR)  # what it reads once the hour is over
        attrs = f' data-rel data-at="{escape(later)}"'
    return mark_safe(
        f'<time{css} datetime="{when.replace(microsecond=0).isoformat()}" title="{escape(exact_text(when))}"{attrs}>{escape(text)}</time>'
    )


def moment_in(when: datetime, *, language: str, zone: str | None, now: datetime | None = None) -> SafeString:
    """moment() for a reader other than the active one (a socket's)."""
    with override(language), timezone.override(_zone(valid_time_zone(zone) or settings.TIME_ZONE)):
        return moment(when, now)
