"""Every write that matters in mentoring. Views, commands, other apps and tests call these.

Each function is one transaction; a broken rule raises ValidationError with a message for the person,
a missing right raises PermissionDenied. Capacity is protected by locking the mentor's profile row
before counting places, both when a request is sent and when it is accepted.
"""

import datetime
import statistics
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from clusters import access
from clusters.models import LANGUAGE_CHOICES, Cluster, ClusterMembership, Sector, User
from clusters.services import country_codes
from clusters.topics import Topic
from infra.ratelimit import rate_limit
from mentoring import external, gaps
from mentoring.followups import followups_schedule
from mentoring.models import (
    AspirantNeeds,
    Feedback,
    Goal,
    MentorMarket,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    Milestone,
    Session,
    request_ttl_days,
)
from mentoring.plans import BY_KEY as PLAN_TEMPLATES

RequestStatus = MentorshipRequest.Status
MentorshipStatus = Mentorship.Status
SessionStatus = Session.Status

MAX_GOAL_CHARS = 2000
MAX_REASON_CHARS = 2000
# A new mentorship's plan starts with a milestone for each of the mentee's largest gaps, at most this many.
SEEDED_GAPS = 3


def max_open_requests() -> int:
    return settings.PUENTE_MAX_OPEN_MENTORSHIP_REQUESTS


def _clean_text(text: str, *, limit: int = MAX_REASON_CHARS) -> str:
    return (text or "").strip()[:limit]


def _check_topics(topics: Iterable[str]) -> list[str]:
    topics = list(dict.fromkeys(topics or []))
    unknown = [t for t in topics if t not in Topic.values]
    if unknown:
        raise ValidationError(_("Choose topics from the list."), code="topic")
    return topics


def _check_languages(languages: Iterable[str]) -> list[str]:
    languages = list(dict.fromkeys(languages or []))
    known = {code for code, _name in LANGUAGE_CHOICES}
    if any(code not in known for code in languages):
        raise ValidationError(_("Choose one of the offered languages."), code="language")
    return languages


def _check_countries(codes: Iterable[str]) -> list[str]:
    codes = [(c or "").upper() for c in codes or []]
    known = country_codes()
    if any(code not in known for code in codes):
        raise ValidationError(_("Choose countries from the list."), code="country")
    return list(dict.fromkeys(codes))


# --- Profiles --------------------------------------------------------------------------------------


def can_mentor(*, user: User) -> bool:
    """Experienced exporters (as they said when onboarding) and cluster mentors and facilitators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.wants_to_mentor or user.is_superuser:
        return True
    return access.active_memberships(user=user, role__in=access.MENTOR_ROLES).exists() or MentorProfile.objects.filter(
        user=user
    ).exists()


@transaction.atomic
def mentor_profile_save(
    *,
    user: User,
    bio: str = "",
    sectors: Iterable[Sector] = (),
    markets: Iterable[tuple[str, int | None]] = (),
    topics: Iterable[str] = (),
    languages: Iterable[str] = (),
    capacity: int = 3,
    availability: str = "",
    is_accepting: bool = True,
) -> MentorProfile:
    """Creates or updates a mentor's profile; `markets` is a list of (country code, since year)."""
    if not can_mentor(user=user):
        raise PermissionDenied(_("Only experienced exporters and cluster mentors can offer mentoring."))
    topics = _check_topics(topics)
    languages = _check_languages(languages)
    market_rows: dict[str, int | None] = {}
    this_year = timezone.now().year
    for code, since in markets:
        (code,) = _check_countries([code])
        if since is not None and not (1900 <= int(since) <= this_year):
            raise ValidationError(_("Give a year between 1900 and this year."), code="since_year")
        market_rows[code] = since
    if not 0 <= int(capacity) <= 50:
        raise ValidationError(_("Capacity must be between 0 and 50 mentees."), code="capacity")

    profile, _created = MentorProfile.objects.select_for_update(no_key=True).get_or_create(user=user)
    if capacity < profile.active_mentees:
        raise ValidationError(
            _("You have %(count)s active mentees; capacity cannot be lower than that. End or complete a mentorship "
              "first, or stop accepting new mentees.") % {"count": profile.active_mentees},
            code="capacity_below_active",
        )
    profile.bio = _clean_text(bio, limit=4000)
    profile.topics = topics
    profile.languages = languages
    profile.capacity = capacity
    profile.availability = _clean_text(availability, limit=200)
    profile.is_accepting = is_accepting
    profile.save()
    profile.sectors.set(list(sectors))
    profile.markets.exclude(country__in=list(market_rows)).delete()
    existing = {m.country.code: m for m in profile.markets.all()}
    for code, since in market_rows.items():
        if code in existing:
            if existing[code].since_year != since:
                existing[code].since_year = since
                existing[code].save(update_fields=["since_year"])
        else:
            MentorMarket.objects.create(profile=profile, country=code, since_year=since)
    return profile


@transaction.atomic
def aspirant_needs_save(
    *,
    user: User,
    sector: Sector | None = None,
    target_markets: Iterable[str] = (),
    topics: Iterable[str] = (),
    language: str = "",
) -> AspirantNeeds:
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    if language:
        _check_languages([language])
    needs, _created = AspirantNeeds.objects.select_for_update(no_key=True).get_or_create(user=user)
    needs.sector = sector
    needs.target_markets = _check_countries(target_markets)
    needs.topics = _check_topics(topics)
    needs.language = language or ""
    needs.save()
    return needs


@transaction.atomic
def mentor_accepted_answers_adjust(*, user: User, delta: int) -> None:
    """Called by Q&A when one of this person's answers is accepted (+1) or un-accepted (-1).

    An F() expression so that two acceptances at once both count; a person without a mentor profile
    has nothing to adjust (no profile is created). The counter never goes below zero.
    """
    if delta == 0:
        return
    MentorProfile.objects.filter(user=user).update(accepted_answers=Greatest(F("accepted_answers") + delta, 0))


RESPONSIVENESS_WINDOW = 50


def _refresh_responsiveness(*, mentor_id: int) -> None:
    """Median hours to the mentor's first reaction over their latest requests.

    A request that expired unanswered counts as answered at its expiry, so ignoring requests makes the
    median worse rather than leaving it out.
    """
    rows = list(
        MentorshipRequest.objects.filter(mentor_id=mentor_id)
        .filter(Q(responded_at__isnull=False) | Q(status=RequestStatus.EXPIRED))
        .order_by("-created_at")
        .values_list("created_at", "responded_at", "expires_at")[:RESPONSIVENESS_WINDOW]
    )
    hours = []
    answered = expired = 0
    for created_at, responded_at, expires_at in rows:
        if responded_at is not None:
            answered += 1
            hours.append((responded_at - created_at).total_seconds() / 3600)
        else:
            expired += 1
            hours.append((expires_at - created_at).total_seconds() / 3600)
    median = round(statistics.median(hours)) if hours else None
    MentorProfile.objects.filter(user_id=mentor_id).update(
        response_median_hours=median, requests_answered=answered, requests_expired=expired
    )


# --- Requests ----------------------------------------------------------------------------------


def _request_url(request: MentorshipRequest) -> str:
    return reverse("mentoring:request", args=[request.pk])


def _locked_profile(*, mentor_id: int) -> MentorProfile | None:
    return MentorProfile.objects.select_for_update(no_key=True).filter(user_id=mentor_id).first()


def _locked_request(request: MentorshipRequest) -> MentorshipRequest:
    return MentorshipRequest.objects.select_for_update(no_key=True, of=("self",)).select_related("aspirant", "mentor").get(pk=request.pk)


@transaction.atomic
def request_create(*, aspirant: User, mentor: User, goal: str) -> MentorshipRequest:
    """An aspirant asks a mentor; the mentor is notified."""
    if not aspirant.is_authenticated or not aspirant.is_active:
        raise PermissionDenied(_("Sign in first."))
    if aspirant.pk == mentor.pk:
        raise ValidationError(_("You cannot ask yourself for mentoring."), code="self")
    goal = _clean_text(goal, limit=MAX_GOAL_CHARS)
    if len(goal) < 20:
        raise ValidationError(
            _("Say in a sentence or two what you want to achieve (at least 20 characters)."), code="goal"
        )
    # The aspirant's row is locked so that two requests sent at once count each other.
    User.objects.select_for_update(no_key=True).filter(pk=aspirant.pk).first()
    profile = _locked_profile(mentor_id=mentor.pk)
    if profile is None or not mentor.is_active:
        raise ValidationError(_("This person does not offer mentoring."), code="not_mentor")
    if not profile.is_accepting or profile.places_left <= 0:
        raise ValidationError(_("This mentor has no free place at the moment."), code="no_places")
    if Mentorship.objects.filter(
        mentor=mentor, mentee=aspirant, status__in=Mentorship.RUNNING_STATUSES
    ).exists():
        raise ValidationError(_("You already have a mentorship with this mentor."), code="already_mentored")
    open_requests = MentorshipRequest.objects.filter(aspirant=aspirant, status__in=MentorshipRequest.OPEN_STATUSES)
    if open_requests.filter(mentor=mentor).exists():
        raise ValidationError(_("You already have an open request to this mentor."), code="duplicate")
    limit = max_open_requests()
    if open_requests.count() >= limit:
        raise ValidationError(
            _("You can have at most %(limit)s open requests at once. Wait for an answer or withdraw one.")
            % {"limit": limit},
            code="too_many_open",
        )
    rate_limit(action="mentorship_request", user=aspirant)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = MentorshipRequest.objects.create(
                aspirant=aspirant, mentor=mentor, goal=goal, created_at=now,
                expires_at=now + datetime.timedelta(days=request_ttl_days()),
            )
    except IntegrityError:
        raise ValidationError(_("You already have an open request to this mentor."), code="duplicate") from None
    external.notify(
        recipient=mentor,
        kind="mentoring.request",
        template=N_("%(name)s asks you for mentoring: “%(goal)s”"),
        params={"name": aspirant.display_name, "goal": Truncator(goal).chars(120)},
        url=_request_url(request),
        actor=aspirant,
        email_if_offline=True,
    )
    return request


def _require_mentor_of(request: MentorshipRequest, user: User) -> None:
    if request.mentor_id != user.pk:
        raise PermissionDenied(_("Only the mentor who was asked can answer this request."))


def _require_aspirant_of(request: MentorshipRequest, user: User) -> None:
    if request.aspirant_id != user.pk:
        raise PermissionDenied(_("Only the person who sent this request can do that."))


def _require_open(request: MentorshipRequest) -> None:
    if not request.is_open:
        raise ValidationError(_("This request is no longer open."), code="not_open")


def _shared_cluster(*, mentor: User, mentee: User) -> Cluster | None:
    """The cluster that sponsors the mentorship: one where the mentor mentors and the mentee is a member,
    else one where both are active, else the mentor's first cluster as mentor."""
    active = ClusterMembership.Status.ACTIVE
    mentor_roles = access.MENTOR_ROLES
    mentee_clusters = access.active_memberships(user=mentee).values("cluster_id")
    candidates = [
        Cluster.objects.filter(
            is_active=True, memberships__user=mentor, memberships__status=active,
            memberships__role__in=mentor_roles, pk__in=mentee_clusters,
        ),
        Cluster.objects.filter(
            is_active=True, memberships__user=mentor, memberships__status=active, pk__in=mentee_clusters
        ),
        Cluster.objects.filter(
            is_active=True, memberships__user=mentor, memberships__status=active, memberships__role__in=mentor_roles
        ),
    ]
    for queryset in candidates:
        cluster = queryset.order_by("pk").first()
        if cluster is not None:
            return cluster
    return None


def _written(text: str, *, missing: str, code: str) -> str:
    """The cleaned text a step needs (a reason, a question, an answer), or the error saying it is missing."""
    text = _clean_text(text)
    if not text:
        raise ValidationError(missing, code=code)
    return text


def _move(request: MentorshipRequest, status: str, *, now: datetime.datetime, responded: bool = False,
          decided: bool = False, waits_again: bool = False, **fields) -> None:
    """Moves a locked request to `status` and saves what changed: `fields`; when the mentor first
    responded; when it was decided; or (waits_again) a new waiting period, its warning to come again
    and a new version (an accepting mentor must have read it)."""
    changed = {"status": status, **fields}
    if responded:
        changed["responded_at"] = request.responded_at or now
    if decided:
        changed["decided_at"] = now
    if waits_again:
        changed.update(expires_at=now + datetime.timedelta(days=request_ttl_days()), expiry_warned_at=None,
                       version=request.version + 1)
    for name, value in changed.items():
        setattr(request, name, value)
    request.save(update_fields=list(changed))


def _tell(request: MentorshipRequest, *, mentor: bool, kind: str, template: str, params: dict,
          from_other: bool = True, email_if_offline: bool = False) -> None:
    """Notifies the request's mentor (or its aspirant), from the other one; `template` (a gettext_noop
    msgid) and `params` are put into words in the reader's language when shown."""
    recipient, other = (request.mentor, request.aspirant) if mentor else (request.aspirant, request.mentor)
    external.notify(recipient=recipient, kind=kind, template=template, params=params, url=_request_url(request),
                    actor=other if from_other else None, email_if_offline=email_if_offline)


@transaction.atomic
def request_accept(*, request: MentorshipRequest, acting_user: User, plan_template: str = "",
                   version: int | None = None) -> Mentorship:
    """The mentor accepts: a mentorship starts with its private room and, if chosen, a plan template.

    `version` is the request's version the mentor read (the form sends it back); without it, the version
    of the `request` passed in. If the aspirant answered a question since, the mentor is asked to read it.
    """
    seen = request.version if version is None else version
    request = _locked_request(request)
    _require_mentor_of(request, acting_user)
    _require_open(request)
    if seen != request.version:
        raise ValidationError(
            _("%(name)s changed this request after you opened it. Read it again before you accept.")
            % {"name": request.aspirant.display_name},
            code="changed",
        )
    profile = _locked_profile(mentor_id=request.mentor_id)
    if profile is None or profile.places_left <= 0:
        raise ValidationError(
            _("You have no free place. Raise your capacity or complete a mentorship first."), code="no_places"
        )
    if Mentorship.objects.filter(
        mentor_id=request.mentor_id, mentee_id=request.aspirant_id, status__in=Mentorship.RUNNING_STATUSES
    ).exists():
        raise ValidationError(_("You already mentor this person."), code="already_mentored")
    if plan_template and plan_template not in PLAN_TEMPLATES:
        raise ValidationError(_("Choose a plan from the list."), code="plan")
    now = timezone.now()
    _move(request, RequestStatus.ACCEPTED, now=now, responded=True, decided=True)

    mentor, mentee = request.mentor, request.aspirant
    mentorship = Mentorship.objects.create(
        mentor=mentor, mentee=mentee, request=request, goal=request.goal, started_at=now,
        cluster=_shared_cluster(mentor=mentor, mentee=mentee),
    )
    # The room's name is put into words by messaging when shown, in the reader's language.
    mentorship.room = external.room_for_mentorship(mentor=mentor, mentee=mentee)
    mentorship.save(update_fields=["room"])
    if plan_template:
        _apply_template(mentorship=mentorship, template_key=plan_template)
    _seed_from_gaps(mentorship=mentorship, mentee=mentee)
    MentorProfile.objects.filter(pk=profile.pk).update(active_mentees=F("active_mentees") + 1)
    _refresh_responsiveness(mentor_id=mentor.pk)
    external.notify(
        recipient=mentee,
        kind="mentoring.request_accepted",
        template=N_("%(name)s accepted your mentorship request."), params={"name": mentor.display_name},
        url=mentorship.get_absolute_url(),
        actor=mentor,
        email_if_offline=True,
    )
    return mentorship


@transaction.atomic
def request_decline(*, request: MentorshipRequest, acting_user: User, reason: str) -> MentorshipRequest:
    request = _locked_request(request)
    _require_mentor_of(request, acting_user)
    _require_open(request)
    reason = _written(reason, missing=_("Say briefly why, so the firm can look for the right mentor."), code="reason")
    _move(request, RequestStatus.DECLINED, now=timezone.now(), responded=True, decided=True, decline_reason=reason)
    _refresh_responsiveness(mentor_id=request.mentor_id)
    _tell(request, mentor=False, kind="mentoring.request_declined", email_if_offline=True,
          template=N_("%(name)s cannot mentor you now: “%(reason)s”"),
          params={"name": request.mentor.display_name, "reason": Truncator(reason).chars(120)})
    return request


@transaction.atomic
def request_ask_info(*, request: MentorshipRequest, acting_user: User, question: str) -> MentorshipRequest:
    """The mentor asks for more information; the aspirant then has a full period to answer."""
    request = _locked_request(request)
    _require_mentor_of(request, acting_user)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request is not waiting for you."), code="not_pending")
    question = _written(question, missing=_("Write your question."), code="question")
    _move(request, RequestStatus.NEEDS_INFO, now=timezone.now(), responded=True, waits_again=True,
          info_question=question, info_answer="")
    _refresh_responsiveness(mentor_id=request.mentor_id)
    _tell(request, mentor=False, kind="mentoring.request_question", email_if_offline=True,
          template=N_("%(name)s asks about your mentorship request: “%(question)s”"),
          params={"name": request.mentor.display_name, "question": Truncator(question).chars(120)})
    return request


@transaction.atomic
def request_answer_info(*, request: MentorshipRequest, acting_user: User, answer: str) -> MentorshipRequest:
    request = _locked_request(request)
    _require_aspirant_of(request, acting_user)
    if request.status != RequestStatus.NEEDS_INFO:
        raise ValidationError(_("The mentor has not asked you anything."), code="not_needs_info")
    answer = _written(answer, missing=_("Write your answer."), code="answer")
    _move(request, RequestStatus.PENDING, now=timezone.now(), waits_again=True, info_answer=answer)
    _tell(request, mentor=True, kind="mentoring.request_answer",
          template=N_("%(name)s answered your question about their mentorship request."),
          params={"name": request.aspirant.display_name})
    return request


@transaction.atomic
def request_withdraw(*, request: MentorshipRequest, acting_user: User) -> MentorshipRequest:
    request = _locked_request(request)
    _require_aspirant_of(request, acting_user)
    _require_open(request)
    rate_limit(action="mentorship_withdraw", user=acting_user)
    _move(request, RequestStatus.WITHDRAWN, now=timezone.now(), decided=True)
    return request


@transaction.atomic
def request_expire(*, request: MentorshipRequest, now: datetime.datetime | None = None) -> bool:
    """Closes an open request whose time is up. Returns False when there was nothing to do (answered
    meanwhile, or not yet due)."""
    now = now or timezone.now()
    request = _locked_request(request)
    if not request.is_open or request.expires_at > now:
        return False
    _move(request, RequestStatus.EXPIRED, now=now, decided=True)
    _refresh_responsiveness(mentor_id=request.mentor_id)
    _tell(request, mentor=False, kind="mentoring.request_expired", from_other=False,
          template=N_("Your mentorship request to %(name)s expired. You can ask another mentor."),
          params={"name": request.mentor.display_name})
    return True


@transaction.atomic
def request_warn_expiry(*, request: MentorshipRequest, now: datetime.datetime | None = None) -> bool:
    """Tells whoever must act that an open request is about to expire; once per waiting period."""
    now = now or timezone.now()
    request = _locked_request(request)
    if not request.is_open or request.expiry_warned_at is not None or request.expires_at <= now:
        return False
    request.expiry_warned_at = now
    request.save(update_fields=["expiry_warned_at"])
    to_mentor = request.status == RequestStatus.PENDING
    if to_mentor:
        other = request.aspirant
        text = N_("The mentorship request from %(name)s expires on %(date)s. Accept, decline or ask "
                  "a question before then.")
    else:
        other = request.mentor
        text = N_("%(name)s is waiting for your answer; your mentorship request expires on %(date)s.")
    expires = timezone.localtime(request.expires_at).date()
    _tell(request, mentor=to_mentor, kind="mentoring.request_expiring", from_other=False, email_if_offline=True,
          template=text, params={"name": other.display_name, "date": expires})
    return True


# --- Mentorships -------------------------------------------------------------------------------


def _locked_mentorship(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.select_for_update(no_key=True, of=("self",)).select_related("mentor", "mentee", "room", "cluster").get(
        pk=mentorship.pk
    )


def _require_side(mentorship: Mentorship, user: User) -> None:
    if user.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise PermissionDenied(_("Only the mentor and the mentee can do that."))


def _require_running(mentorship: Mentorship) -> None:
    if not mentorship.is_running:
        raise ValidationError(_("This mentorship has ended."), code="not_running")


@transaction.atomic
def mentorship_pause(*, mentorship: Mentorship, acting_user: User) -> Mentorship:
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("Only an active mentorship can be paused."), code="not_active")
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.save(update_fields=["status"])
    return mentorship


@transaction.atomic
def mentorship_resume(*, mentorship: Mentorship, acting_user: User) -> Mentorship:
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    if mentorship.status != MentorshipStatus.PAUSED:
        raise ValidationError(_("Only a paused mentorship can be resumed."), code="not_paused")
    mentorship.status = MentorshipStatus.ACTIVE
    mentorship.save(update_fields=["status"])
    return mentorship


@transaction.atomic
def mentorship_end(*, mentorship: Mentorship, acting_user: User, reason: str, completed: bool = False) -> Mentorship:
    """Either side closes the mentorship: completed (the plan is done) or ended early, with a reason.

    The mentor's place is freed and the room archived (its history stays readable).
    """
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    reason = _clean_text(reason)
    if not reason and not completed:
        raise ValidationError(_("Say briefly why the mentorship ends."), code="reason")
    mentorship.status = MentorshipStatus.COMPLETED if completed else MentorshipStatus.ENDED
    mentorship.ended_at = timezone.now()
    mentorship.ended_by = acting_user
    mentorship.end_reason = reason
    mentorship.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    if mentorship.room is not None:
        external.room_close(room=mentorship.room)
    followups_schedule(mentorship=mentorship)
    # The mentor's profile last (docs/ARCHITECTURE.md, "Lock order"): after the mentorship and its room.
    MentorProfile.objects.filter(user_id=mentorship.mentor_id).update(active_mentees=Greatest(F("active_mentees") - 1, 0))
    other = mentorship.other_side(acting_user)
    external.notify(
        recipient=other,
        kind="mentoring.mentorship_ended",
        template=(
            N_("%(name)s marked your mentorship as completed. Tell us how it went.")
            if completed else N_("%(name)s ended your mentorship: “%(reason)s”")
        ),
        params={"name": acting_user.display_name, "reason": Truncator(reason).chars(120)},
        url=mentorship.get_absolute_url(),
        actor=acting_user,
    )
    return mentorship


@transaction.atomic
def mentorship_record_outcome(
    *, mentorship: Mentorship, acting_user: User, outcome: str, markets: Iterable[str] = ()
) -> Mentorship:
    """Did the firm start or restart exporting, and to which markets: what the agency dashboard counts."""
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    if outcome not in Mentorship.Outcome.values:
        raise ValidationError(_("Choose an outcome from the list."), code="outcome")
    markets = _check_countries(markets)
    if outcome in (Mentorship.Outcome.STARTED, Mentorship.Outcome.RESTARTED) and not markets:
        raise ValidationError(_("Say to which market the firm exports."), code="markets")
    mentorship.outcome = outcome
    mentorship.outcome_markets = markets if outcome != Mentorship.Outcome.NOT_YET else []
    mentorship.outcome_recorded_at = timezone.now()
    mentorship.save(update_fields=["outcome", "outcome_markets", "outcome_recorded_at"])
    external.outcome_reported(mentorship=mentorship)
    return mentorship


@transaction.atomic
def feedback_give(*, mentorship: Mentorship, acting_user: User, rating: int, text: str = "") -> Feedback:
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    if mentorship.is_running:
        raise ValidationError(_("Feedback is given when the mentorship is completed or ended."), code="running")
    if not 1 <= int(rating) <= 5:
        raise ValidationError(_("Give a rating from 1 to 5."), code="rating")
    if Feedback.objects.filter(mentorship=mentorship, author=acting_user).exists():
        raise ValidationError(_("You already gave your feedback."), code="duplicate")
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                mentorship=mentorship, author=acting_user, rating=int(rating), text=_clean_text(text, limit=4000)
            )
    except IntegrityError:
        raise ValidationError(_("You already gave your feedback."), code="duplicate") from None


# --- The plan ------------------------------------------------------------------------------------


def _apply_template(*, mentorship: Mentorship, template_key: str) -> Goal:
    template = PLAN_TEMPLATES[template_key]
    position = mentorship.goals.count()
    # The titles are kept as a fallback; the pages show them from the template, in the reader's language.
    goal = Goal.objects.create(
        mentorship=mentorship, title=str(template.title), source=template.key, position=position
    )
    Milestone.objects.bulk_create(
        Milestone(goal=goal, title=str(title), source=f"{template.key}:{i}", position=i)
        for i, title in enumerate(template.milestones)
    )
    return goal


def _seed_from_gaps(*, mentorship: Mentorship, mentee: User) -> Goal | None:
    """A goal with a milestone for each of the mentee's largest export-readiness gaps (mentoring.gaps),
    if they have any; its words are rendered in the reader's language from its source."""
    found = gaps.gaps_of(mentee)[:SEEDED_GAPS]
    if not found:
        return None
    goal = Goal.objects.create(
        mentorship=mentorship, source=gaps.SOURCE, position=mentorship.goals.count(),
        title=gaps.milestone_text(gaps.SOURCE) or gaps.SOURCE,
    )
    Milestone.objects.bulk_create(
        Milestone(goal=goal, source=f"{gaps.SOURCE}:{gap.key}", position=i,
                  title=(gaps.milestone_text(f"{gaps.SOURCE}:{gap.key}") or gap.label)[:200])
        for i, gap in enumerate(found)
    )
    return goal


@transaction.atomic
def plan_apply_template(*, mentorship: Mentorship, acting_user: User, template_key: str) -> Goal:
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    if template_key not in PLAN_TEMPLATES:
        raise ValidationError(_("Choose a plan from the list."), code="plan")
    return _apply_template(mentorship=mentorship, template_key=template_key)


@transaction.atomic
def goal_add(*, mentorship: Mentorship, acting_user: User, title: str) -> Goal:
    mentorship = _locked_mentorship(mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    title = _clean_text(title, limit=200)
    if not title:
        raise ValidationError(_("Name the goal."), code="title")
    return Goal.objects.create(mentorship=mentorship, title=title, position=mentorship.goals.count())


@transaction.atomic
def goal_delete(*, goal: Goal, acting_user: User) -> None:
    mentorship = _locked_mentorship(goal.mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    Goal.objects.filter(pk=goal.pk, mentorship=mentorship).delete()


@transaction.atomic
def milestone_add(*, goal: Goal, acting_user: User, title: str, due_on: datetime.date | None = None) -> Milestone:
    mentorship = _locked_mentorship(goal.mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    title = _clean_text(title, limit=200)
    if not title:
        raise ValidationError(_("Name the milestone."), code="title")
    # Under the mentorship's lock, which goal_delete takes too: the goal is either still there or gone.
    if not Goal.objects.filter(pk=goal.pk).exists():
        raise ValidationError(_("This goal was removed a moment ago."), code="gone")
    return Milestone.objects.create(goal=goal, title=title, due_on=due_on, position=goal.milestones.count())


@transaction.atomic
def milestone_toggle(*, milestone: Milestone, acting_user: User) -> Milestone:
    """Marks a milestone done, or not done again."""
    mentorship = _locked_mentorship(milestone.goal.mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    milestone = Milestone.objects.select_for_update(no_key=True).filter(pk=milestone.pk).first()
    if milestone is None:
        raise ValidationError(_("This milestone was removed a moment ago."), code="gone")
    if milestone.done_at is None:
        milestone.done_at, milestone.done_by = timezone.now(), acting_user
    else:
        milestone.done_at, milestone.done_by = None, None
    milestone.save(update_fields=["done_at", "done_by"])
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, acting_user: User) -> None:
    mentorship = _locked_mentorship(milestone.goal.mentorship)
    _require_side(mentorship, acting_user)
    _require_running(mentorship)
    Milestone.objects.filter(pk=milestone.pk).delete()


# --- Sessions ----------------------------------------------------------------------------------


def _check_session_fields(*, date: datetime.date, minutes: int, topics: Iterable[str]) -> list[str]:
    if not Session.MIN_MINUTES <= int(minutes) <= Session.MAX_MINUTES:
        raise ValidationError(
            _("A session lasts between %(min)s and %(max)s minutes.")
            % {"min": Session.MIN_MINUTES, "max": Session.MAX_MINUTES},
            code="minutes",
        )
    if date > timezone.localdate():
        raise ValidationError(_("Log a session after it has happened."), code="future")
    return _check_topics(topics)


@transaction.atomic
def session_log(
    *,
    mentorship: Mentorship,
    acting_user: User,
    date: datetime.date,
    minutes: int,
    topics: Iterable[str] = (),
    notes: str = "",
) -> Session:
    """The mentor logs a session; the mentee is asked to confirm it."""
    mentorship = _locked_mentorship(mentorship)
    if acting_user.pk != mentorship.mentor_id:
        raise PermissionDenied(_("Only the mentor logs sessions."))
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("Sessions are logged in an active mentorship."), code="not_active")
    topics = _check_session_fields(date=date, minutes=minutes, topics=topics)
    session = Session.objects.create(
        mentorship=mentorship, logged_by=acting_user, date=date, minutes=int(minutes), topics=topics,
        notes=_clean_text(notes, limit=4000),
    )
    external.notify(
        recipient=mentorship.mentee,
        kind="mentoring.session_to_confirm",
        template=N_("%(name)s logged a %(minutes)s-minute session on %(date)s. Please confirm it."),
        params={"name": acting_user.display_name, "minutes": session.minutes, "date": date},
        url=mentorship.get_absolute_url() + "#sessions",
        actor=acting_user,
        email_if_offline=True,
    )
    return session


def _locked_session(session: Session) -> Session:
    return Session.objects.select_for_update(no_key=True).get(pk=session.pk)


@transaction.atomic
def session_update(
    *,
    session: Session,
    acting_user: User,
    date: datetime.date,
    minutes: int,
    topics: Iterable[str] = (),
    notes: str = "",
) -> Session:
    """The mentor corrects a session that is waiting or was disputed; the mentee is asked again."""
    mentorship = _locked_mentorship(session.mentorship)
    session = _locked_session(session)
    if acting_user.pk != mentorship.mentor_id:
        raise PermissionDenied(_("Only the mentor logs sessions."))
    if session.status == SessionStatus.CONFIRMED:
        raise ValidationError(_("A confirmed session cannot be changed."), code="confirmed")
    topics = _check_session_fields(date=date, minutes=minutes, topics=topics)
    session.date, session.minutes, session.topics = date, int(minutes), topics
    session.notes = _clean_text(notes, limit=4000)
    session.status = SessionStatus.PENDING
    session.version += 1
    session.save(update_fields=["date", "minutes", "topics", "notes", "status", "version"])
    external.notify(
        recipient=mentorship.mentee,
        kind="mentoring.session_to_confirm",
        template=N_("%(name)s corrected the session of %(date)s. Please confirm it."),
        params={"name": acting_user.display_name, "date": date},
        url=mentorship.get_absolute_url() + "#sessions",
        actor=acting_user,
    )
    return session


def _require_version_seen(session: Session, mentorship: Mentorship, seen: int | None) -> None:
    """The mentee decides on the session as it was shown; a change since then asks them again."""
    if seen != session.version:
        raise ValidationError(
            _("%(name)s changed this session after you opened the page: it is now %(minutes)s minutes on "
              "%(date)s. Check the new details and confirm again.")
            % {"name": mentorship.mentor.display_name, "minutes": session.minutes,
               "date": date_format(session.date)},
            code="changed",
        )


@transaction.atomic
def session_confirm(*, session: Session, acting_user: User, version: int | None = None) -> Session:
    """The mentee confirms: the session counts, and the ledger pays the mentor for it, once.

    `version` is the session's version the mentee was shown (a form sends it back); without it, the
    version of the `session` passed in. If the mentor changed the session since, nothing is confirmed.
    The award is granted in this same transaction, keyed by the session, so a double click or a retry
    cannot pay twice and a failed award leaves the session unconfirmed.
    """
    seen = session.version if version is None else version
    mentorship = _locked_mentorship(session.mentorship)
    session = _locked_session(session)
    if acting_user.pk != mentorship.mentee_id:
        raise PermissionDenied(_("Only the mentee confirms a session."))
    if session.status != SessionStatus.PENDING:
        raise ValidationError(_("This session is not waiting for your confirmation."), code="not_pending")
    _require_version_seen(session, mentorship, seen)
    session.status = SessionStatus.CONFIRMED
    session.decided_at = timezone.now()
    session.save(update_fields=["status", "decided_at"])
    external.session_pay(
        beneficiary=mentorship.mentor,
        cluster=mentorship.cluster,
        source_ref=session.source_ref,
        # Kept in English with the award; pages render description_params in their reader's language.
        description=f"Mentoring session with {mentorship.mentee.display_name} on {session.date.isoformat()} "
                    f"({session.minutes} min)",
        description_params={"mentee": mentorship.mentee.display_name, "date": session.date.isoformat(),
                            "minutes": session.minutes},
        work_date=session.date,
        caused_by=acting_user,
        minutes=session.minutes,
    )
    external.notify(
        recipient=mentorship.mentor,
        kind="mentoring.session_confirmed",
        template=N_("%(name)s confirmed the session of %(date)s."),
        params={"name": acting_user.display_name, "date": session.date},
        url=mentorship.get_absolute_url() + "#sessions",
        actor=acting_user,
    )
    return session


@transaction.atomic
def session_dispute(*, session: Session, acting_user: User, reason: str, version: int | None = None) -> Session:
    """The mentee says what is wrong with the session as it was shown (`version`, as in session_confirm)."""
    seen = session.version if version is None else version
    mentorship = _locked_mentorship(session.mentorship)
    session = _locked_session(session)
    if acting_user.pk != mentorship.mentee_id:
        raise PermissionDenied(_("Only the mentee can dispute a session."))
    if session.status != SessionStatus.PENDING:
        raise ValidationError(_("This session is not waiting for your confirmation."), code="not_pending")
    _require_version_seen(session, mentorship, seen)
    reason = _clean_text(reason)
    if not reason:
        raise ValidationError(_("Say what is wrong with this session."), code="reason")
    session.status = SessionStatus.DISPUTED
    session.dispute_reason = reason
    session.decided_at = timezone.now()
    session.save(update_fields=["status", "dispute_reason", "decided_at"])
    external.notify(
        recipient=mentorship.mentor,
        kind="mentoring.session_disputed",
        template=N_("%(name)s disputed the session of %(date)s: “%(reason)s”"),
        params={"name": acting_user.display_name, "date": session.date, "reason": Truncator(reason).chars(120)},
        url=mentorship.get_absolute_url() + "#sessions",
        actor=acting_user,
    )
    return session
