"""The authorisation matrix for the pages of incentives, messaging, questions, mentoring and library, run against
the demo world (loaded once for this module, inside a transaction that is rolled back at the end; each
test runs in its own savepoint). See test_authorization_matrix.py for the vocabulary of outcomes.

The expectations were decided route by route: private things (rooms, mentorships, by-approval
clusters' questions, other agencies' consoles) answer 404 to outsiders, exactly like a missing object.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.security.test_authorization_matrix import PERSONAS, outcome_of

# For each route: method, how to build its kwargs from the world, and the outcome per persona in the
# order of PERSONAS: anonymous, logged_out, deactivated, outsider, other_member, member, mentor,
# facilitator, other_staff, staff, superuser.
L, R, K, N, F = "login", "redirect", "ok", "404", "403"
ROUTES: dict[str, tuple[str, object, list[str]]] = {
    # incentives
    "incentives:wallet": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "incentives:redeem": ("post", lambda w: {"item_id": w["item"].pk}, [L, L, L, R, R, R, R, R, R, R, R]),
    "incentives:console_index": ("get", None, [L, L, L, N, N, N, N, N, R, R, K]),
    "incentives:console": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:program_create": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:program": ("get", lambda w: {**w["agency"], "program_id": w["program"].pk}, [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:awards": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:award_decide": (
        "post", lambda w: {**w["agency"], "award_id": w["award"].pk, "decision": "approve"},
        [L, L, L, N, N, N, N, N, N, R, R],
    ),
    # several awards at once: staff only; an empty form sends the staff back to the queue with an error
    "incentives:awards_bulk": ("post", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, R, R]),
    "incentives:redemptions": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:redemption_decide": (
        "post", lambda w: {**w["agency"], "redemption_id": w["redemption"].pk, "decision": "approve"},
        [L, L, L, N, N, N, N, N, N, R, R],
    ),
    "incentives:catalog": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:ledger": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:audit": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:dashboard": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:dashboard_xlsx": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    # co-funding terms: set by the program's agency, accepted by a partner (for its own row: a no-op here)
    "incentives:program_funders": ("post", lambda w: {**w["agency"], "program_id": w["program"].pk},
                                   [L, L, L, N, N, N, N, N, N, R, R]),
    "incentives:program_funder_accept": ("post", lambda w: {**w["agency"], "program_id": w["program"].pk},
                                         [L, L, L, N, N, N, N, N, N, R, R]),
    "incentives:referrals": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:referral": ("get", lambda w: {**w["agency"], "referral_id": w["referral"].pk},
                            [L, L, L, N, N, N, N, N, N, K, K]),
    # a referral is answered by the referred firm's members only (Ana's firm)
    "incentives:referral_answer": ("post", lambda w: {"referral_id": w["referral"].pk},
                                   [L, L, L, N, N, R, N, N, N, N, N]),
    "agency_api:console": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:export_transfers": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    "incentives:export_awards": ("get", lambda w: w["agency"], [L, L, L, N, N, N, N, N, N, K, K]),
    # messaging: rooms are for their people (superusers may look in); notifications for their recipient
    "messaging:rooms": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "messaging:room": ("get", lambda w: {"room_id": w["room"].pk}, [L, L, L, N, N, K, K, K, N, N, K]),
    # An empty preferences form is refused as unknown for everyone; outsiders learn nothing either way.
    # A room's files and a link to one message: for the room's readers.
    "messaging:files": ("get", lambda w: {"room_id": w["room"].pk}, [L, L, L, N, N, K, K, K, N, N, K]),
    "messaging:message_link": ("get", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, R, R, R, N, N, R]),
    # A photo on Mateo's message: readable exactly by the room's readers, anonymous people included get
    # 404 (no sign-in page that would tell it exists); taking it down: its author and facilitators
    # (others who may read it are sent back with an error).
    "attachments:download": ("get", lambda w: {"key": _attached(w)}, [N, N, N, N, N, K, K, K, N, N, K]),
    "attachments:thumbnail": ("get", lambda w: {"key": _attached(w), "variant": "small"}, [N, N, N, N, N, K, K, K, N, N, K]),
    "attachments:remove": ("post", lambda w: {"key": _attached(w)}, [N, N, N, N, N, R, R, R, N, N, R]),
    "messaging:preferences": ("post", lambda w: {"room_id": w["room"].pk}, [L, L, L, N, N, N, N, N, N, N, N]),
    # Direct conversations only between people who share a cluster (with Mateo, of the coffee cluster).
    "messaging:direct": ("post", lambda w: {"user_id": w["people"]["mentor"].pk}, [L, L, L, N, N, R, R, R, N, N, N]),
    "messaging:topic_new": ("get", lambda w: {"slug": "cafe-especial"}, [L, L, L, N, N, N, N, K, N, N, K]),
    # Where joining an open cluster leads: its general room, for those who may read it.
    "messaging:cluster_general": ("get", lambda w: {"slug": "cafe-especial"}, [L, L, L, N, N, R, R, R, N, N, R]),
    # Mateo's message: others in the room are sent back with an error; outsiders get 404.
    "messaging:edit": ("get", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, R, R, R, N, N, R]),
    "messaging:delete": ("post", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, R, R, R, N, N, R]),
    "messaging:report": ("post", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, K, K, K, N, N, K]),
    "messaging:react": ("post", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, R, R, R, N, N, R]),
    "messaging:history": ("get", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, N, N, K, N, N, K]),
    "messaging:moderation": ("get", None, [L, L, L, N, N, N, N, K, N, N, K]),
    "messaging:moderation_decide": (
        "post", lambda w: {"report_id": w["report"].pk, "action": "dismiss"}, [L, L, L, N, N, N, N, R, N, N, R],
    ),
    "messaging:unsuspend": ("post", lambda w: {"suspension_id": w["suspension"].pk}, [L, L, L, N, N, N, N, R, N, N, R]),
    "messaging:notifications": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "messaging:notification_open": (
        "post", lambda w: {"notification_id": w["notification"].pk}, [L, L, L, N, N, R, N, N, N, N, N],
    ),
    # questions: the coffee cluster is by approval, so its questions never reach outsiders (docs/QA.md)
    "questions:mine": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "questions:waiting": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "questions:search": ("get", None, [K, K, K, K, K, K, K, K, K, K, K]),
    # Promoting Mateo's message: its author and the facilitator may; Ana is refused.
    "questions:promote": ("get", lambda w: {"message_id": w["message"].pk}, [L, L, L, N, N, F, K, K, N, N, K]),
    "questions:detail": ("get", lambda w: {"question_id": w["question"].pk}, [N, N, N, N, N, K, K, K, N, N, K]),
    # Ana's question: she and the facilitator edit it; Mateo may not.
    "questions:edit": ("get", lambda w: {"question_id": w["question"].pk}, [L, L, L, N, N, K, F, K, N, N, K]),
    "questions:history": ("get", lambda w: {"question_id": w["question"].pk}, [N, N, N, N, N, K, K, K, N, N, K]),
    "questions:question_action": (
        "post", lambda w: {"question_id": w["question"].pk, "action": "follow"}, [L, L, L, N, N, R, R, R, N, N, R],
    ),
    # Mateo's answer: he and the facilitator edit it; Ana may not.
    "questions:answer_edit": ("get", lambda w: {"answer_id": w["answer"].pk}, [L, L, L, N, N, F, K, K, N, N, K]),
    "questions:answer_action": (
        "post", lambda w: {"answer_id": w["answer"].pk, "action": "up"}, [L, L, L, N, N, R, R, R, N, N, R],
    ),
    "questions:cluster": ("get", lambda w: {"slug": "cafe-especial"}, [N, N, N, N, N, K, K, K, N, N, K]),
    "questions:ask": ("get", lambda w: {"slug": "cafe-especial"}, [L, L, L, N, N, K, K, K, N, N, K]),
    "questions:similar": ("get", lambda w: {"slug": "cafe-especial"}, [N, N, N, N, N, K, K, K, N, N, K]),
    # mentoring: a mentorship and its plan, sessions and requests belong to its two people
    "mentoring:directory": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "mentoring:mentor": ("get", lambda w: {"user_id": w["people"]["mentor"].pk}, [L, L, L, K, K, K, K, K, K, K, K]),
    "mentoring:request_create": (
        "post", lambda w: {"user_id": w["people"]["mentor"].pk}, [L, L, L, R, R, R, R, R, R, R, R],
    ),
    "mentoring:profile": ("get", None, [L, L, L, F, F, F, K, K, F, F, K]),
    "mentoring:needs": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "mentoring:mentorships": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    # A follow-up is the mentee's firm's (Ana's) and, to record a phone answer, the cluster's facilitators'.
    "mentoring:followups": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "mentoring:followup": ("get", lambda w: {"followup_id": w["followup"].pk}, [L, L, L, N, N, K, N, K, N, N, K]),
    "mentoring:request": ("get", lambda w: {"request_id": w["request"].pk}, [L, L, L, N, N, N, K, N, N, N, N]),
    "mentoring:request_action": (
        "post", lambda w: {"request_id": w["request"].pk, "action": "withdraw"}, [L, L, L, N, N, N, R, N, N, N, N],
    ),
    "mentoring:mentorship": (
        "get", lambda w: {"mentorship_id": w["mentorship"].pk}, [L, L, L, N, N, K, K, N, N, N, N],
    ),
    "mentoring:mentorship_action": (
        "post", lambda w: {"mentorship_id": w["mentorship"].pk, "action": "pause"}, [L, L, L, N, N, R, R, N, N, N, N],
    ),
    "mentoring:goal_action": (
        "post", lambda w: {"goal_id": w["goal"].pk, "action": "delete"}, [L, L, L, N, N, R, R, N, N, N, N],
    ),
    "mentoring:milestone_action": (
        "post", lambda w: {"milestone_id": w["milestone"].pk, "action": "toggle"}, [L, L, L, N, N, R, R, N, N, N, N],
    ),
    "mentoring:session_action": (
        "post", lambda w: {"session_id": w["session"].pk, "action": "confirm"}, [L, L, L, N, N, R, R, N, N, N, N],
    ),
    # library: published entries, market pages and search are public; writing is for facilitators
    "library:index": ("get", None, [K, K, K, K, K, K, K, K, K, K, K]),
    # readiness: a firm's assessments are for its own people; agencies see aggregates only
    "readiness:index": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "readiness:start": ("post", None, [L, L, L, R, R, R, R, R, R, R, R]),
    "readiness:agency": ("get", None, [L, L, L, N, N, N, N, N, K, K, K]),
    "readiness:result": ("get", lambda w: {"assessment_id": w["assessment"].pk}, [L, L, L, N, N, K, N, N, N, N, K]),
    "readiness:step": ("get", lambda w: {"assessment_id": w["assessment"].pk, "number": 1},
                       [L, L, L, N, N, R, N, N, N, N, R]),
    "readiness:share": ("post", lambda w: {"assessment_id": w["assessment"].pk}, [L, L, L, N, N, R, N, N, N, N, R]),
    "library:search": ("get", None, [K, K, K, K, K, K, K, K, K, K, K]),
    "library:market": ("get", lambda w: {"code": "US"}, [K, K, K, K, K, K, K, K, K, K, K]),
    "library:entry": ("get", lambda w: {"entry_id": w["entry"].pk}, [K, K, K, K, K, K, K, K, K, K, K]),
    "library:history": ("get", lambda w: {"entry_id": w["entry"].pk}, [K, K, K, K, K, K, K, K, K, K, K]),
    "library:diff": (
        "get", lambda w: {"entry_id": w["entry"].pk, "language": w["entry"].original_language, "number": 1},
        [K, K, K, K, K, K, K, K, K, K, K],
    ),
    "library:write": ("get", None, [L, L, L, N, N, N, N, K, N, N, K]),
    "library:curate": ("get", None, [L, L, L, K, K, K, K, K, K, K, K]),
    "library:edit": ("get", lambda w: {"entry_id": w["entry"].pk}, [L, L, L, N, N, N, N, K, N, N, K]),
    # Refusals come back to the page with a message; outsiders cannot see the by-approval cluster's answer.
    "library:propose": ("post", lambda w: {"answer_id": w["accepted_answer"].pk}, [L, L, L, N, N, R, R, R, N, N, R]),
    "library:action": (
        "post", lambda w: {"entry_id": w["entry"].pk, "action": "checked"}, [L, L, L, R, R, R, R, R, R, R, R],
    ),
}


def _attached(world) -> str:
    """The key of the world's attachment, with its files written to this test's storage folder (each
    test has its own: tests/conftest.py)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    attachment = world["attachment"]
    store = storages["attachments"]
    for name, data in ((attachment.file, world["attachment_bytes"]), (attachment.thumb_small, b"RIFF thumb")):
        if not store.exists(name):
            store.save(name, ContentFile(data))
    return attachment.key


def _observe(route_name, world):
    method, kwargs_for, _ = ROUTES.get(route_name, ("get", None, None))
    return method, reverse(route_name, kwargs=kwargs_for(world) if kwargs_for else {})


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    from clusters.models import Agency, User
    from tests.conftest import make_person

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            yield _world(Agency, User, make_person)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _world(Agency, User, make_person):
    from incentives.models import Award, CatalogItem, Program, Redemption, Referral

    other_agency = Agency.objects.create(slug="otra", name="Otra agencia", country="CL")
    ines = make_person("ines@example.org", name="Inés Staff", country="CL")
    other_agency.staff.add(ines)
    dora = make_person("dora@example.org", name="Dora Deactivated")
    User.objects.filter(pk=dora.pk).update(is_active=False)
    nadie = make_person("nadie@example.org", name="Nadie Outsider")
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root", onboarded_at=timezone.now())
    people = {
        "deactivated": dora, "outsider": nadie, "other_member": User.objects.get(email="otto@demo.puente"),
        "member": User.objects.get(email="ana@demo.puente"), "mentor": User.objects.get(email="mateo@demo.puente"),
        "facilitator": User.objects.get(email="lucia@demo.puente"), "other_staff": ines,
        "staff": User.objects.get(email="rafael@demo.puente"), "superuser": root,
    }
    from library.models import Entry
    from mentoring.models import Goal, Mentorship, MentorshipRequest, Milestone, OutcomeFollowUp, Session
    from messaging.models import Message, MessageReport, Notification, Room, RoomSuspension
    from questions.models import Answer, Question
    from readiness.models import Assessment

    agency = Agency.objects.get(slug="red-exporta")
    ana, mateo, lucia = people["member"], people["mentor"], people["facilitator"]
    room = Room.objects.get(cluster__slug="cafe-especial", is_general=True)
    message = Message.objects.filter(room=room, author=mateo).first()
    report = MessageReport.objects.create(message=message, reporter=ana, reason="spam")
    suspension = RoomSuspension.objects.create(cluster=room.cluster, user=people["other_member"], created_by=lucia)
    notification = Notification.objects.create(recipient=ana, kind="mention", text="Hola", url="/")
    question = Question.objects.filter(cluster__slug="cafe-especial", author=ana).first()
    answer = Answer.objects.filter(question__cluster__slug="cafe-especial", author=mateo).first()
    from attachments.models import Attachment

    attachment = Attachment.objects.create(
        key="a" * 32, owner_type="messaging.message", owner_id=message.pk, uploader=mateo, cluster=room.cluster,
        name="lote.jpg", content_type="image/jpeg", kind="image", size=4, width=1, height=1,
        file="attachments/aa/" + "a" * 32 + ".jpg", thumb_small="attachments/aa/" + "a" * 32 + "-small.webp",
    )
    mentorship = Mentorship.objects.get(mentor=mateo, mentee=ana)
    goal = Goal.objects.filter(mentorship=mentorship).first()
    return {
        "attachment": attachment, "attachment_bytes": b"\xff\xd8\xff\xe0",
        "room": room, "message": message, "report": report, "suspension": suspension,
        "notification": notification, "question": question, "answer": answer,
        "mentorship": mentorship, "goal": goal, "milestone": Milestone.objects.filter(goal=goal).first(),
        "session": Session.objects.filter(mentorship=mentorship).first(),
        "request": MentorshipRequest.objects.filter(mentor=mateo).first(),
        "people": people,
        "agency": {"agency_slug": agency.slug},
        "program": Program.objects.filter(agency=agency).first(),
        "referral": Referral.objects.get(firm=ana.firm_member.firm),
        "award": Award.objects.filter(program__agency=agency, status="pending").first(),
        "item": CatalogItem.objects.filter(agency=agency).first(),
        "redemption": Redemption.objects.filter(item__agency=agency, status="requested").first(),
        "entry": Entry.objects.filter(status="published", source_answer__isnull=True).order_by("pk").first(),
        "accepted_answer": Answer.objects.filter(question__cluster__slug="cafe-especial",
                                                 accepted_for__isnull=False).first(),
        "assessment": Assessment.objects.filter(firm=ana.firm_member.firm, completed_at__isnull=False).first(),
        "followup": OutcomeFollowUp.objects.create(
            firm=ana.firm_member.firm, mentorship=mentorship, months=3, due_on=timezone.localdate()),
    }


def _client(persona, world):
    client = Client()
    if persona == "anonymous":
        return client
    if persona == "logged_out":
        client.force_login(world["people"]["member"])
        client.logout()
        return client
    client.force_login(world["people"][persona])
    return client


@pytest.mark.parametrize("route_name", sorted(ROUTES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_app_route_gives_each_persona_the_expected_outcome(demo_world, db, route_name, persona):
    method, url = _observe(route_name, demo_world)
    client = _client(persona, demo_world)
    response = client.post(url) if method == "post" else client.get(url)
    expected = ROUTES[route_name][2][PERSONAS.index(persona)]
    assert outcome_of(response) == expected, f"{persona} {method.upper()} {url}"
