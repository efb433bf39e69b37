"""Outcome follow-ups: asked 3, 6 and 12 months after a mentorship ends, answered by the firm (or by
phone through a facilitator), correctable for two weeks, every change kept."""

import datetime
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clusters.models import Firm
from mentoring import followups, selectors, services
from mentoring.models import OutcomeFollowUp, OutcomeFollowUpChange
from tests.conftest import make_person
from tests.mentoring.conftest import GOAL

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Sets the time every service sees: clock(2026, 8, 31, 12)."""
    def set_to(*args):
        moment = at(*args)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_to


@pytest.fixture
def mentorship(ana, mateo, mateo_profile):
    request = services.request_create(aspirant=ana, mentor=mateo, goal=GOAL)
    return services.request_accept(request=request, acting_user=mateo)


def end(mentorship, who):
    return services.mentorship_end(mentorship=mentorship, acting_user=who, reason="", completed=True)


def due_dates(mentorship) -> dict[int, datetime.date]:
    return dict(OutcomeFollowUp.objects.filter(mentorship=mentorship).values_list("months", "due_on"))


# --- Scheduling ------------------------------------------------------------------------------------


def test_calendar_months_end_on_the_last_day_of_a_shorter_month():
    assert followups.add_months(datetime.date(2026, 8, 31), 3) == datetime.date(2026, 11, 30)
    assert followups.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert followups.add_months(datetime.date(2027, 8, 31), 6) == datetime.date(2028, 2, 29)
    assert followups.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)
    assert followups.add_months(datetime.date(2026, 1, 31), 12) == datetime.date(2027, 1, 31)


def test_a_mentorship_ending_on_31_august_is_followed_up_at_the_ends_of_november_february_and_august(
    mentorship, ana, mateo, clock
):
    clock(2026, 8, 31, 18)  # noon in Tegucigalpa
    end(mentorship, ana)
    assert due_dates(mentorship) == {
        3: datetime.date(2026, 11, 30), 6: datetime.date(2027, 2, 28), 12: datetime.date(2027, 8, 31),
    }


def test_the_end_date_is_the_day_where_the_firm_is(mentorship, ana, mateo, clock):
    # 03:30 UTC on 1 March is still 28 February in Honduras (UTC-6) but already 1 March in São Paulo.
    clock(2026, 3, 1, 3, 30)
    end(mentorship, mateo)
    assert due_dates(mentorship) == {
        3: datetime.date(2026, 5, 28), 6: datetime.date(2026, 8, 28), 12: datetime.date(2027, 2, 28),
    }
    Firm.objects.filter(pk=ana.firm_member.firm_id).update(country="BR")
    OutcomeFollowUp.objects.all().delete()
    mentorship.refresh_from_db()
    followups.followups_schedule(mentorship=mentorship)
    assert due_dates(mentorship) == {
        3: datetime.date(2026, 6, 1), 6: datetime.date(2026, 9, 1), 12: datetime.date(2027, 3, 1),
    }


def test_a_firm_in_a_country_without_a_known_zone_uses_the_sites(mentorship, ana, mateo, clock, settings):
    Firm.objects.filter(pk=ana.firm_member.firm_id).update(country="NZ")
    clock(2026, 3, 1, 3, 30)  # 28 February 22:30 in Bogotá, the site's zone
    end(mentorship, mateo)
    assert due_dates(mentorship)[3] == datetime.date(2026, 5, 28)


def test_only_the_mentees_firm_is_followed_up_and_a_mentee_without_a_firm_is_not(
    mentorship, ana, mateo, mateo_profile, coffee
):
    end(mentorship, ana)
    assert set(OutcomeFollowUp.objects.values_list("firm_id", flat=True)) == {ana.firm_member.firm_id}
    loner = make_person("sola@example.org", name="Sola Sin Firma")
    request = services.request_create(aspirant=loner, mentor=mateo, goal=GOAL)
    other = services.request_accept(request=request, acting_user=mateo)
    end(other, loner)
    assert not OutcomeFollowUp.objects.filter(mentorship=other).exists()


def test_scheduling_twice_creates_nothing_more(mentorship, ana):
    end(mentorship, ana)
    mentorship.refresh_from_db()
    followups.followups_schedule(mentorship=mentorship)
    assert OutcomeFollowUp.objects.count() == 3


# --- Asking ------------------------------------------------------------------------------------------


@pytest.fixture
def ended(mentorship, ana, clock):
    clock(2026, 1, 10, 15)
    end(mentorship, ana)
    return mentorship


def three_months(ended) -> OutcomeFollowUp:
    return OutcomeFollowUp.objects.get(mentorship=ended, months=3)


def test_followups_send_asks_each_due_one_once_by_email_in_the_recipients_language(
    ended, ana, clock, django_capture_on_commit_callbacks
):
    ana.language = "es"
    ana.save(update_fields=["language"])
    out = io.StringIO()
    clock(2026, 4, 9, 15)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("followups_send", stdout=out)
    assert mail.outbox == []  # due on 10 April
    clock(2026, 4, 10, 15)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("followups_send", stdout=out)
        call_command("followups_send", stdout=out)
    assert out.getvalue().splitlines()[-2:] == ["outcome follow-ups: 1 asked", "outcome follow-ups: 0 asked"]
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "meses" in mail.outbox[0].subject and "exportas" in mail.outbox[0].subject
    assert reverse("mentoring:followup", args=[three_months(ended).pk]) in mail.outbox[0].body
    assert three_months(ended).asked_at == at(2026, 4, 10, 15)


def test_when_the_mentee_left_the_firm_its_owners_are_asked(
    ended, ana, clock, django_capture_on_commit_callbacks
):
    firm = ana.firm_member.firm
    ana.firm_member.delete()
    make_person("dueno@example.org", name="Dueño", firm=firm)
    clock(2026, 4, 11, 15)
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.followups_send() == 1
    assert [m.to for m in mail.outbox] == [["dueno@example.org"]]


def test_the_due_task_shows_for_the_firms_members_only(ended, ana, mateo, otto):
    from clusters.nav import active_firm_id

    item = three_months(ended)

    def due(person, day):
        return selectors.followups_due_for_firm(firm_id=active_firm_id(user=person), today=datetime.date(2026, 4, day))

    assert due(ana, 9) == []
    assert due(ana, 10) == [item]
    assert due(mateo, 10) == []
    assert due(otto, 10) == []


# --- Answering -----------------------------------------------------------------------------------------


def answer(item, who, **kwargs):
    values = {"exporting": True, "markets": ["de", "US"], "value_band": "lt_10k", "new_buyers": 2}
    values.update(kwargs)
    return followups.followup_answer(followup=item, acting_user=who, **values)


def test_the_firm_answers_once_due_and_may_correct_for_14_days_then_not(ended, ana, clock):
    item = three_months(ended)
    clock(2026, 4, 9, 15)
    with pytest.raises(ValidationError, match="not due"):
        answer(item, ana)
    clock(2026, 4, 12, 15)
    answered = answer(item, ana)
    assert (answered.exporting, answered.markets, answered.by_phone) == (True, ["DE", "US"], False)
    clock(2026, 4, 26, 14)
    corrected = answer(item, ana, markets=["DE"], new_buyers=1)
    assert corrected.markets == ["DE"] and corrected.answered_at == at(2026, 4, 12, 15)
    clock(2026, 4, 26, 16)
    with pytest.raises(ValidationError, match="14 days"):
        answer(item, ana, exporting=False)
    item.refresh_from_db()
    assert item.exporting is True and item.new_buyers == 1


def test_every_answer_and_correction_is_kept_with_who_when_and_what(ended, ana, clock):
    item = three_months(ended)
    clock(2026, 4, 12, 15)
    answer(item, ana)
    clock(2026, 4, 13, 15)
    answer(item, ana, exporting=False)
    changes = list(OutcomeFollowUpChange.objects.filter(followup=item).order_by("changed_at"))
    assert [(c.changed_by, c.changed_at, c.answer["exporting"], c.answer["markets"]) for c in changes] == [
        (ana, at(2026, 4, 12, 15), True, ["DE", "US"]),
        (ana, at(2026, 4, 13, 15), False, []),
    ]
    item.refresh_from_db()
    assert item.value_band == "none"  # not exporting: no export value


def test_an_answer_is_checked(ended, ana, clock):
    clock(2026, 4, 12, 15)
    item = three_months(ended)
    with pytest.raises(ValidationError):
        answer(item, ana, markets=[])
    with pytest.raises(ValidationError):
        answer(item, ana, markets=["XX"])
    with pytest.raises(ValidationError):
        answer(item, ana, exporting=None)
    with pytest.raises(ValidationError):
        answer(item, ana, value_band="lots")
    assert not OutcomeFollowUpChange.objects.exists()


def test_the_mentor_and_outsiders_cannot_answer_for_the_firm(ended, mateo, otto, lucia, clock):
    clock(2026, 4, 12, 15)
    for person in (mateo, otto, lucia):
        with pytest.raises(PermissionDenied):
            answer(three_months(ended), person)


def test_a_facilitator_of_the_cluster_records_an_answer_given_by_phone(ended, ana, lucia, otto, rafael, clock):
    clock(2026, 4, 12, 15)
    item = three_months(ended)
    for person in (otto, rafael):
        with pytest.raises(PermissionDenied):
            answer(item, person, by_phone=True)
    with pytest.raises(PermissionDenied):
        answer(item, ana, by_phone=True)  # the firm answers for itself
    recorded = answer(item, lucia, by_phone=True, exporting=False, markets=[], value_band="")
    assert (recorded.by_phone, recorded.recorded_by, recorded.exporting) == (True, lucia, False)
    assert OutcomeFollowUpChange.objects.get().by_phone is True
    # The firm may still correct what was said on the phone; then it is its own answer again.
    corrected = answer(item, ana)
    assert (corrected.by_phone, corrected.recorded_by) == (False, ana)
    assert list(selectors.followups_answered(firm_ids=[item.firm_id])) == [item]
    assert list(selectors.followups_answered(since=at(2026, 4, 13))) == []


def test_followups_answered_and_due_filter_by_firm_and_period(ended, ana, clock):
    clock(2026, 4, 12, 15)
    item = three_months(ended)
    answer(item, ana)
    assert list(selectors.followups_answered(since=at(2026, 4, 12), until=at(2026, 4, 13))) == [item]
    assert list(selectors.followups_answered(until=at(2026, 4, 12))) == []
    assert list(selectors.followups_answered(firm_ids=[])) == []
    due = selectors.followups_due(since=datetime.date(2026, 4, 1), until=datetime.date(2026, 8, 1))
    assert [f.months for f in due] == [3, 6]


# --- Pages -------------------------------------------------------------------------------------------


def test_the_firm_answers_on_a_small_form_in_its_language_with_a_fixed_query_count(
    client, ended, ana, clock, django_assert_num_queries
):
    ana.language = "es"
    ana.save(update_fields=["language"])
    clock(2026, 4, 12, 15)
    item = three_months(ended)
    client.force_login(ana)
    url = reverse("mentoring:followup", args=[item.pk])
    cache.clear()  # a first visit (ending the mentorship read Ana's firm, which the header keeps)
    # session, user, layout (unread counts, nav), the follow-up with its firm, mentorship, people and
    # the reader's rights
    with django_assert_num_queries(5):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿La empresa exporta ahora?" in page
    response = client.post(url, {"exporting": "yes", "market_0": "DE", "market_1": "", "value_band": "lt_10k",
                                 "new_buyers": "3"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.exporting, item.markets, item.new_buyers) == (True, ["DE"], 3)
    # ... once answered: one query more for its history, two fewer for the header's values (kept since
    # the first visit)
    with django_assert_num_queries(4):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Alemania" in page and "Historial" in page


def test_a_facilitator_sees_the_firms_to_call_and_records_a_phone_answer(client, ended, lucia, clock):
    clock(2026, 4, 12, 15)
    item = three_months(ended)
    client.force_login(lucia)
    listing = client.get(reverse("mentoring:followups")).content.decode()
    assert "Café Montaña Lenca" in listing
    url = reverse("mentoring:followup", args=[item.pk])
    assert "by phone" in client.get(url).content.decode()
    client.post(url, {"exporting": "no", "value_band": "none"})
    item.refresh_from_db()
    assert item.by_phone and item.recorded_by == lucia and item.exporting is False


def test_a_follow_up_is_a_404_for_outsiders(client, ended, otto, mateo, clock):
    clock(2026, 4, 12, 15)
    url = reverse("mentoring:followup", args=[three_months(ended).pk])
    for person in (otto, mateo):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"exporting": "no"}).status_code == 404


def test_the_mentorships_page_shows_the_due_task(client, ended, ana, clock):
    clock(2026, 4, 12, 15)
    client.force_login(ana)
    page = client.get(reverse("mentoring:mentorships")).content.decode()
    assert reverse("mentoring:followup", args=[three_months(ended).pk]) in page



def test_the_follow_ups_page_keeps_its_query_count_as_follow_ups_grow(
    client, ended, lucia, ana, mateo, clock, django_assert_num_queries
):
    clock(2027, 2, 1, 15)  # the 3-, 6- and 12-month follow-ups are all due
    url = reverse("mentoring:followups")
    client.force_login(lucia)
    client.get(url)  # the header's values kept, as on every page after the first
    # session, user, those to call (Lucía has no firm: no query for its due follow-ups)
    with django_assert_num_queries(3):
        assert len(client.get(url).context["to_record"]) == 3
    for n in range(3):
        firm = Firm.objects.create(name=f"Finca {n}", country="HN")
        mentee = make_person(f"m{n}@example.org", name=f"Mentee {n}", firm=firm)
        request = services.request_create(aspirant=mentee, mentor=mateo, goal=GOAL)
        end(services.request_accept(request=request, acting_user=mateo), mentee)
    OutcomeFollowUp.objects.update(due_on=datetime.date(2027, 1, 1))
    with django_assert_num_queries(3):
        assert len(client.get(url).context["to_record"]) == 12


def test_a_first_answer_tells_the_agencys_webhook_subscribers_and_a_correction_does_not(
    ended, ana, rafael, agency, clock, settings
):
    from agency_api import services as api_services
    from agency_api.models import WebhookDelivery

    settings.PUENTE_WEBHOOKS_ALLOW_HTTP = True  # a local address, never called here
    api_services.webhook_endpoint_create(agency=agency, acting_user=rafael, url="http://127.0.0.1:9/hook",
                                         events=["outcome.reported"])
    item = three_months(ended)
    clock(2026, 4, 12, 15)
    answer(item, ana)
    clock(2026, 4, 13, 15)
    answer(item, ana, markets=["DE"])
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "outcome.reported"
    data = delivery.payload["data"]
    assert data["mentorship"]["id"] == ended.pk
    assert data["followup"] == {**data["followup"], "id": item.pk, "months": 3, "exporting": True,
                                "markets": ["DE", "US"], "by_phone": False}
