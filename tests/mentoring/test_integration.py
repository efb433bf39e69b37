"""Mentoring with the real messaging (rooms, notifications) and incentives (awards) services."""

from django.core import mail
from django.utils import timezone

from mentoring import services
from tests.mentoring.conftest import GOAL


def test_acceptance_opens_a_private_room_for_the_two_and_ending_archives_it(
    real_outside, ana, mateo, mateo_profile, lucia, django_capture_on_commit_callbacks
):
    from messaging.models import Notification, Room
    from messaging.services import can_read_room

    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    notification = Notification.objects.get(recipient=mateo)
    assert notification.kind == "mentoring.request" and notification.url.endswith(f"/requests/{request.pk}/")
    # Mateo has no socket open: the request also reaches him by email.
    assert [m.to for m in mail.outbox] == [["mateo@example.org"]]

    mentorship = services.request_accept(request=request, acting_user=mateo)
    room = mentorship.room
    assert room.kind == Room.Kind.MENTORSHIP
    assert can_read_room(user=ana, room=room) and can_read_room(user=mateo, room=room)
    assert not can_read_room(user=lucia, room=room)
    assert Notification.objects.filter(recipient=ana, kind="mentoring.request_accepted").exists()

    services.mentorship_end(mentorship=mentorship, acting_user=mateo, reason="Ana ya exporta.", completed=True)
    room.refresh_from_db()
    assert room.is_archived


def test_a_confirmed_session_asks_the_ledger_to_pay_for_it(real_outside, ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=60)
    services.session_confirm(session=session, acting_user=ana)
    session.refresh_from_db()
    assert session.status == "confirmed"
