"""Outcome follow-ups: every write about them (scheduling, asking, answering), one transaction each.

When a mentorship ends, the mentee's firm is asked 3, 6 and 12 months later whether it exports, to
which markets, roughly how much and to how many new buyers. The due dates are calendar months after
the day the mentorship ended *where the firm is* (31 August + 6 months is the last day of February).
`followups_send` asks for the due ones; the firm answers and may correct its answer for
FOLLOWUP_EDIT_DAYS; a facilitator of the mentorship's cluster may record an answer given by phone.
Every answer or correction leaves an OutcomeFollowUpChange.
"""

import calendar
import datetime
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clusters import access
from clusters.models import Firm, FirmMember, User
from clusters.services import country_codes
from mentoring import external
from mentoring.models import Mentorship, OutcomeFollowUp, OutcomeFollowUpChange

FOLLOWUP_MONTHS = (3, 6, 12)
FOLLOWUP_EDIT_DAYS = 14
MAX_NEW_BUYERS = 100_000

# People and firms carry a country but no time zone; this is the zone of each country's capital (or
# main business centre) for the countries Puente serves. Elsewhere the site's TIME_ZONE is used.
COUNTRY_ZONES = {
    "AR": "America/Argentina/Buenos_Aires", "BO": "America/La_Paz", "BR": "America/Sao_Paulo",
    "BZ": "America/Belize", "CL": "America/Santiago", "CO": "America/Bogota", "CR": "America/Costa_Rica",
    "CU": "America/Havana", "DO": "America/Santo_Domingo", "EC": "America/Guayaquil", "ES": "Europe/Madrid",
    "GT": "America/Guatemala", "GY": "America/Guyana", "HN": "America/Tegucigalpa", "HT": "America/Port-au-Prince",
    "JM": "America/Jamaica", "MX": "America/Mexico_City", "NI": "America/Managua", "PA": "America/Panama",
    "PE": "America/Lima", "PR": "America/Puerto_Rico", "PT": "Europe/Lisbon", "PY": "America/Asuncion",
    "SR": "America/Paramaribo", "SV": "America/El_Salvador", "TT": "America/Port_of_Spain",
    "US": "America/New_York", "UY": "America/Montevideo", "VE": "America/Caracas",
}

Band = OutcomeFollowUp.ValueBand


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, or the month's last day when it is shorter."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def zone_for(*, firm: Firm | None, person: User | None = None) -> zoneinfo.ZoneInfo:
    """The firm's time zone (from its country), else the person's, else the site's."""
    for country in (getattr(firm, "country", ""), getattr(person, "country", "")):
        code = getattr(country, "code", country) or ""
        if code in COUNTRY_ZONES:
            return zoneinfo.ZoneInfo(COUNTRY_ZONES[code])
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _mentee_firm(mentorship: Mentorship) -> Firm | None:
    member = (
        FirmMember.objects.filter(user_id=mentorship.mentee_id, status=FirmMember.Status.ACTIVE)
        .select_related("firm")
        .first()
    )
    return member.firm if member else None


def followups_schedule(*, mentorship: Mentorship) -> list[OutcomeFollowUp]:
    """Creates the 3-, 6- and 12-month follow-ups of a mentorship that has just ended.

    Called by mentorship_end inside its transaction (no permission of its own). The firm asked is the
    mentee's: the mentor's firm already exports, and its answers would say nothing about the
    mentorship's outcome. A mentee without a firm is not followed up. Scheduling twice is harmless.
    """
    if mentorship.ended_at is None:
        raise ValidationError("A mentorship is followed up once it has ended.", code="running")
    firm = _mentee_firm(mentorship)
    if firm is None:
        return []
    ended_on = mentorship.ended_at.astimezone(zone_for(firm=firm, person=mentorship.mentee)).date()
    OutcomeFollowUp.objects.bulk_create(
        [
            OutcomeFollowUp(firm=firm, mentorship=mentorship, months=months, due_on=add_months(ended_on, months))
            for months in FOLLOWUP_MONTHS
        ],
        ignore_conflicts=True,
    )
    return list(OutcomeFollowUp.objects.filter(mentorship=mentorship, firm=firm).order_by("months"))


def local_today(*, followup: OutcomeFollowUp, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(zone_for(firm=followup.firm)).date()


def is_due(*, followup: OutcomeFollowUp, now: datetime.datetime | None = None) -> bool:
    return followup.due_on <= local_today(followup=followup, now=now)


def edit_deadline(followup: OutcomeFollowUp) -> datetime.datetime | None:
    if followup.answered_at is None:
        return None
    return followup.answered_at + datetime.timedelta(days=FOLLOWUP_EDIT_DAYS)


def window_open(*, followup: OutcomeFollowUp, now: datetime.datetime | None = None) -> bool:
    """Due where the firm is, and not answered yet or answered less than FOLLOWUP_EDIT_DAYS ago."""
    now = now or timezone.now()
    if not is_due(followup=followup, now=now):
        return False
    return followup.answered_at is None or now <= edit_deadline(followup)


def can_answer(*, followup: OutcomeFollowUp, user: User, now: datetime.datetime | None = None) -> bool:
    """A member of the firm, while the window is open."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not FirmMember.objects.filter(firm_id=followup.firm_id, user=user, status=FirmMember.Status.ACTIVE).exists():
        return False
    return window_open(followup=followup, now=now)


def can_record_by_phone(*, followup: OutcomeFollowUp, user: User, now: datetime.datetime | None = None) -> bool:
    """A facilitator of the mentorship's cluster, while the same window is open."""
    cluster = followup.mentorship.cluster
    if cluster is None or not access.may_facilitate(user=user, cluster=cluster):
        return False
    return window_open(followup=followup, now=now)


def _clean_answer(*, exporting: bool | None, markets: Iterable[str], value_band: str,
                  new_buyers: int | None) -> dict:
    if exporting is None:
        raise ValidationError(_("Say whether the firm exports now."), code="exporting")
    known = country_codes()
    codes = []
    for code in markets:
        code = (code or "").strip().upper()
        if code not in known:
            raise ValidationError(_("“%(code)s” is not a country we know.") % {"code": code}, code="markets")
        if code not in codes:
            codes.append(code)
    if value_band and value_band not in Band.values:
        raise ValidationError(_("Choose a value band from the list."), code="value_band")
    if new_buyers is not None and not 0 <= int(new_buyers) <= MAX_NEW_BUYERS:
        raise ValidationError(_("Give the number of new buyers as a whole number."), code="new_buyers")
    if exporting and not codes:
        raise ValidationError(_("Say to which market the firm exports."), code="markets")
    if not exporting:
        codes = []
        value_band = value_band if value_band in ("", Band.NONE) else Band.NONE
    return {
        "exporting": bool(exporting), "markets": codes, "value_band": value_band or "",
        "new_buyers": None if new_buyers is None else int(new_buyers),
    }


@transaction.atomic
def followup_answer(
    *,
    followup: OutcomeFollowUp,
    acting_user: User,
    exporting: bool | None,
    markets: Iterable[str] = (),
    value_band: str = "",
    new_buyers: int | None = None,
    by_phone: bool = False,
    now: datetime.datetime | None = None,
) -> OutcomeFollowUp:
    """The firm answers (or corrects its answer within the window), or a facilitator records a phone answer.

    The answer's date (answered_at) is the first answer's; corrections keep it, so the window does not
    slide. Each call leaves a change row with who, when, how and what.
    """
    now = now or timezone.now()
    followup = (
        OutcomeFollowUp.objects.select_for_update(of=("self",))
        .select_related("firm", "mentorship__cluster")
        .get(pk=followup.pk)
    )
    allowed = can_record_by_phone if by_phone else can_answer
    if not allowed(followup=followup, user=acting_user, now=now):
        if followup.answered_at is not None and now > edit_deadline(followup):
            raise ValidationError(
                _("This answer can no longer be changed: answers can be corrected for %(days)s days.")
                % {"days": FOLLOWUP_EDIT_DAYS},
                code="closed",
            )
        if not is_due(followup=followup, now=now):
            raise ValidationError(_("This follow-up is not due yet."), code="not_due")
        if by_phone:
            raise PermissionDenied(_("Only a facilitator of this cluster can record an answer given by phone."))
        raise PermissionDenied(_("Only people of this firm can answer for it."))
    answer = _clean_answer(exporting=exporting, markets=markets, value_band=value_band, new_buyers=new_buyers)
    first_answer = followup.answered_at is None
    followup.exporting = answer["exporting"]
    followup.markets = answer["markets"]
    followup.value_band = answer["value_band"]
    followup.new_buyers = answer["new_buyers"]
    followup.recorded_by = acting_user
    followup.by_phone = by_phone
    if followup.answered_at is None:
        followup.answered_at = now
    followup.save(update_fields=["exporting", "markets", "value_band", "new_buyers", "recorded_by", "by_phone",
                                 "answered_at"])
    OutcomeFollowUpChange.objects.create(
        followup=followup, changed_by=acting_user, changed_at=now, by_phone=by_phone, answer=answer
    )
    if first_answer:  # a correction within the window is not news for the agency's systems
        external.outcome_reported(mentorship=followup.mentorship, followup=followup)
    return followup


def _recipients(followup: OutcomeFollowUp) -> list[User]:
    """The mentee while still in the firm; otherwise the firm's owners."""
    members = list(
        FirmMember.objects.filter(firm_id=followup.firm_id, status=FirmMember.Status.ACTIVE, user__is_active=True)
        .select_related("user")
    )
    mentee = [m.user for m in members if m.user_id == followup.mentorship.mentee_id]
    return mentee or [m.user for m in members if m.role == FirmMember.Role.OWNER]


def _email(*, followup: OutcomeFollowUp, person: User) -> None:
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("[Puente] %(firm)s, %(months)s months on: do you export now?") % {
            "firm": followup.firm.name, "months": followup.months}
        body = "\n\n".join([
            _("Hello %(name)s,") % {"name": person.display_name},
            _("%(months)s months ago your mentorship with %(mentor)s ended. Tell us in two minutes whether "
              "%(firm)s exports now, to which markets and to how many new buyers: your answer helps the "
              "agency that pays for the mentoring keep it going.")
            % {"months": followup.months, "mentor": followup.mentorship.mentor.display_name,
               "firm": followup.firm.name},
            f"{settings.SITE_URL}{reverse('mentoring:followup', args=[followup.pk])}",
        ])
    if person.email:
        transaction.on_commit(
            lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[person.email],
                              fail_silently=True)
        )


def followups_send(*, now: datetime.datetime | None = None) -> int:
    """Asks for every follow-up that is due and not yet asked: an email to each recipient, in their
    language, and the task on their home page. Idempotent: asked_at is set in the same transaction,
    under a row lock, so a second run (or two at once) sends nothing twice. Returns how many were asked.
    """
    now = now or timezone.now()
    candidates = OutcomeFollowUp.objects.filter(
        asked_at__isnull=True, answered_at__isnull=True,
        due_on__lte=(now + datetime.timedelta(days=1)).date(),
    ).values_list("pk", flat=True)
    asked = 0
    for pk in list(candidates):
        with transaction.atomic():
            followup = (
                OutcomeFollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("firm", "mentorship__mentor")
                .filter(pk=pk, asked_at__isnull=True, answered_at__isnull=True)
                .first()
            )
            if followup is None or not is_due(followup=followup, now=now):
                continue
            for person in _recipients(followup):
                _email(followup=followup, person=person)
            followup.asked_at = now
            followup.save(update_fields=["asked_at"])
            asked += 1
    return asked
