"""Every write of the readiness assessment. Views, the demo and tests call these.

An assessment belongs to a firm: any of its active people may take it, continue it where another left
off, or retake it later. Each step's answers are saved as they are sent, so nothing is lost when a phone
goes offline between steps. Locks: the assessment row only (a subject, level 1 in docs/ARCHITECTURE.md).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Firm, FirmMember, User
from readiness import questionnaire
from readiness.models import Assessment


def firm_of(*, user: User) -> Firm | None:
    """The firm the person is an active member of: 1 query."""
    if not user.is_authenticated:
        return None
    return Firm.objects.filter(members__user=user, members__status=FirmMember.Status.ACTIVE).first()


def _require_member(*, firm_id: int, user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Only people of this firm can do that."))
    if user.is_superuser:
        return
    if not FirmMember.objects.filter(firm_id=firm_id, user=user, status=FirmMember.Status.ACTIVE).exists():
        raise PermissionDenied(_("Only people of this firm can do that."))


@transaction.atomic
def assessment_start(*, user: User) -> Assessment:
    """The firm's assessment in progress, or a new one (a first take or a retake)."""
    firm = firm_of(user=user)
    if firm is None:
        raise ValidationError(_("Register your firm or join it first: the assessment is about a firm."),
                              code="no_firm")
    current = Assessment.objects.filter(firm=firm, completed_at__isnull=True).first()
    if current is not None:
        return current
    previous = Assessment.objects.filter(firm=firm, completed_at__isnull=False).order_by("-completed_at").first()
    try:
        with transaction.atomic():
            return Assessment.objects.create(
                firm=firm, taken_by=user, share_on_profile=bool(previous and previous.share_on_profile)
            )
    except IntegrityError:
        # Two people of the firm starting at the same moment: the unique constraint keeps one open.
        return Assessment.objects.get(firm=firm, completed_at__isnull=True)


@transaction.atomic
def assessment_answer_step(*, assessment: Assessment, acting_user: User, step: int, answers: dict) -> Assessment:
    """Saves one step's answers (every question of its area); after the last step the assessment is
    scored and completed. An earlier step may be answered again while the assessment is open."""
    assessment = Assessment.objects.select_for_update(no_key=True).get(pk=assessment.pk)
    _require_member(firm_id=assessment.firm_id, user=acting_user)
    if assessment.is_complete:
        raise ValidationError(_("This assessment is finished. Start a new one to answer again."), code="complete")
    if not 0 <= step < questionnaire.STEPS or step > assessment.step:
        raise ValidationError(_("Answer the steps in order."), code="step")
    area = questionnaire.AREAS[step]
    given = questionnaire.clean_answers({q.key: answers.get(q.key) for q in area.questions if q.key in answers})
    if len(given) != len(area.questions):
        raise ValidationError(_("Answer every question of this step."), code="incomplete")
    assessment.answers = {**assessment.answers, **given}
    assessment.step = max(assessment.step, step + 1)
    fields = ["answers", "step"]
    if assessment.step >= questionnaire.STEPS and all(q.key in assessment.answers for q in questionnaire.QUESTIONS):
        assessment.scores = questionnaire.scores(assessment.answers)
        assessment.overall = questionnaire.overall(assessment.scores)
        assessment.completed_at = timezone.now()
        assessment.taken_by = acting_user
        fields += ["scores", "overall", "completed_at", "taken_by"]
    assessment.save(update_fields=fields)
    return assessment


@transaction.atomic
def assessment_set_sharing(*, assessment: Assessment, acting_user: User, share: bool) -> Assessment:
    """The firm's consent to show its level and gaps on its profile, given or taken back."""
    assessment = Assessment.objects.select_for_update(no_key=True).get(pk=assessment.pk)
    _require_member(firm_id=assessment.firm_id, user=acting_user)
    assessment.share_on_profile = bool(share)
    assessment.save(update_fields=["share_on_profile"])
    return assessment
