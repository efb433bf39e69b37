"""A room page's message rows, rendered once and kept in memory, keyed by everything a row shows.

A room page shows up to fifty messages, and rendering messaging/_message.html for each of them was two
thirds of the page's time (docs/PERFORMANCE.md, "Capacity"). A row is the same HTML for every reader
with the same rights over it, in one language and time zone: so it is rendered once and kept under a
key made of all that it shows and all that decides its links (an edit, a deletion, a new author name
or a reader's other rights make another key, so a kept row is never stale: there is nothing to
invalidate). The CSRF token of its delete form is a marker, replaced by this request's token. The
store is per process and bounded by size (emptied when full).
"""

import hashlib

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

MESSAGE_TEMPLATE = "messaging/_message.html"
MAX_CHARS = 4_000_000  # a row is about 1 kB of HTML, more with a long message
_CSRF_MARK = "\x00csrf\x00"  # PostgreSQL text cannot hold NUL, so no message or name can contain it
_rows: dict[tuple, list[str]] = {}
_chars = 0


def _key(message, *, user, room, is_facilitator: bool) -> tuple:
    reply_target = getattr(message, "reply_target", None)
    return (
        get_language(), timezone.get_current_timezone_name(), room.is_archived, room.is_cluster_room,
        message.pk, message.author.display_name, message.created_at, message.edited_at, message.is_deleted,
        # The body by its digest: the HTML kept holds it once already.
        hashlib.blake2b(message.body_html.encode(), digest_size=16).digest(),
        message.reply_to_id, reply_target.author.display_name if reply_target is not None else None,
        message.author_id == user.pk, message.can_change, message.can_delete,
        is_facilitator and message.edited_at is not None,
    )


def message_rows(request, messages, *, room, is_facilitator: bool) -> list[tuple[object, SafeString]]:
    """(message, its <li>) for each message (with `reply_target`, `can_change` and `can_delete` set, as
    the room view sets them): the same HTML as including messaging/_message.html for each."""
    global _chars
    user = request.user
    token = str(get_token(request))
    template = get_template(MESSAGE_TEMPLATE)
    rows = []
    for message in messages:
        key = _key(message, user=user, room=room, is_facilitator=is_facilitator)
        pieces = _rows.get(key)
        if pieces is None:
            html = template.render({
                "message": message, "room": room, "user": user, "is_facilitator": is_facilitator,
                "csrf_token": _CSRF_MARK,
            })
            pieces = html.split(_CSRF_MARK)
            if _chars + len(html) > MAX_CHARS:
                _rows.clear()
                _chars = 0
            _rows[key] = pieces
            _chars += len(html)
        rows.append((message, mark_safe(token.join(pieces))))
    return rows


def forget() -> None:
    """For tests: the kept rows (ids start again in every test's database)."""
    global _chars
    _rows.clear()
    _chars = 0
