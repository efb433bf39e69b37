"""Mentorships: the plan, sessions and who confirms them, closing with feedback and an outcome."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentoring import selectors, services
from mentoring.models import Feedback, MentorProfile, Mentorship, Session
from tests.mentoring.conftest import GOAL

today = timezone.localdate


@pytest.fixture
def mentorship(ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    return services.request_accept(request=request, acting_user=mateo)


def log(mentorship, mateo, minutes=60, **kwargs):
    return services.session_log(
        mentorship=mentorship, acting_user=mateo, date=kwargs.pop("date", today()), minutes=minutes,
        topics=kwargs.pop("topics", ["pricing"]), notes=kwargs.pop("notes", "Calculamos el precio FOB."), **kwargs,
    )


# --- The plan ------------------------------------------------------------------------------------


def test_both_sides_edit_the_plan_and_outsiders_cannot(mentorship, ana, mateo, lucia):
    services.plan_apply_template(mentorship=mentorship, acting_user=ana, template_key="first-shipment-eu")
    goal = services.goal_add(mentorship=mentorship, acting_user=mateo, title="Participar en la feria SCA Expo")
    milestone = services.milestone_add(goal=goal, acting_user=ana, title="Reservar el stand",
                                       due_on=today() + datetime.timedelta(days=30))
    services.milestone_toggle(milestone=milestone, acting_user=mateo)
    milestone.refresh_from_db()
    assert milestone.is_done and milestone.done_by == mateo
    services.milestone_toggle(milestone=milestone, acting_user=ana)
    milestone.refresh_from_db()
    assert not milestone.is_done
    assert [g.title for g in mentorship.goals.all()] == [
        "First shipment to the European Union", "Participar en la feria SCA Expo"]
    with pytest.raises(PermissionDenied):
        services.goal_add(mentorship=mentorship, acting_user=lucia, title="Intrusa")
    with pytest.raises(PermissionDenied):
        services.milestone_toggle(milestone=milestone, acting_user=lucia)
    services.milestone_delete(milestone=milestone, acting_user=ana)
    services.goal_delete(goal=goal, acting_user=mateo)
    assert mentorship.goals.count() == 1


def test_an_unknown_template_is_refused(mentorship, ana):
    with pytest.raises(ValidationError):
        services.plan_apply_template(mentorship=mentorship, acting_user=ana, template_key="mars")


# --- Status --------------------------------------------------------------------------------------


def test_either_side_pauses_and_resumes(mentorship, ana, mateo):
    services.mentorship_pause(mentorship=mentorship, acting_user=ana)
    with pytest.raises(ValidationError):
        log(mentorship, mateo)
    services.mentorship_resume(mentorship=mentorship, acting_user=mateo)
    mentorship.refresh_from_db()
    assert mentorship.status == Mentorship.Status.ACTIVE


def test_ending_early_needs_a_reason_frees_the_place_and_archives_the_room(mentorship, ana, mateo, outside):
    with pytest.raises(ValidationError, match="why"):
        services.mentorship_end(mentorship=mentorship, acting_user=ana, reason="")
    services.mentorship_end(mentorship=mentorship, acting_user=ana, reason="Cerramos la empresa por ahora.")
    mentorship.refresh_from_db()
    assert mentorship.status == Mentorship.Status.ENDED and mentorship.ended_by == ana
    assert MentorProfile.objects.get(user=mateo).active_mentees == 0
    assert outside.archived == [mentorship.room]
    assert outside.kinds_for(mateo)[-1] == "mentoring.mentorship_ended"
    with pytest.raises(ValidationError, match="ended"):
        services.mentorship_end(mentorship=mentorship, acting_user=mateo, reason="Otra vez")
    assert MentorProfile.objects.get(user=mateo).active_mentees == 0


def test_an_outsider_cannot_end_a_mentorship(mentorship, lucia):
    with pytest.raises(PermissionDenied):
        services.mentorship_end(mentorship=mentorship, acting_user=lucia, reason="No")


def test_the_capacity_counter_stays_right_through_many_mentorships(mateo, sector):
    from tests.conftest import make_person
    from tests.mentoring.conftest import make_mentor

    make_mentor(mateo, capacity=2)
    mentees = [make_person(f"e{i}@example.org", name=f"E{i}") for i in range(4)]
    for i, mentee in enumerate(mentees):
        request = services.request_create(aspirant=mentee, mentor=mateo, goal=GOAL)
        m = services.request_accept(request=request, acting_user=mateo)
        services.mentorship_end(mentorship=m, acting_user=mateo if i % 2 else mentee, reason="Listo", completed=True)
    running = Mentorship.objects.filter(mentor=mateo, status__in=Mentorship.RUNNING_STATUSES).count()
    assert MentorProfile.objects.get(user=mateo).active_mentees == running == 0


def test_capacity_cannot_drop_below_the_active_mentees(mentorship, mateo):
    from tests.mentoring.conftest import make_mentor

    with pytest.raises(ValidationError, match="capacity cannot be lower"):
        make_mentor(mateo, capacity=0)
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorProfile.objects.filter(user=mateo).update(capacity=0, active_mentees=1)
    make_mentor(mateo, capacity=1, is_accepting=False)


# --- Sessions ------------------------------------------------------------------------------------


def test_the_mentor_logs_and_the_mentee_is_asked_to_confirm(mentorship, ana, mateo, outside):
    session = log(mentorship, mateo, minutes=45)
    assert session.status == Session.Status.PENDING
    assert outside.kinds_for(ana)[-1] == "mentoring.session_to_confirm"
    assert outside.notifications[-1]["url"].endswith("#sessions")


def test_only_the_mentor_logs_sessions(mentorship, ana):
    with pytest.raises(PermissionDenied):
        log(mentorship, ana)


@pytest.mark.parametrize("minutes", [0, 4, 481, 1000])
def test_a_session_lasts_between_5_and_480_minutes(mentorship, mateo, minutes):
    with pytest.raises(ValidationError, match="between 5 and 480"):
        log(mentorship, mateo, minutes=minutes)


@pytest.mark.parametrize("minutes", [4, 481])
def test_the_database_also_keeps_sessions_between_5_and_480_minutes(mentorship, mateo, minutes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(mentorship=mentorship, logged_by=mateo, date=today(), minutes=minutes)


def test_a_session_in_the_future_is_refused(mentorship, mateo):
    with pytest.raises(ValidationError, match="after it has happened"):
        log(mentorship, mateo, date=today() + datetime.timedelta(days=2))


def test_the_mentees_confirmation_pays_once(mentorship, ana, mateo, coffee, outside):
    session = log(mentorship, mateo, minutes=90)
    with pytest.raises(PermissionDenied):
        services.session_confirm(session=session, acting_user=mateo)
    assert outside.awards == []
    services.session_confirm(session=session, acting_user=ana)
    with pytest.raises(ValidationError, match="not waiting"):
        services.session_confirm(session=session, acting_user=ana)
    assert len(outside.awards) == 1
    award = outside.awards[0]
    assert award["beneficiary"] == mateo and award["caused_by"] == ana and award["cluster"] == coffee
    assert award["source_ref"] == f"mentoring.session:{session.pk}" and award["minutes"] == 90
    assert outside.kinds_for(mateo)[-1] == "mentoring.session_confirmed"


def test_a_session_award_is_dated_by_the_session_and_described_by_parameters_not_a_sentence(
    mentorship, ana, mateo, outside
):
    ana.language = "es"
    ana.save(update_fields=["language"])
    earlier = today() - datetime.timedelta(days=9)
    session = log(mentorship, mateo, minutes=45, date=earlier)
    services.session_confirm(session=session, acting_user=ana)
    award = outside.awards[0]
    assert award["work_date"] == earlier
    assert award["description_params"] == {"mentee": "Ana Martínez", "date": earlier.isoformat(), "minutes": 45}
    # the words kept with the award are not in the mentee's language: pages render the parameters
    assert award["description"].startswith("Mentoring session with Ana Martínez")


def test_a_failing_award_leaves_the_session_unconfirmed(mentorship, ana, mateo, monkeypatch):
    from mentoring import external

    session = log(mentorship, mateo)

    def broken(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr(external, "session_pay", broken)
    with pytest.raises(RuntimeError):
        services.session_confirm(session=session, acting_user=ana)
    session.refresh_from_db()
    assert session.status == Session.Status.PENDING


def test_a_disputed_session_does_not_pay_until_corrected_and_confirmed(mentorship, ana, mateo, outside):
    session = log(mentorship, mateo, minutes=120)
    with pytest.raises(ValidationError):
        services.session_dispute(session=session, acting_user=ana, reason="")
    services.session_dispute(session=session, acting_user=ana, reason="Fueron 60 minutos, no 120.")
    assert outside.kinds_for(mateo)[-1] == "mentoring.session_disputed"
    with pytest.raises(ValidationError):
        services.session_confirm(session=session, acting_user=ana)
    session = services.session_update(session=session, acting_user=mateo, date=session.date, minutes=60,
                                      topics=["pricing"], notes="Corregido")
    services.session_confirm(session=session, acting_user=ana)
    assert [a["minutes"] for a in outside.awards] == [60]
    with pytest.raises(ValidationError, match="confirmed"):
        services.session_update(session=session, acting_user=mateo, date=session.date, minutes=480)


def test_the_duration_suggestion_is_the_span_of_that_days_chat_clamped(mentorship, ana, mateo):
    from messaging.models import Message

    day = today() - datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    at = lambda h, m: datetime.datetime.combine(day, datetime.time(h, m), tzinfo=tz)  # noqa: E731
    assert selectors.suggested_session_minutes(mentorship=mentorship, date=day) is None
    for author, when in ((ana, at(9, 0)), (mateo, at(9, 20)), (ana, at(10, 12))):
        Message.objects.create(room=mentorship.room, author=author, body="hola", body_html="<p>hola</p>",
                               created_at=when)
    # A message on another day does not count.
    Message.objects.create(room=mentorship.room, author=ana, body="x", body_html="x",
                           created_at=at(9, 0) + datetime.timedelta(days=1, hours=5))
    assert selectors.suggested_session_minutes(mentorship=mentorship, date=day) == 75
    Message.objects.create(room=mentorship.room, author=ana, body="y", body_html="y", created_at=at(23, 59))
    assert selectors.suggested_session_minutes(mentorship=mentorship, date=day) == 480


def test_a_lone_message_suggests_the_shortest_session():
    now = timezone.now()
    assert selectors.minutes_from_span(now, now) == 5
    assert selectors.minutes_from_span(now, now + datetime.timedelta(minutes=31)) == 35


# --- Completion ----------------------------------------------------------------------------------


def test_feedback_comes_from_both_sides_after_the_end_once_each(mentorship, ana, mateo, lucia):
    with pytest.raises(ValidationError, match="completed or ended"):
        services.feedback_give(mentorship=mentorship, acting_user=ana, rating=5)
    services.mentorship_end(mentorship=mentorship, acting_user=mateo, reason="", completed=True)
    services.feedback_give(mentorship=mentorship, acting_user=ana, rating=5, text="Mateo me enseñó a cotizar.")
    services.feedback_give(mentorship=mentorship, acting_user=mateo, rating=4, text="Ana aprende rápido.")
    with pytest.raises(ValidationError, match="already"):
        services.feedback_give(mentorship=mentorship, acting_user=ana, rating=1)
    with pytest.raises(PermissionDenied):
        services.feedback_give(mentorship=mentorship, acting_user=lucia, rating=1)
    for rating in (0, 6):
        with pytest.raises(ValidationError):
            services.feedback_give(mentorship=mentorship, acting_user=mateo, rating=rating)
    assert sorted(f.rating for f in Feedback.objects.filter(mentorship=mentorship)) == [4, 5]


def test_the_database_keeps_ratings_between_1_and_5(mentorship, ana):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(mentorship=mentorship, author=ana, rating=6)


def test_the_outcome_says_whether_and_where_the_firm_exports(mentorship, ana, mateo):
    with pytest.raises(ValidationError, match="which market"):
        services.mentorship_record_outcome(mentorship=mentorship, acting_user=ana, outcome="started")
    services.mentorship_record_outcome(mentorship=mentorship, acting_user=ana, outcome="started",
                                       markets=["DE", "us"])
    mentorship.refresh_from_db()
    assert mentorship.outcome == "started"
    assert [c.code for c in mentorship.outcome_markets] == ["DE", "US"]
    services.mentorship_record_outcome(mentorship=mentorship, acting_user=mateo, outcome="not_yet", markets=["DE"])
    mentorship.refresh_from_db()
    assert mentorship.outcome == "not_yet" and list(mentorship.outcome_markets) == []
    with pytest.raises(ValidationError):
        services.mentorship_record_outcome(mentorship=mentorship, acting_user=ana, outcome="maybe")


def test_a_confirmation_names_the_version_it_was_shown_and_a_changed_session_is_refused(
    mentorship, ana, mateo, outside
):
    shown = log(mentorship, mateo, minutes=30)
    services.session_update(session=shown, acting_user=mateo, date=shown.date, minutes=480)
    with pytest.raises(ValidationError, match="changed this session") as refused:
        services.session_confirm(session=shown, acting_user=ana)  # the instance ana was shown: version 1
    assert refused.value.code == "changed"
    with pytest.raises(ValidationError, match="now 480 minutes"):
        services.session_confirm(session=Session.objects.get(pk=shown.pk), acting_user=ana, version=1)
    with pytest.raises(ValidationError, match="changed this session"):
        services.session_dispute(session=shown, acting_user=ana, reason="No fueron 480 minutos.")
    assert outside.awards == [] and Session.objects.get(pk=shown.pk).status == Session.Status.PENDING
    services.session_confirm(session=Session.objects.get(pk=shown.pk), acting_user=ana, version=2)
    assert [a["minutes"] for a in outside.awards] == [480]


def test_a_plan_from_a_template_reads_in_each_readers_language(mentorship, mateo):
    from django.utils import translation

    from mentoring.models import Goal

    with translation.override("en"):  # the mentor who applies it reads English
        services.plan_apply_template(mentorship=mentorship, acting_user=mateo, template_key="first-shipment-us")
    goal = Goal.objects.prefetch_related("milestones").get(mentorship=mentorship)
    first = goal.milestones.all()[0]
    with translation.override("es"):
        assert goal.display_title == "Primer envío a Estados Unidos"
        assert first.display_title.startswith("Registro")
    with translation.override("pt-br"):
        assert goal.display_title.startswith("Primeir")
    assert goal.title == "First shipment to the United States"  # kept as a fallback
