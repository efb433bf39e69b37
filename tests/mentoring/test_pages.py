"""Mentoring pages: what each person sees, the forms that drive the services, and query counts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import Sector
from mentoring import services
from mentoring.models import AspirantNeeds, MentorProfile, Mentorship, MentorshipRequest, Session
from tests.conftest import make_person
from tests.mentoring.conftest import GOAL, make_mentor


def shown_version(page, action: str) -> str:
    """The version a page's form carries back, as a browser would send it."""
    html = page if isinstance(page, str) else page.content.decode()
    form = html[html.index(f'action="{action}"'):]
    return re.search(r'name="version" value="(\d+)"', form[:form.index("</form>")]).group(1)


def _mentors(count: int, sector: Sector, start: int = 0):
    for i in range(start, start + count):
        person = make_person(f"mentor{i}@example.org", name=f"Mentor {i:03}", country="CO", wants_to_mentor=True)
        make_mentor(person, sectors=[sector], markets=[("DE", 2010 + i % 10), ("US", None)],
                    topics=["pricing", "fairs"], languages=["es"], capacity=3)


def test_the_directory_and_its_suggestions_keep_their_query_count_as_mentors_grow(
    client, ana, sector, django_assert_num_queries
):
    services.aspirant_needs_save(user=ana, sector=sector, target_markets=["DE"], topics=["pricing"], language="es")
    _mentors(3, sector)
    client.force_login(ana)
    url = reverse("mentoring:directory")
    # 1 session, 1 user, 1 the aspirant's needs with sector,
    # suggestions: 1 the aspirant's readiness gaps (mentoring.gaps), 1 candidate profiles with user and
    # firm, 1 their sectors, 1 their markets;
    # directory: 1 count, 1 page of profiles with user and firm, 1 their sectors, 1 their markets;
    # 1 sectors for the filter form;
    # (the header's values are kept)
    client.get(url)  # the header's values kept, as on every page after the first
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    _mentors(30, sector, start=3)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.context["page"].paginator.count == 33
    assert len(response.context["suggestions"]) == 6


def test_suggestions_show_their_reasons(client, ana, mateo, sector):
    make_mentor(mateo, sectors=[sector], markets=[("DE", 2015)], languages=["es"], capacity=3)
    services.aspirant_needs_save(user=ana, sector=sector, target_markets=["DE"], topics=["pricing"], language="es")
    client.force_login(ana)
    response = client.get(reverse("mentoring:directory"))
    content = response.content.decode()
    assert "Suggested for you" in content
    assert "exports specialty coffee to Germany since 2015 · speaks Spanish" in content
    assert "3 of 3 places free" in content


def test_people_already_asked_are_not_suggested_again(client, ana, mateo, mateo_profile, sector):
    services.aspirant_needs_save(user=ana, sector=sector, target_markets=["DE"])
    services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    client.force_login(ana)
    assert client.get(reverse("mentoring:directory")).context["suggestions"] == []


def test_without_needs_the_directory_invites_the_aspirant_to_say_what_they_need(client, ana, mateo_profile):
    client.force_login(ana)
    response = client.get(reverse("mentoring:directory"))
    assert response.context["suggestions"] == []
    assert reverse("mentoring:needs") in response.content.decode()


def test_the_directory_filters_by_sector_market_topic_language_and_room(client, ana, mateo, sector, seafood_sector):
    make_mentor(mateo, sectors=[sector], markets=[("DE", 2015)], topics=["pricing"], languages=["es"], capacity=2)
    pablo = make_person("pablo@example.org", name="Pablo", wants_to_mentor=True)
    make_mentor(pablo, sectors=[seafood_sector], markets=[("ES", 2001)], topics=["certifications"],
                languages=["en"], capacity=0)
    client.force_login(ana)
    url = reverse("mentoring:directory")

    def names(**params):
        return [p.user.name for p in client.get(url, params).context["page"]]

    assert sorted(names()) == ["Mateo Restrepo", "Pablo"]
    assert names(sector="seafood") == ["Pablo"]
    assert names(market="DE") == ["Mateo Restrepo"]
    assert names(market="ES") == ["Pablo"]
    assert names(topic="certifications") == ["Pablo"]
    assert names(language="es") == ["Mateo Restrepo"]
    assert names(has_room="on") == ["Mateo Restrepo"]
    assert names(sector="seafood", has_room="on") == []


def test_the_directory_is_for_signed_in_people(client, mateo_profile):
    response = client.get(reverse("mentoring:directory"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_mentor_edits_their_profile_on_a_page(client, mateo, sector):
    client.force_login(mateo)
    url = reverse("mentoring:profile")
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "bio": "Tostamos y exportamos microlotes.", "sectors": [sector.pk], "topics": ["pricing", "logistics"],
        "languages": ["es", "en"], "capacity": 4, "availability": "Martes por la tarde", "is_accepting": "on",
        "market_0": "DE", "since_0": "2015", "market_1": "JP", "since_1": "",
    })
    assert response.status_code == 302
    profile = MentorProfile.objects.get(user=mateo)
    assert profile.capacity == 4 and profile.topics == ["pricing", "logistics"]
    assert [(m.country.code, m.since_year) for m in profile.markets.order_by("country")] == [("DE", 2015), ("JP", None)]
    page = client.get(reverse("mentoring:mentor", args=[mateo.pk])).content.decode()
    assert "Germany (since 2015)" in page and "Martes por la tarde" in page


def test_a_mentor_with_many_markets_keeps_them_all_when_saving_the_page(client, mateo, sector):
    codes = ["DE", "US", "JP", "NL", "BE", "FR", "IT", "ES"]
    make_mentor(mateo, markets=[(code, 2010 + i) for i, code in enumerate(codes)])
    client.force_login(mateo)
    url = reverse("mentoring:profile")
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k.startswith(("market_", "since_"))}
    data.update({"capacity": 2, "languages": ["es"], "is_accepting": "on", f"market_{len(codes)}": "CA"})
    assert client.post(url, data).status_code == 302
    saved = set(MentorProfile.objects.get(user=mateo).markets.values_list("country", flat=True))
    assert saved == {*codes, "CA"}


def test_someone_who_is_not_an_exporter_cannot_open_the_mentor_profile_page(client, ana):
    client.force_login(ana)
    assert client.get(reverse("mentoring:profile")).status_code == 403


def test_an_aspirant_saves_needs_on_a_page(client, ana, sector):
    client.force_login(ana)
    response = client.post(reverse("mentoring:needs"), {
        "sector": sector.pk, "target_markets": ["DE", "US"], "topics": ["pricing"], "language": "es",
    })
    assert response.status_code == 302
    needs = AspirantNeeds.objects.get(user=ana)
    assert [c.code for c in needs.target_markets] == ["DE", "US"] and needs.language == "es"


def test_the_request_journey_through_the_pages(client, ana, mateo, mateo_profile):
    client.force_login(ana)
    response = client.post(reverse("mentoring:request_create", args=[mateo.pk]), {"goal": GOAL})
    request = MentorshipRequest.objects.get(aspirant=ana)
    assert response["Location"] == reverse("mentoring:request", args=[request.pk])
    # A second try is refused with a message, not an error page.
    response = client.post(reverse("mentoring:request_create", args=[mateo.pk]), {"goal": GOAL}, follow=True)
    assert "already have an open request" in response.content.decode()

    client.force_login(mateo)
    assert "Ana Martínez" in client.get(reverse("mentoring:mentorships")).content.decode()
    client.post(reverse("mentoring:request_action", args=[request.pk, "ask"]), {"question": "¿Qué volumen?"})
    client.force_login(ana)
    client.post(reverse("mentoring:request_action", args=[request.pk, "answer"]), {"answer": "Un contenedor."})
    client.force_login(mateo)
    accept = reverse("mentoring:request_action", args=[request.pk, "accept"])
    version = shown_version(client.get(reverse("mentoring:request", args=[request.pk])), accept)
    response = client.post(accept, {"plan_template": "first-shipment-eu", "version": version})
    mentorship = Mentorship.objects.get(mentor=mateo, mentee=ana)
    assert response["Location"] == mentorship.get_absolute_url()
    assert mentorship.goals.get().title == "First shipment to the European Union"


def test_outsiders_get_404_for_requests_and_mentorships(client, ana, mateo, mateo_profile, otto):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(),
                                   minutes=30)
    client.force_login(otto)
    assert client.get(reverse("mentoring:request", args=[request.pk])).status_code == 404
    assert client.get(reverse("mentoring:mentorship", args=[mentorship.pk])).status_code == 404
    assert client.post(reverse("mentoring:session_action", args=[session.pk, "confirm"])).status_code == 404
    assert client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "pause"])).status_code == 404
    assert client.get(reverse("mentoring:mentorship", args=[99999])).status_code == 404
    session.refresh_from_db()
    assert session.status == Session.Status.PENDING


def _grow(mentorship, mateo, ana, goals: int, sessions: int):
    for g in range(goals):
        goal = services.goal_add(mentorship=mentorship, acting_user=mateo, title=f"Meta {g}")
        for m in range(3):
            services.milestone_add(goal=goal, acting_user=ana, title=f"Hito {g}.{m}")
    for s in range(sessions):
        session = services.session_log(mentorship=mentorship, acting_user=mateo,
                                       date=timezone.localdate() - datetime.timedelta(days=s), minutes=30 + s)
        if s % 2:
            services.session_confirm(session=session, acting_user=ana)


@pytest.mark.parametrize("as_mentor", [True, False])
def test_the_mentorship_page_keeps_its_query_count_as_the_plan_and_sessions_grow(
    client, ana, mateo, mateo_profile, django_assert_num_queries, as_mentor
):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    _grow(mentorship, mateo, ana, goals=1, sessions=1)
    client.force_login(mateo if as_mentor else ana)
    url = reverse("mentoring:mentorship", args=[mentorship.pk])
    # 1 session, 1 user, 1 mentorship with both people, firms, cluster, room and request,
    # 1 goals, 1 milestones, 1 sessions, 1 feedback;
    # the mentor also gets 1 for the duration suggested from the room's messages (the header's values
    # are kept).
    expected = 8 if as_mentor else 7
    client.get(url)  # the header's values kept, as on every page after the first
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _grow(mentorship, mateo, ana, goals=4, sessions=12)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["sessions"]) == 13


def test_the_mentee_confirms_and_disputes_sessions_on_the_page(client, ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    client.force_login(mateo)
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "session"]), {
        "date": timezone.localdate().isoformat(), "minutes": 50, "topics": ["pricing"], "notes": "Precio FOB",
    })
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "session"]), {
        "date": timezone.localdate().isoformat(), "minutes": 500,
    })
    first = Session.objects.get(mentorship=mentorship)
    assert first.minutes == 50
    client.force_login(ana)
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert "Confirm this session" in page
    confirm = reverse("mentoring:session_action", args=[first.pk, "confirm"])
    client.post(confirm, {"version": shown_version(page, confirm)})
    first.refresh_from_db()
    assert first.status == Session.Status.CONFIRMED and len(outside.awards) == 1
    assert "50 minutes" in client.get(mentorship.get_absolute_url()).content.decode()


def test_a_confirm_after_the_mentor_changed_the_session_is_refused_and_shows_the_new_details(
    client, ana, mateo, mateo_profile, outside
):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=30)
    client.force_login(ana)
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert "30 minutes" in page
    confirm = reverse("mentoring:session_action", args=[session.pk, "confirm"])
    shown = shown_version(page, confirm)
    # The mentor changes the session while ana's page is open: 30 -> 480 minutes.
    services.session_update(session=session, acting_user=mateo, date=session.date, minutes=480)

    response = client.post(confirm, {"version": shown}, follow=True)
    session.refresh_from_db()
    assert session.status == Session.Status.PENDING and outside.awards == []
    page = response.content.decode()
    assert "changed this session after you opened the page" in page and "480 minutes" in page
    assert response.redirect_chain[-1][0].endswith(f"?changed={session.pk}#session-{session.pk}")
    assert "These are its new details: check them and confirm again." in page
    # Confirming again from the page that shows 480 minutes pays for what ana saw.
    client.post(confirm, {"version": shown_version(page, confirm)})
    session.refresh_from_db()
    assert session.status == Session.Status.CONFIRMED and [a["minutes"] for a in outside.awards] == [480]


def test_a_confirm_without_the_shown_version_is_refused(client, ana, mateo, mateo_profile, outside):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=30)
    client.force_login(ana)
    for data in ({}, {"version": "x"}, {"version": "99999999999"}):
        client.post(reverse("mentoring:session_action", args=[session.pk, "confirm"]), data)
    session.refresh_from_db()
    assert session.status == Session.Status.PENDING and outside.awards == []


def test_a_dispute_of_a_session_the_mentor_changed_since_is_refused(client, ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    session = services.session_log(mentorship=mentorship, acting_user=mateo, date=timezone.localdate(), minutes=30)
    client.force_login(ana)
    dispute = reverse("mentoring:session_action", args=[session.pk, "dispute"])
    shown = shown_version(client.get(mentorship.get_absolute_url()), dispute)
    services.session_update(session=session, acting_user=mateo, date=session.date, minutes=45)
    client.post(dispute, {"version": shown, "reason": "Fueron 30 minutos."})
    session.refresh_from_db()
    assert session.status == Session.Status.PENDING and session.dispute_reason == ""


def test_accepting_a_request_the_aspirant_answered_since_is_refused(client, ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    services.request_ask_info(request=request, acting_user=mateo, question="¿Qué volumen exportas?")
    client.force_login(mateo)
    accept = reverse("mentoring:request_action", args=[request.pk, "accept"])
    shown = shown_version(client.get(reverse("mentoring:request", args=[request.pk])), accept)
    services.request_answer_info(request=MentorshipRequest.objects.get(pk=request.pk), acting_user=ana,
                                 answer="Ninguno todavía.")
    response = client.post(accept, {"version": shown}, follow=True)
    assert not Mentorship.objects.filter(mentor=mateo, mentee=ana).exists()
    page = response.content.decode()
    assert "changed this request after you opened it" in page and "Ninguno todavía." in page
    client.post(accept, {"version": shown_version(page, accept)})
    assert Mentorship.objects.filter(mentor=mateo, mentee=ana).exists()


def test_the_session_form_suggests_the_chat_span(client, ana, mateo, mateo_profile):
    from messaging.models import Message

    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    day = timezone.localdate() - datetime.timedelta(days=2)
    tz = timezone.get_current_timezone()
    for hour, minute in ((15, 0), (15, 40)):
        Message.objects.create(room=mentorship.room, author=ana, body="hola", body_html="hola",
                               created_at=datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz))
    client.force_login(mateo)
    response = client.get(mentorship.get_absolute_url(), {"session_date": day.isoformat()})
    assert response.context["suggested_minutes"] == 40
    assert response.context["session_form"].initial["minutes"] == 40


def test_closing_and_feedback_through_the_pages(client, ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo)
    client.force_login(ana)
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "end"]), {"how": "ended", "reason": ""})
    mentorship.refresh_from_db()
    assert mentorship.is_running
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "end"]),
                {"how": "completed", "reason": "Primer contenedor enviado a Hamburgo"})
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "outcome"]),
                {"outcome": "started", "markets": ["DE"]})
    client.post(reverse("mentoring:mentorship_action", args=[mentorship.pk, "feedback"]),
                {"rating": "5", "text": "Excelente"})
    mentorship.refresh_from_db()
    assert mentorship.status == Mentorship.Status.COMPLETED and mentorship.outcome == "started"
    assert mentorship.feedback.get().rating == 5
    assert "5 of 5" in client.get(mentorship.get_absolute_url()).content.decode()
