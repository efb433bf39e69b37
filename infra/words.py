"""Sentences the site writes about an event, kept as a code and its parameters and put into words when
they are shown, in the reader's language (the person who caused the event may read another one).

A stored sentence is a dict: {"msg": <msgid>, <name>: <value>, ...}. The msgid is the English source
of a catalogue entry, marked with gettext_noop where it is written, so that makemessages finds it and
gettext finds its translation when the sentence is shown. Values under keys named `date` (or ending in
`_date`) are ISO dates, formatted in the reader's locale; a value that is itself a stored sentence (a reason
the code wrote, inside "Reversed: %(reason)s") is put into words too. Nothing here queries the database.
"""

import contextlib
import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext


def stored(msgid: str, **params) -> dict:
    """The parameters to keep for `msgid % params` (msgid marked with gettext_noop by the caller)."""
    kept = {"msg": str(msgid)}
    for key, value in params.items():
        if is_sentence(value):
            kept[key] = value
            continue
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif not isinstance(value, (int, float, bool, type(None))):
            value = str(value)
        kept[key] = value
    return kept


def is_sentence(value) -> bool:
    return isinstance(value, dict) and bool(value.get("msg"))


def _is_date_key(key: str) -> bool:
    return key == "date" or key.endswith("_date")


def words(params: dict | None, fallback: str = "") -> str:
    """The stored sentence in the active language; `fallback` when there is none or it does not fit."""
    if not params or not params.get("msg"):
        return fallback
    values = dict(params)
    template = gettext(values.pop("msg"))
    for key, value in values.items():
        if is_sentence(value):
            values[key] = words(value, fallback=str(value["msg"]))
        elif _is_date_key(key) and isinstance(value, str):
            with contextlib.suppress(ValueError):
                values[key] = date_format(datetime.date.fromisoformat(value))
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return fallback
