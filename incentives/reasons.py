"""What an award pays for and why it was flagged or paid less, rendered in the reader's language when it is shown.

An award stores a code (Award.Flag / Award.Cut) and its parameters (names, numbers); this module turns
them into a sentence under the active language. Nothing here queries the database, so a page of
awards renders its reasons without a query more.
"""

import contextlib
import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infra.words import is_sentence, stored, words


def _fill(template: str, params: dict) -> str:
    params = {key: words(value, str(value["msg"])) if is_sentence(value) else value for key, value in params.items()}
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        # Parameters from an older version of a rule: the rule's name still says what happened.
        return template.split(":")[0].split("%(")[0].strip()


def _reason(code: str, params: dict | None, templates: dict) -> str:
    params = params or {}
    if not code:
        return ""
    if code == "legacy":  # a sentence stored before reasons were codes
        return str(params.get("text", ""))
    return _fill(templates.get(code, code), params)


def flag_text(code: str, params: dict | None) -> str:
    return _reason(code, params, {
        "mutual": _("%(a)s and %(b)s pay each other: awards went both ways between them within %(days)s days."),
        "pair_burst": _("%(n)s awards between %(a)s and %(b)s within %(days)s days."),
        "concentration": _(
            "%(n)s of the %(total)s awards that %(asker)s caused within %(days)s days went to %(mentor)s."
        ),
        "revoked_spent": _("Revoked at the source (%(reason)s) but the credits were already spent."),
    })


def cut_text(code: str, params: dict | None) -> str:
    return _reason(code, params, {
        "too_short": _("Too short to earn a whole credit."),
        "own_source": _("Nobody earns credits from their own questions or sessions."),
        "same_firm": _("Nobody earns credits from their own firm: both sides are tied to %(firm)s."),
        "cap_mentor_day": _("The daily cap per mentor (%(cap)s credits) cut %(original)s credits to %(paid)s."),
        "cap_mentor_month": _(
            "The monthly cap per mentor (%(cap)s credits) cut %(original)s credits to %(paid)s."
        ),
        "cap_pair_month": _(
            "The monthly cap between two firms (%(cap)s credits) cut %(original)s credits to %(paid)s."
        ),
        "pool_empty": _("Nothing paid: the program's pool is empty (%(original)s credits were due)."),
    })


AWARD_DESCRIPTIONS = {
    "accepted_answer": gettext_noop("Accepted answer to “%(title)s”"),
    "helpful_vote": gettext_noop("Helpful answer to “%(title)s”"),
    "mentoring_session": gettext_noop("Mentoring session with %(mentee)s on %(date)s (%(minutes)s min)"),
    "library_entry": gettext_noop("Library entry “%(title)s”"),
}


def award_sentence(kind: str, params: dict | None) -> dict:
    """An award's description kept as a sentence (infra.words), for its transfer's memo."""
    if not params or kind not in AWARD_DESCRIPTIONS:
        return {}
    return stored(AWARD_DESCRIPTIONS[kind], **params)


def award_description(kind: str, params: dict | None, fallback: str = "") -> str:
    """What an award pays for, from its kind and parameters (`title`; `mentee`, `date` as ISO, `minutes`).

    Awards granted without parameters (before they existed, or by a caller that gives none) show the
    words stored with them.
    """
    if not params:
        return fallback
    params = dict(params)
    if params.get("date"):
        with contextlib.suppress(TypeError, ValueError):
            params["date"] = date_format(datetime.date.fromisoformat(params["date"]))
    if kind not in AWARD_DESCRIPTIONS:
        return fallback
    try:
        return _(AWARD_DESCRIPTIONS[kind]) % params
    except (KeyError, TypeError, ValueError):
        return fallback
