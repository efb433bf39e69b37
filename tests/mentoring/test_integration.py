"""Mentoring with the real messaging (rooms, notifications) and incentives (awards) services."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
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


def _program(agency, rafael, coffee, *, auto_approve=True):
    import datetime

    from incentives import services as incentives

    program = incentives.program_create(
        agency=agency, acting_user=rafael, name="Mentores 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), rate_mentoring_hour=80,
        auto_approve=auto_approve,
    )
    incentives.program_fund(program=program, acting_user=rafael, amount=1000, idempotency_key="test")
    return program


def test_the_mentees_confirmation_pays_the_mentor_once_through_the_ledger(
    real_outside, ana, mateo, mateo_profile, coffee, agency, rafael
):
    from incentives.models import Award

    _program(agency, rafael, coffee)
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=90)
    assert not Award.objects.exists()
    services.session_confirm(session=session, acting_user=ana)
    award = Award.objects.get()
    assert award.kind == "mentoring_session" and award.source_ref == f"mentoring.session:{session.pk}"
    assert award.beneficiary == mateo and award.caused_by == ana and award.minutes == 90
    assert award.credits == 80 * 90 // 60 and award.status == Award.Status.APPROVED
    # Confirming again is refused before the ledger is asked; a repeated grant would return the same award.
    with pytest.raises(ValidationError):
        services.session_confirm(session=session, acting_user=ana)
    assert Award.objects.count() == 1


def test_disputed_sessions_earn_nothing(real_outside, ana, mateo, mateo_profile, coffee, agency, rafael):
    from incentives.models import Award

    _program(agency, rafael, coffee)
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=60)
    services.session_dispute(session=session, acting_user=ana, reason="No nos reunimos ese día.")
    assert not Award.objects.exists()


def test_ten_session_awards_between_two_firms_in_a_few_days_are_flagged_not_paid_automatically(
    real_outside, ana, mateo, mateo_profile, coffee, agency, rafael, capsys
):
    import datetime

    from django.core.management import call_command

    from incentives.ledger import wallet_for
    from incentives.models import Award

    program = _program(agency, rafael, coffee)  # approves automatically
    type(program).objects.filter(pk=program.pk).update(rate_mentoring_hour=10)
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    today = timezone.localdate()
    for n in range(10):
        session = services.session_log(mentorship=mentorship, acting_user=mateo,
                                       date=today - datetime.timedelta(days=n % 3), minutes=60)
        services.session_confirm(session=session, acting_user=ana)
    awards = list(Award.objects.filter(kind="mentoring_session").order_by("pk"))
    assert [a.status for a in awards] == ["approved"] * 3 + ["pending"] * 7
    assert {a.flag_code for a in awards[3:]} == {"pair_burst"}
    assert awards[-1].flag_text == "10 awards between Café Montaña Lenca and Tostadores del Quindío within 7 days."
    assert wallet_for(user=mateo, agency=agency).balance == 30
    call_command("ledger_verify")
    assert "Ledger OK" in capsys.readouterr().out
