"""A room page's rows (its messages and its people), rendered once and kept as fragments (infra.cache),
keyed by everything a row shows.

A room page shows up to fifty messages and up to two hundred people, and rendering
messaging/_message.html and messaging/_person.html for each of them was most of the page's time
(docs/PERFORMANCE.md, "Capacity"). A row is the same HTML for every reader
with the same rights over it, in one language and time zone: so it is rendered once and kept under a
key made of all that it shows and all that decides its links (an edit, a deletion, a new author name
or a reader's other rights make another key, so a kept row is never stale: there is nothing to
invalidate). The CSRF token of its forms is a marker, replaced by this request's token (infra.kept).
The templates see the reader only as infra.cache.reader (signed in, and an id compared in the key).
"""

import hashlib
import json
from datetime import datetime

from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

from clusters.times import moment, moment_in, valid_time_zone, when_text
from infra import kept
from infra.cache import Kept, reader
from messaging.models import Message

MESSAGE_TEMPLATE = "messaging/_message.html"
PERSON_TEMPLATE = "messaging/_person.html"
ROWS = Kept("room-row", timeout=300, alias="fragments")  # messages
PEOPLE = Kept("room-person", timeout=300, alias="fragments")


def _reply_target(message):
    """The message this one answers, when it was loaded with it (select_related("reply_to__author"), or
    the Message passed to message_post), else None: a row never costs a query of its own."""
    if not message.reply_to_id or not Message.reply_to.is_cached(message):
        return None
    return message.reply_to


def load_reply_target(message) -> None:
    """Loads the message this one answers, with its author, when it is not loaded yet (an edit or a
    deletion of a reply: one query, once per change, not per reader)."""
    if message.reply_to_id and not Message.reply_to.is_cached(message):
        message.reply_to = Message.objects.select_related("author").filter(pk=message.reply_to_id).first()


def load_reactions(message) -> None:
    """The message's reactions for its row, unless they were read with others (one query)."""
    if not hasattr(message, "reaction_list"):
        from messaging.selectors import reactions_of

        message.reaction_list = reactions_of([message.pk]).get(message.pk, ())


def load_attachments(message) -> None:
    """The message's files for its row, unless they were read with others (one query)."""
    if not hasattr(message, "attachment_list"):
        from messaging.selectors import with_attachments

        with_attachments([message])


def _common_key(message) -> tuple:
    reply_target = message.reply_target
    return (
        # The time as the row shows it ("5 min ago" moves on): the rest of <time> follows from these.
        get_language(), timezone.get_current_timezone_name(), when_text(message.created_at)[0],
        message.pk, message.author.display_name, message.created_at, message.edited_at, message.is_deleted,
        # The body by its digest: the HTML kept holds it once already.
        hashlib.blake2b(message.body_html.encode(), digest_size=16).digest(),
        message.reply_to_id,
        None if reply_target is None else (
            reply_target.author.display_name, reply_target.edited_at, reply_target.is_deleted,
            hashlib.blake2b(reply_target.body.encode(), digest_size=16).digest(),
        ),
        message.can_change, message.can_delete, message.can_report, message.can_see_history, message.can_promote,
        getattr(message, "reaction_list", ()),
        tuple((item.key, item.is_removed) for item in getattr(message, "attachment_list", ())),
        getattr(message, "can_remove_files", False),
    )


def _for_reader(message, *, user, room, is_facilitator: bool) -> tuple:
    """Sets what this reader may do with the message (can_change and can_delete come from the view) and
    returns the row's key."""
    message.reply_target = _reply_target(message)
    mine, alive = message.author_id == user.pk, not message.is_deleted
    message.can_report = alive and room.is_cluster_room and not mine
    message.can_see_history = alive and is_facilitator and message.edited_at is not None
    message.can_promote = alive and room.is_cluster_room and (mine or is_facilitator)
    message.can_remove_files = alive and (mine or is_facilitator)
    message.reacted = {emoji for emoji, _n, _names, ids in getattr(message, "reaction_list", ()) if str(user.pk) in ids.split()}
    return ("reader", room.is_archived, room.is_cluster_room, mine, tuple(sorted(message.reacted)), *_common_key(message))


def _for_everyone(message, *, room) -> tuple:
    """Sets every action someone in the room may take (each marked in the template with who) and
    returns the row's key."""
    message.reply_target = _reply_target(message)
    alive = not message.is_deleted
    message.can_change = alive and (timezone.now() - message.created_at).total_seconds() <= settings.PUENTE_MESSAGE_EDIT_WINDOW
    message.can_delete = alive
    message.can_report = alive and room.is_cluster_room
    message.can_see_history = alive and message.edited_at is not None
    message.can_promote = alive and room.is_cluster_room
    message.can_remove_files = alive  # marked "mine facilitator" in the template
    return ("everyone", room.is_archived, room.is_cluster_room, *_common_key(message))


def _kept(kind: Kept, request, template_name: str, items, key, context) -> list[tuple[object, SafeString]]:
    """(item, its HTML) for each item: `key(item)` names the row, `context(item)` renders it."""
    token = kept.token(request)
    template = get_template(template_name)
    items = list(items)
    keys = [kind.key(template_name, key(item)) for item in items]
    found, to_keep, rows = kind.get_many(keys), {}, []
    person = reader(request.user)
    for item, row_key in zip(items, keys, strict=True):
        pieces = found.get(row_key)
        if pieces is None:
            html = template.render({**context(item), "user": person, "csrf_token": kept.CSRF_MARK})
            pieces = to_keep[row_key] = kept.csrf_split(html)
        rows.append((item, mark_safe(kept.with_csrf(pieces, token))))
    kind.set_many(to_keep)
    return rows


def message_rows(request, messages, *, room, is_facilitator: bool) -> list[tuple[object, SafeString]]:
    """(message, its <li>) for each message (with `can_change` and `can_delete` set, as the room view
    sets them): the same HTML as including messaging/_message.html for each, for this reader."""
    return _kept(
        ROWS, request, MESSAGE_TEMPLATE, messages,
        key=lambda message: _for_reader(message, user=request.user, room=room, is_facilitator=is_facilitator),
        context=lambda message: {"message": message, "room": room, "is_facilitator": is_facilitator},
    )


def people_rows(request, people, *, room) -> list[SafeString]:
    """Each person's <li> (with `is_online` set): the same HTML as including messaging/_person.html."""
    language, me = get_language(), request.user.pk
    rows = _kept(
        PEOPLE, request, PERSON_TEMPLATE, people,
        key=lambda person: (language, room.is_cluster_room, person.pk, person.display_name, person.is_online,
                            person.pk == me),
        context=lambda person: {"person": person, "room": room},
    )
    return [html for _person, html in rows]


def row_for_everyone(message, *, room, language: str, zone: str | None = None) -> str:
    """The message's <li> as the socket sends it to everyone in the room, in `language`: every action
    the room allows, each marked with who may take it (static/js/room.js keeps the reader's), and an
    empty CSRF token (the page puts its own in). Kept like the page's rows, so a resync that sends the
    same message to many sockets renders it once per language."""
    with override(language), timezone.override(valid_time_zone(zone) or settings.TIME_ZONE):
        row_key = ROWS.key(MESSAGE_TEMPLATE, _for_everyone(message, room=room))
        pieces = ROWS.get(row_key)
        if pieces is None:
            html = get_template(MESSAGE_TEMPLATE).render(
                {"message": message, "room": room, "for_everyone": True, "csrf_token": kept.CSRF_MARK}
            )
            pieces = kept.csrf_split(html)
            ROWS.set(row_key, pieces)
    return kept.with_csrf(pieces, "")


def time_html(message, *, language: str) -> str:
    """The <time> of the message's row as row_for_everyone renders it in `language` and the site's zone."""
    with override(language), timezone.override(settings.TIME_ZONE):
        return moment(message.created_at)


def in_zone(text: str, *, time: str, when, language: str, zone: str) -> str:
    """A frame's JSON (`text`, with a row rendered in the site's zone, whose <time> is `time`) for a
    reader in another zone: that one element rendered again, the rest as it is. The hub calls it once
    per broadcast, language and zone (messaging.hub)."""
    other = moment_in(datetime.fromisoformat(when), language=language, zone=zone)
    inner = lambda html: json.dumps(str(html), ensure_ascii=False)[1:-1]  # noqa: E731 (as in events.dumps)
    return text.replace(inner(time), inner(other), 1)
