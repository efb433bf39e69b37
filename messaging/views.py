"""Pages of the messaging app. Everything works with plain forms (POST, redirect, GET); the room page's
JavaScript (static/js/room.js) only upgrades it to live updates over /ws/rooms/<id>/."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clusters import access
from clusters import selectors as cluster_selectors
from clusters.models import User
from infra.params import id_param
from infra.ratelimit import RateLimited, marked_rate_limited
from messaging import presence, rendering, selectors, services
from messaging.forms import EditForm, MessageForm, ReportForm, SuspendForm, TopicRoomForm
from messaging.models import Message, Reaction, Room

PAGE = 50


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def _room_url(room_id: int, message_id: int | None = None) -> str:
    url = reverse("messaging:room", args=[room_id])
    return f"{url}#m{message_id}" if message_id else url


def _preview(message: Message) -> str:
    """A message's text for the conversation list: one line of it, without Markdown's marks."""
    text = re.sub(r"[*_`#>~]|!?\[([^\]]*)\]\([^)]*\)", lambda match: match.group(1) or "", message.body)
    return Truncator(" ".join(text.split())).chars(90)


@login_required
def rooms(request):
    """Every room and conversation the person can read, most recent first, with its unread count (one
    query), the other person's name for direct rooms (one query) and its last message (one query)."""
    all_rooms = selectors.rooms_overview(user=request.user)
    partners = selectors.direct_room_partners(rooms=all_rooms, user=request.user)
    last = selectors.last_messages(rooms=all_rooms)
    for room in all_rooms:
        room.partner = partners.get(room.pk)
        room.last = last.get(room.pk)
        room.preview = _preview(room.last) if room.last and not room.last.is_deleted else ""
    # Ids are the order of messages: the room with the newest one first; rooms without any after them.
    all_rooms.sort(key=lambda room: -room.last.pk if room.last else 0)
    return render(
        request,
        "messaging/rooms.html",
        {
            "following": [room for room in all_rooms if room.following],
            "others": [room for room in all_rooms if not room.following],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def room(request, room_id):
    room = selectors.room_for_user(user=request.user, room_id=room_id)
    form, refusal = MessageForm(), None
    wants_json = request.method == "POST" and "application/json" in request.headers.get("Accept", "")
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid() and (form.cleaned_data["body"].strip() or form.cleaned_data["files"]):
            data = form.cleaned_data
            # The same service as the socket's (through message_post_many): same checks, same errors; a
            # reply to a message of another room (or none) is refused, not dropped.
            try:
                message = services.message_post(
                    room=room, author=request.user, body=data["body"], client_id=data.get("client_id") or "",
                    reply_to=data.get("reply_to"), files=data["files"],
                )
            except (ValidationError, PermissionDenied) as exc:
                if wants_json:
                    return _json_refusal(exc)
                # Shown at the composer, which keeps what was written (the socket sends an error frame).
                form.add_error(None, _error_text(exc))
                refusal = exc
            else:
                if wants_json:
                    # The composer's upload (room.js): the message comes live over the socket too.
                    return JsonResponse({"type": "ack", "id": message.pk, "client_id": message.client_id})
                return redirect(_room_url(room.pk, message.pk))
        else:
            if wants_json:
                return JsonResponse({"type": "error", "code": "empty", "message": _("Write something first.")},
                                    status=400)
            messages.error(request, _("Write something first."))

    reply_target = None
    reply = id_param(request.GET.get("reply"))
    if request.method != "POST" and reply:
        reply_target = Message.objects.filter(room=room, pk=reply).select_related("author").first()
        if reply_target is not None:
            form = MessageForm(initial={"reply_to": reply_target.pk})
    before_id = id_param(request.GET.get("before"))
    # Before the read: the live page asks for the edits and deletions since then (docs/PROTOCOL.md).
    read_at = timezone.now()
    shown = selectors.room_messages(room=room, before_id=before_id, limit=PAGE)
    position = selectors.read_position(room=room, user=request.user)
    last_read_id = position.last_read_id if position else 0
    if before_id is None and shown and shown[-1].pk > last_read_id:
        services.room_mark_read(room=room, user=request.user, message_id=shown[-1].pk)
    is_facilitator = selectors.is_facilitator_of_room(user=request.user, room=room)
    people = selectors.room_people(room=room)
    online = presence.room_online_sync(room_id=room.pk)
    for person in people:
        person.is_online = person.pk in online
    reactions = selectors.reactions_of([message.pk for message in shown])
    divider_id = None
    for message in shown:
        message.reaction_list = reactions.get(message.pk, ())
        message.can_change = services.can_change(message=message, user=request.user)
        message.can_delete = message.can_change or (is_facilitator and not message.is_deleted)
        message.can_remove_files = not message.is_deleted and (is_facilitator or message.author_id == request.user.pk)
        if divider_id is None and before_id is None and message.pk > last_read_id and message.author_id != request.user.pk:
            divider_id = message.pk if last_read_id else None
    return marked_rate_limited(render(
        request,
        "messaging/room.html",
        {
            "room": room,
            "shown": shown,
            # messaging/_message.html for each, kept between pages (messaging/rendering.py).
            "rows": rendering.message_rows(request, shown, room=room, is_facilitator=is_facilitator),
            "older_id": shown[0].pk if len(shown) == PAGE else None,
            "paging": before_id is not None,
            "last_id": shown[-1].pk if shown else 0,
            "read_at": read_at.isoformat(),
            "divider_id": divider_id,
            "form": form,
            "reply_target": reply_target,
            "people": people,
            "people_rows": rendering.people_rows(request, people, room=room),
            "online_count": sum(1 for person in people if person.is_online),
            "is_facilitator": is_facilitator,
            "direct_closed": room.kind == Room.Kind.DIRECT
            and not room.is_archived
            and not services.direct_room_open(room=room, user=request.user),
            "position": position,
            "max_body": services.MAX_BODY,
            "edit_window": services.edit_window_seconds(),
            "reaction_choices": Reaction.EMOJI,
        },
    ), refusal)


def _json_refusal(exc: ValidationError | PermissionDenied) -> JsonResponse:
    code = getattr(exc, "code", None) or ("forbidden" if isinstance(exc, PermissionDenied) else "invalid")
    if isinstance(exc, ValidationError) and not getattr(exc, "code", None) and exc.error_list:
        code = exc.error_list[0].code or "invalid"
    return JsonResponse({"type": "error", "code": code, "message": _error_text(exc)},
                        status=403 if isinstance(exc, PermissionDenied) else 400)


@login_required
def room_files(request, room_id):
    """Every file shared in a room, newest first (the room's "Files" tab). Three queries besides the
    site's own: the room (with the access rule), the page of files, their count."""
    room = selectors.room_for_user(user=request.user, room_id=room_id)
    page = Paginator(selectors.room_files(room=room), 40).get_page(request.GET.get("page"))
    return render(request, "messaging/room_files.html", {"room": room, "page": page})


@login_required
def message_link(request, message_id):
    """A message in its room, wherever it is in the history (links from the files list)."""
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    return redirect(f"{reverse('messaging:room', args=[message.room_id])}?before={message.pk + 1}#m{message.pk}")


@login_required
@require_POST
def room_preferences(request, room_id):
    room = selectors.room_for_user(user=request.user, room_id=room_id)
    action = request.POST.get("action")
    changes = {
        "follow": {"following": True},
        "unfollow": {"following": False},
        "mute": {"muted": True},
        "unmute": {"muted": False},
    }.get(action)
    if changes is None:
        raise Http404
    services.room_set_preferences(room=room, user=request.user, **changes)
    messages.success(request, _("Saved."))
    return redirect(_room_url(room.pk))


@login_required
@require_POST
def direct(request, user_id):
    other = get_object_or_404(User, pk=user_id, is_active=True)
    try:
        room = services.room_direct(user=request.user, other=other)
    except (ValidationError, PermissionDenied) as exc:
        # Same answer as for someone who does not exist: ids leak nothing.
        if isinstance(exc, PermissionDenied):
            raise Http404 from None
        messages.error(request, _error_text(exc))
        return redirect("messaging:rooms")
    return redirect(_room_url(room.pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def topic_room_new(request, slug):
    cluster = cluster_selectors.cluster_get(slug=slug)
    if not access.may_facilitate(user=request.user, cluster=cluster):
        raise Http404
    form = TopicRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create_topic(
                cluster=cluster, creator=request.user, name=form.cleaned_data["name"],
                topic=form.cleaned_data["topic"],
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, _("Room created."))
            return redirect(_room_url(room.pk))
    return render(request, "messaging/topic_new.html", {"cluster": cluster, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def message_edit(request, message_id):
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    if not services.can_change(message=message, user=request.user):
        messages.error(request, _("You can no longer change this message."))
        return redirect(_room_url(message.room_id, message.pk))
    form = EditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(message=message, editor=request.user, body=form.cleaned_data["body"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        return redirect(_room_url(message.room_id, message.pk))
    return render(request, "messaging/message_edit.html", {"message": message, "form": form})


@login_required
@require_POST
def message_delete(request, message_id):
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    try:
        services.message_delete(message=message, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Message deleted."))
    return redirect(_room_url(message.room_id, message.pk))


@login_required
@require_POST
def message_react(request, message_id):
    """Adds or takes back one's reaction (the buttons under a message; the live page sends a frame)."""
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    try:
        services.reaction_toggle(message=message, user=request.user, emoji=request.POST.get("emoji", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    return redirect(_room_url(message.room_id, message.pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def message_report(request, message_id):
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_report(message=message, reporter=request.user, reason=form.cleaned_data["reason"])
        except RateLimited:
            raise  # a 429 page (infra.ratelimit.RateLimitedMiddleware)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Thank you. The facilitators will look at it."))
        return redirect(_room_url(message.room_id, message.pk))
    return render(request, "messaging/message_report.html", {"message": message, "form": form})


@login_required
def message_history(request, message_id):
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    if not selectors.is_facilitator_of_room(user=request.user, room=message.room):
        raise Http404
    return render(
        request, "messaging/message_history.html",
        {"message": message, "edits": selectors.message_history(message=message)},
    )


@login_required
def moderation(request):
    reports = selectors.reports_for_facilitator(user=request.user)
    if not access.facilitates_any(user=request.user):
        raise Http404
    page = Paginator(reports, 30).get_page(request.GET.get("page"))
    # The reported messages' files, which a facilitator can take down from here (one query).
    page.object_list = list(page.object_list)
    selectors.with_attachments([report.message for report in page.object_list])
    suspensions = selectors.suspensions_for_facilitator(user=request.user)[:100]
    return render(
        request, "messaging/moderation.html",
        {"page": page, "suspend_form": SuspendForm(), "suspensions": suspensions},
    )


@login_required
@require_POST
def unsuspend(request, suspension_id):
    suspension = get_object_or_404(selectors.suspensions_for_facilitator(user=request.user), pk=suspension_id)
    try:
        services.member_unsuspend(cluster=suspension.cluster, user=suspension.user, acting_user=request.user)
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s can use this cluster's rooms again.") % {
            "name": suspension.user.display_name
        })
    return redirect("messaging:moderation")


@login_required
@require_POST
def moderation_decide(request, report_id, action):
    report = selectors.report_for_facilitator(user=request.user, report_id=report_id)
    try:
        if action == "delete":
            services.report_resolve(report=report, acting_user=request.user, delete_message=True)
            messages.success(request, _("Message deleted."))
        elif action == "dismiss":
            services.report_resolve(report=report, acting_user=request.user)
            messages.success(request, _("Report dismissed."))
        elif action == "suspend":
            form = SuspendForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.member_suspend(
                cluster=report.message.room.cluster, user=report.message.author, acting_user=request.user,
                reason=reason,
            )
            services.report_resolve(report=report, acting_user=request.user, delete_message=True)
            messages.success(request, _("%(name)s can no longer use this cluster's rooms.") % {
                "name": report.message.author.display_name
            })
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    return redirect("messaging:moderation")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        messages.success(request, _("All notifications marked as read."))
        return redirect("messaging:notifications")
    page = Paginator(selectors.notifications_for_user(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "messaging/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, notification_id):
    """Marks one notification read and follows its link (only links within the site). A POST, from the
    notifications page's form: a GET changes nothing (docs/SECURITY.md, "What a GET may change")."""
    notification = get_object_or_404(selectors.notifications_for_user(user=request.user), pk=notification_id)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    url = notification.url
    if url.startswith("/") and not url.startswith("//"):
        return redirect(url)
    return redirect("messaging:notifications")


@login_required
@require_http_methods(["GET", "HEAD"])
def cluster_general(request, slug):
    """The cluster's general room: where joining an open cluster leads. The same 404 as a missing
    cluster for people who may not read it."""
    cluster = cluster_selectors.cluster_get(slug=slug)
    room = selectors.general_room_of(cluster=cluster)
    selectors.room_for_user(user=request.user, room_id=room.pk)  # Http404 for outsiders
    return redirect(_room_url(room.pk))
