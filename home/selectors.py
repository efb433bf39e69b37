"""What a signed-in person's home page shows: the things waiting for them, by role, read through the
selectors of each app. This module stands above every app (it may import them all; none imports it).

Each part is read only for the people it concerns, so the page's query count depends on who you are
(aspirant, mentor, facilitator, agency staff), never on how much is waiting: tests/home asserts it per
persona."""

from dataclasses import dataclass, field

from clusters import access
from clusters import selectors as clusters_selectors
from clusters.models import ClusterMembership, User
from incentives import selectors as incentives_selectors
from mentoring import selectors as mentoring_selectors
from mentoring.models import Mentorship, MentorshipRequest
from messaging import selectors as messaging_selectors
from questions import selectors as questions_selectors
from readiness import selectors as readiness_selectors

SHOWN = 5  # rows per list; the full list is one link away


@dataclass
class Home:
    memberships: list = field(default_factory=list)
    is_aspirant: bool = False
    is_mentor: bool = False
    is_facilitator: bool = False
    is_agency_staff: bool = False
    unread_rooms: list = field(default_factory=list)
    referrals: list = field(default_factory=list)  # the person's firm's referrals by agencies
    # aspirant
    sessions_to_confirm: list = field(default_factory=list)
    requests_sent: list = field(default_factory=list)
    my_questions: list = field(default_factory=list)
    next_milestone: object = None
    followups_due: list = field(default_factory=list)  # outcome follow-ups the person's firm should answer
    readiness: object = None  # the latest completed export-readiness assessment of the person's firm
    # mentor
    questions_waiting: list = field(default_factory=list)
    requests_received: list = field(default_factory=list)
    mentorships: list = field(default_factory=list)
    credits: int = 0
    # facilitator
    admissions: list = field(default_factory=list)
    admissions_count: int = 0
    reports: list = field(default_factory=list)
    reports_count: int = 0
    # agency staff
    agencies: list = field(default_factory=list)

    @property
    def active_memberships(self) -> list:
        return [m for m in self.memberships if m.status == ClusterMembership.Status.ACTIVE]

    @property
    def pending_memberships(self) -> list:
        return [m for m in self.memberships if m.status == ClusterMembership.Status.PENDING]


def home_for(*, user: User, agency_staff: bool, firm_id: int | None) -> Home:
    """The person's home. `agency_staff` and `firm_id` (the firm they are an active member of) come from
    the site header's kept values (clusters.nav), read by the view in the same round trip.

    Queries: 2 for everyone (memberships; readable rooms with unread counts), plus the firm's referrals
    (1, with a firm), the other person of unread direct rooms (1, when there are some) and
    - aspirant: sessions to confirm, requests sent, own questions, next milestone (4), and with a firm
      its follow-ups due and its latest readiness assessment (2);
    - mentor: questions waiting (4), requests received, mentorships, wallets (3);
    - facilitator: admissions, open reports (2);
    - agency staff: the agencies with their queues (1).
    """
    memberships = list(clusters_selectors.clusters_of_user(user=user))
    Role = ClusterMembership.Role
    active_roles = {m.role for m in memberships if m.status == ClusterMembership.Status.ACTIVE}
    home = Home(memberships=memberships)
    home.is_mentor = bool(user.wants_to_mentor) or Role.MENTOR in active_roles
    home.is_facilitator = access.is_superuser(user) or any(
        access.may_facilitate(user=user, cluster=m.cluster, role=m.role)
        for m in memberships if m.status == ClusterMembership.Status.ACTIVE
    )
    home.is_agency_staff = agency_staff
    # Everyone who is not (only) there to help or to fund is an aspiring exporter: a new member without
    # any cluster too, whose home then points to the next step.
    home.is_aspirant = not home.is_mentor and (
        Role.MEMBER in active_roles or not (home.is_facilitator or home.is_agency_staff)
    )

    rooms = [
        room for room in messaging_selectors.rooms_overview(user=user) if room.unread and not room.muted
    ]
    partners = messaging_selectors.direct_room_partners(rooms=rooms, user=user)
    for room in rooms:
        room.partner = partners.get(room.pk)
    home.unread_rooms = rooms
    home.referrals = incentives_selectors.referrals_of_firm(firm_id=firm_id)

    if home.is_aspirant:
        home.sessions_to_confirm = list(mentoring_selectors.sessions_to_confirm(user=user)[:SHOWN])
        # Open requests first, then the latest answers to the closed ones.
        sent = list(mentoring_selectors.requests_sent(user=user)[:SHOWN])
        sent.sort(key=lambda r: r.status not in MentorshipRequest.OPEN_STATUSES)
        home.requests_sent = sent
        home.my_questions = questions_selectors.questions_asked_by(user=user, limit=SHOWN)
        home.next_milestone = mentoring_selectors.next_milestone_for_mentee(user=user)
        home.followups_due = mentoring_selectors.followups_due_for_firm(firm_id=firm_id)
        home.readiness = readiness_selectors.latest_of_firm(firm_id=firm_id)

    if home.is_mentor:
        home.questions_waiting = questions_selectors.waiting_for_mentor(user=user, limit=SHOWN)
        home.requests_received = list(mentoring_selectors.requests_received(user=user)[:SHOWN])
        running = mentoring_selectors.mentorships_of_user(user=user).filter(
            mentor=user, status__in=Mentorship.RUNNING_STATUSES
        )
        home.mentorships = list(running[:SHOWN])
        home.credits = sum(wallet.balance for wallet in incentives_selectors.wallets_of(user=user))

    if home.is_facilitator:
        admissions = list(clusters_selectors.pending_requests_for_facilitator(user=user)[: SHOWN + 1])
        home.admissions = admissions[:SHOWN]
        home.admissions_count = len(admissions)
        reports = list(messaging_selectors.reports_for_facilitator(user=user).order_by("-pk")[: SHOWN + 1])
        home.reports = reports[:SHOWN]
        home.reports_count = len(reports)

    if home.is_agency_staff:
        home.agencies = incentives_selectors.queues_for_staff(user=user)
    return home
