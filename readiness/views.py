from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from readiness import questionnaire, selectors, services
from readiness.forms import ShareForm, StepForm


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


@login_required
@require_safe
def index(request):
    firm = services.firm_of(user=request.user)
    assessments = selectors.assessments_of_firm(firm_id=firm.pk) if firm else []
    open_one = next((a for a in assessments if not a.is_complete), None)
    done = selectors.history(assessments)
    return render(request, "readiness/index.html", {
        "firm": firm, "open_one": open_one, "latest": done[-1] if done else None, "history": done,
        "areas": questionnaire.AREAS, "steps": questionnaire.STEPS,
        "questions": len(questionnaire.QUESTIONS),
    })


@login_required
@require_POST
def start(request):
    try:
        assessment = services.assessment_start(user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("readiness:index")
    return redirect("readiness:step", assessment.pk, min(assessment.step, questionnaire.STEPS - 1) + 1)


@login_required
@require_http_methods(["GET", "POST"])
def step(request, assessment_id, number):
    assessment = selectors.assessment_for_user(user=request.user, assessment_id=assessment_id)
    if assessment.is_complete:
        return redirect(assessment)
    if not 1 <= number <= questionnaire.STEPS:
        raise Http404
    if number - 1 > assessment.step:  # not there yet: the first step still unanswered
        return redirect("readiness:step", assessment.pk, assessment.step + 1)
    area = questionnaire.AREAS[number - 1]
    saved = {q.key: assessment.answers[q.key] for q in area.questions if q.key in assessment.answers}
    form = StepForm(request.POST or None, area=area, initial=saved)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_answer_step(
                assessment=assessment, acting_user=request.user, step=number - 1, answers=form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return redirect("readiness:index")
        if assessment.is_complete:
            return redirect(assessment)
        return redirect("readiness:step", assessment.pk, number + 1)
    return render(request, "readiness/step.html", {
        "assessment": assessment, "area": area, "form": form, "number": number, "steps": questionnaire.STEPS,
        "percent": round(100 * (number - 1) / questionnaire.STEPS),
    })


@login_required
@require_safe
def result(request, assessment_id):
    assessment = selectors.assessment_for_user(user=request.user, assessment_id=assessment_id)
    if not assessment.is_complete:
        return redirect("readiness:step", assessment.pk, assessment.step + 1)
    done = selectors.history(selectors.assessments_of_firm(firm_id=assessment.firm_id))
    previous = [a for a in done if a.completed_at < assessment.completed_at]
    return render(request, "readiness/result.html", {
        "assessment": assessment,
        "firm": assessment.firm,
        "gaps": selectors.entries_for_gaps(gaps=assessment.gaps, markets=assessment.firm.target_markets),
        "history": done,
        "progress": [(area, [past.scores.get(area.key, 0) for past in done]) for area in questionnaire.AREAS],
        "previous": previous[-1] if previous else None,
        "is_latest": bool(done) and done[-1].pk == assessment.pk,
        "share_form": ShareForm(initial={"share": assessment.share_on_profile}),
        "areas": questionnaire.AREAS,
    })


@login_required
@require_POST
def share(request, assessment_id):
    assessment = selectors.assessment_for_user(user=request.user, assessment_id=assessment_id)
    form = ShareForm(request.POST)
    if form.is_valid():
        services.assessment_set_sharing(assessment=assessment, acting_user=request.user,
                                        share=form.cleaned_data["share"])
        if form.cleaned_data["share"]:
            messages.success(request, _("Your firm's profile now shows its level and gaps."))
        else:
            messages.info(request, _("Your firm's profile no longer shows its level and gaps."))
    return redirect(assessment)


@login_required
@require_safe
def agency(request):
    if not (request.user.is_superuser or request.user.agencies.exists()):
        raise Http404
    clusters = selectors.clusters_for_agency_staff(user=request.user)
    found = selectors.agency_gaps(clusters=clusters)
    return render(request, "readiness/agency.html", {
        "areas": found["areas"], "min_group": selectors.MIN_GROUP,
        "sections": [(_("By cluster"), found["by_cluster"]), (_("By the firms' country"), found["by_country"])],
    })
