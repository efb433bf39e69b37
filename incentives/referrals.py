"""Referrals: an agency points a firm to another agency's program; the firm consents or declines.

    referral_create(*, from_agency, acting_user, firm, program, note) -> Referral
    referral_answer(*, referral, acting_user, consent, share_history=False) -> Referral
    register_history(key, *, provide)      # provide(firm) -> list[HistoryItem], a fixed number of queries
    firm_history(*, referral) -> list[HistoryItem]

A firm can be referred by an agency that reached it (one of its people is an active member of a cluster
the agency sponsors) to an active program of another agency. Any active member of the firm answers.
When it consents it also chooses whether the receiving agency may see its Puente history; the
receiving agency sees the referral once the firm consented, and the history only if it was shared.

The history comes from the apps above incentives (mentorships, follow-ups, answers): each registers a
provider at start-up, so incentives imports none of them. A provider returns items whose `text` is
rendered when it is called, in the reader's active language.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Agency, ClusterMembership, Firm, FirmMember, User
from incentives.awards import is_agency_staff
from incentives.models import AuditEntry, Award, Program, Referral


@dataclass(frozen=True)
class HistoryItem:
    day: datetime.date
    text: str


_history: dict[str, Callable[[Firm], list[HistoryItem]]] = {}


def register_history(key: str, *, provide: Callable[[Firm], list[HistoryItem]]) -> None:
    """Adds (or replaces) an app's part of a firm's Puente history under `key` (the app's name)."""
    _history[key] = provide


def firms_reached_by(*, agency: Agency):
    """Firms with an active member in an active membership of a cluster the agency sponsors."""
    return Firm.objects.filter(
        members__status=FirmMember.Status.ACTIVE,
        members__user__memberships__status=ClusterMembership.Status.ACTIVE,
        members__user__memberships__cluster__agency=agency,
    ).distinct()


def programs_open_to_referrals(*, agency: Agency):
    """Other agencies' programs running today (or later)."""
    today = timezone.localdate()
    return (Program.objects.exclude(agency=agency).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .select_related("agency").order_by("agency__name", "name"))


def _audit(*, agencies, actor: User, action: str, referral: Referral, reason: str = "") -> None:
    AuditEntry.objects.bulk_create([
        AuditEntry(agency_id=agency_id, actor=actor, action=action, reason=reason[:300],
                   target=f"referral {referral.pk}: {referral.firm.name} → {referral.program.name}"[:200],
                   data={"referral": referral.pk, "firm": referral.firm_id, "program": referral.program_id,
                         "status": referral.status, "share_history": referral.share_history})
        for agency_id in dict.fromkeys(agencies)
    ])


@transaction.atomic
def referral_create(*, from_agency: Agency, acting_user: User, firm: Firm, program: Program, note: str) -> Referral:
    if not is_agency_staff(user=acting_user, agency_id=from_agency.pk):
        raise PermissionDenied(_("Only staff of this agency can do that."))
    if program.agency_id == from_agency.pk:
        raise ValidationError(_("Refer firms to another agency's programs."), code="own_program")
    if not programs_open_to_referrals(agency=from_agency).filter(pk=program.pk).exists():
        raise ValidationError(_("This program has ended."), code="ended")
    if not firms_reached_by(agency=from_agency).filter(pk=firm.pk).exists():
        raise ValidationError(_("Your agency can refer only firms it works with in its clusters."), code="firm")
    note = note.strip()
    if not note:
        raise ValidationError(_("Write a note for the firm and the agency."), code="note")
    try:
        with transaction.atomic():
            referral = Referral.objects.create(firm=firm, from_agency=from_agency, to_agency_id=program.agency_id,
                                               program=program, note=note[:600], created_by=acting_user)
    except IntegrityError:
        raise ValidationError(_("This firm already has a referral to this program waiting for its answer."),
                              code="duplicate") from None
    _audit(agencies=[from_agency.pk], actor=acting_user, action="referral.create", referral=referral, reason=note)
    return referral


@transaction.atomic
def referral_answer(*, referral: Referral, acting_user: User, consent: bool, share_history: bool = False) -> Referral:
    """A member of the firm accepts the referral (and chooses whether to share its history) or declines it."""
    referral = Referral.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "firm", "program").get(pk=referral.pk)
    if not FirmMember.objects.filter(firm_id=referral.firm_id, user=acting_user,
                                     status=FirmMember.Status.ACTIVE).exists():
        raise PermissionDenied(_("Only the firm's members can answer its referrals."))
    if referral.status != Referral.Status.WAITING:
        raise ValidationError(_("This referral was already answered."), code="status")
    referral.status = Referral.Status.CONSENTED if consent else Referral.Status.DECLINED
    referral.share_history = bool(consent and share_history)
    referral.answered_by, referral.answered_at = acting_user, timezone.now()
    referral.save(update_fields=["status", "share_history", "answered_by", "answered_at"])
    agencies = [referral.from_agency_id] + ([referral.to_agency_id] if consent else [])
    _audit(agencies=agencies, actor=acting_user, action="referral.consent" if consent else "referral.decline",
           referral=referral)
    return referral


def _awards_history(firm: Firm) -> list[HistoryItem]:
    """Credits the firm's people earned, per year: 1 query."""
    rows = (Award.objects.filter(beneficiary_firm=firm, status=Award.Status.APPROVED)
            .values_list("created_at__year").annotate(total=Sum("credits"), last=Max("created_at"))
            .order_by("created_at__year"))
    return [HistoryItem(timezone.localdate(last),
                        _("%(year)s: its mentors earned %(credits)s credits for their help to other firms")
                        % {"year": year, "credits": total}) for year, total, last in rows]


register_history("incentives", provide=_awards_history)


def firm_history(*, referral: Referral) -> list[HistoryItem]:
    """What the firm agreed to share with the receiving agency, newest first ([] when it did not)."""
    if referral.status != Referral.Status.CONSENTED or not referral.share_history:
        return []
    items = [item for provide in _history.values() for item in provide(referral.firm)]
    return sorted(items, key=lambda item: item.day, reverse=True)
