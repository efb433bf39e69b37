"""A room page's rows (its messages and its people), rendered once and kept in memory, keyed by
everything a row shows.

A room page shows up to fifty messages and up to two hundred people, and rendering
messaging/_message.html and messaging/_person.html for each of them was most of the page's time
(docs/PERFORMANCE.md, "Capacity"). A row is the same HTML for every reader
with the same rights over it, in one language and time zone: so it is rendered once and kept under a
key made of all that it shows and all that decides its links (an edit, a deletion, a new author name
or a reader's other rights make another key, so a kept row is never stale: there is nothing to
invalidate). The CSRF token of its forms is a marker, replaced by this request's token
(config.kept, which the site header and the Q&A pages use too).
"""

import hashlib

from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from config import kept

MESSAGE_TEMPLATE = "messaging/_message.html"
PERSON_TEMPLATE = "messaging/_person.html"
_rows = kept.Store(limit=4_000_000)  # a row is about 1 kB of HTML, more with a long message


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
        tuple((item.key, item.is_removed) for item in getattr(message, "attachment_list", ())),
        getattr(message, "can_remove_files", False),
    )


def _kept(request, template_name: str, items, key, context) -> list[tuple[object, SafeString]]:
    """(item, its HTML) for each item: `key(item)` names the row, `context(item)` renders it."""
    token = kept.token(request)
    template = get_template(template_name)
    rows = []
    for item in items:
        row_key = (template_name, key(item))
        pieces = _rows.get(row_key)
        if pieces is None:
            html = template.render({**context(item), "user": request.user, "csrf_token": kept.CSRF_MARK})
            pieces = _rows.put(row_key, kept.csrf_split(html), len(html))
        rows.append((item, mark_safe(kept.with_csrf(pieces, token))))
    return rows


def message_rows(request, messages, *, room, is_facilitator: bool) -> list[tuple[object, SafeString]]:
    """(message, its <li>) for each message (with `reply_target`, `can_change` and `can_delete` set, as
    the room view sets them): the same HTML as including messaging/_message.html for each."""
    return _kept(
        request, MESSAGE_TEMPLATE, messages,
        key=lambda message: _key(message, user=request.user, room=room, is_facilitator=is_facilitator),
        context=lambda message: {"message": message, "room": room, "is_facilitator": is_facilitator},
    )


def people_rows(request, people, *, room) -> list[SafeString]:
    """Each person's <li> (with `is_online` set): the same HTML as including messaging/_person.html."""
    language, me = get_language(), request.user.pk
    rows = _kept(
        request, PERSON_TEMPLATE, people,
        key=lambda person: (language, room.is_cluster_room, person.pk, person.display_name, person.is_online,
                            person.pk == me),
        context=lambda person: {"person": person, "room": room},
    )
    return [html for _person, html in rows]
