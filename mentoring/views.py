"""Thin views: read through selectors, write through services, POST-redirect-GET with messages."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_countries import countries

from clusters import nav
from infra.ratelimit import RateLimited
from mentoring import followups, forms, selectors, services
from mentoring.models import Mentorship, Session


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def _run(request, action, success: str) -> bool:
    """Calls a service; turns a broken rule or a missing right into a message for the person."""
    try:
        action()
    except RateLimited:
        raise  # a 429 page (infra.ratelimit.RateLimitedMiddleware)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return False
    if success:
        messages.success(request, success)
    return True


# --- Finding a mentor ----------------------------------------------------------------------------


@login_required
@require_safe
def directory(request):
    form = forms.MentorFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    profiles = selectors.mentors_directory(
        sector=filters["sector"].slug if filters.get("sector") else "",
        market=filters.get("market") or "",
        topic=filters.get("topic") or "",
        language=filters.get("language") or "",
        has_room=bool(filters.get("has_room")),
    )
    page = Paginator(profiles, settings.PUENTE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    needs = selectors.needs_of(user=request.user)
    filtering = any(filters.values()) or request.GET.get("page")
    suggestions = [] if filtering else selectors.mentor_suggestions(user=request.user, needs=needs)
    return render(request, "mentoring/directory.html", {
        "form": form, "page": page, "query": query.urlencode(), "suggestions": suggestions, "needs": needs,
    })


@login_required
@require_safe
def mentor_detail(request, user_id):
    profile = selectors.mentor_get(user_id=user_id)
    open_request = selectors.open_request_between(aspirant=request.user, mentor_id=profile.user_id)
    return render(request, "mentoring/mentor_detail.html", {
        "profile": profile, "form": forms.RequestForm(), "open_request": open_request,
        "is_self": request.user.pk == profile.user_id,
    })


@login_required
@require_POST
def request_create(request, user_id):
    profile = selectors.mentor_get(user_id=user_id)
    form = forms.RequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("mentoring:mentor", user_id=user_id)
    created = {}

    def create():
        created["request"] = services.request_create(
            aspirant=request.user, mentor=profile.user, goal=form.cleaned_data["goal"]
        )

    if _run(request, create, _("Your request was sent to %(name)s.") % {"name": profile.user.display_name}):
        return redirect("mentoring:request", request_id=created["request"].pk)
    return redirect("mentoring:mentor", user_id=user_id)


# --- Profiles ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    if not services.can_mentor(user=request.user):
        raise PermissionDenied(_("Only experienced exporters and cluster mentors can offer mentoring."))
    profile = selectors.mentor_profile_of(user=request.user)
    form = forms.MentorProfileForm(
        request.POST or None, initial=forms.MentorProfileForm.initial_for(profile),
        market_rows=forms.MentorProfileForm.rows_for(profile),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.mentor_profile_save(
                user=request.user, bio=data["bio"], sectors=data["sectors"], markets=form.markets(),
                topics=data["topics"], languages=data["languages"], capacity=data["capacity"],
                availability=data["availability"], is_accepting=data["is_accepting"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your mentor profile is saved."))
            return redirect("mentoring:mentor", user_id=request.user.pk)
    return render(request, "mentoring/profile_edit.html", {"form": form, "profile": profile})


@login_required
@require_http_methods(["GET", "POST"])
def needs_edit(request):
    needs = selectors.needs_of(user=request.user)
    initial = {}
    if needs is not None:
        initial = {"sector": needs.sector, "target_markets": [c.code for c in needs.target_markets],
                   "topics": needs.topics, "language": needs.language}
    else:
        initial = {"language": request.user.language}
    form = forms.AspirantNeedsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.aspirant_needs_save(
                user=request.user, sector=data["sector"], target_markets=data["target_markets"],
                topics=data["topics"], language=data["language"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved. Here are the mentors who fit you best."))
            return redirect("mentoring:directory")
    return render(request, "mentoring/needs_edit.html", {"form": form})


# --- Requests ------------------------------------------------------------------------------------


@login_required
@require_safe
def mentorships(request):
    user = request.user
    return render(request, "mentoring/mentorships.html", {
        "mentorships": list(selectors.mentorships_of_user(user=user)),
        "received": list(selectors.requests_received(user=user)),
        "sent": list(selectors.requests_sent(user=user)[:30]),
        "to_confirm": list(selectors.sessions_to_confirm(user=user)),
        "followups_due": selectors.followups_due_for_firm(firm_id=nav.active_firm_id(user=user)),
        "profile": selectors.mentor_profile_of(user=user),
        "can_mentor": services.can_mentor(user=user),
    })


@login_required
@require_safe
def request_detail(request, request_id):
    mentorship_request = selectors.request_get_for_user(user=request.user, request_id=request_id)
    is_mentor = mentorship_request.mentor_id == request.user.pk
    return render(request, "mentoring/request_detail.html", {
        "req": mentorship_request,
        "is_mentor": is_mentor,
        "accept_form": forms.AcceptForm(),
        "decline_form": forms.DeclineForm(),
        "question_form": forms.QuestionForm(),
        "answer_form": forms.AnswerForm(),
        "mentorship": getattr(mentorship_request, "mentorship", None),
    })


@login_required
@require_POST
def request_action(request, request_id, action):
    mentorship_request = selectors.request_get_for_user(user=request.user, request_id=request_id)
    back = redirect("mentoring:request", request_id=request_id)
    user = request.user
    if action == "accept":
        form = forms.AcceptForm(request.POST)
        template = form.cleaned_data.get("plan_template", "") if form.is_valid() else ""
        result = {}

        def accept():
            result["mentorship"] = services.request_accept(
                request=mentorship_request, acting_user=user, plan_template=template,
                version=forms.seen_version(form),
            )

        if _run(request, accept, _("Mentorship started. Say hello in your private room.")):
            return redirect(result["mentorship"])
        return back
    if action == "withdraw":
        _run(request, lambda: services.request_withdraw(request=mentorship_request, acting_user=user),
             _("Request withdrawn."))
        return back
    text_actions = {
        "decline": (forms.DeclineForm, "reason", services.request_decline, _("Request declined.")),
        "ask": (forms.QuestionForm, "question", services.request_ask_info, _("Your question was sent.")),
        "answer": (forms.AnswerForm, "answer", services.request_answer_info, _("Your answer was sent.")),
    }
    if action not in text_actions:
        raise Http404
    form_class, field, service, success = text_actions[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    _run(request, lambda: service(request=mentorship_request, acting_user=user, **{field: form.cleaned_data[field]}),
         success)
    return back


# --- Mentorships ---------------------------------------------------------------------------------


def _session_date(request) -> datetime.date:
    try:
        date = datetime.date.fromisoformat(request.GET.get("session_date", ""))
    except ValueError:
        return timezone.localdate()
    return min(date, timezone.localdate())


@login_required
@require_safe
def mentorship_detail(request, mentorship_id):
    mentorship = selectors.mentorship_get_for_user(user=request.user, mentorship_id=mentorship_id)
    is_mentor = mentorship.mentor_id == request.user.pk
    feedback = list(mentorship.feedback.all())
    session_form = None
    suggested = None
    if is_mentor and mentorship.status == Mentorship.Status.ACTIVE:
        date = _session_date(request)
        suggested = selectors.suggested_session_minutes(mentorship=mentorship, date=date)
        session_form = forms.SessionForm(initial={"date": date, "minutes": suggested or 60})
    sessions = list(mentorship.sessions.all())
    confirmed_minutes = sum(s.minutes for s in sessions if s.status == Session.Status.CONFIRMED)
    # After a refused confirmation: the session the mentor changed carries a note beside its new details.
    changed = request.GET.get("changed", "")
    return render(request, "mentoring/mentorship_detail.html", {
        "mentorship": mentorship,
        "changed_session_id": int(changed) if changed.isdigit() and len(changed) < 12 else None,
        "is_mentor": is_mentor,
        "other": mentorship.other_side(request.user),
        "goals": mentorship.goals.all(),
        "sessions": sessions,
        "confirmed_minutes": confirmed_minutes,
        "session_form": session_form,
        "suggested_minutes": suggested,
        "goal_form": forms.GoalForm(),
        "milestone_form": forms.MilestoneForm(),
        "template_form": forms.TemplateForm(),
        "end_form": forms.EndForm(),
        "dispute_form": forms.DisputeForm(),
        "outcome_form": forms.OutcomeForm(initial={
            "outcome": mentorship.outcome, "markets": [c.code for c in mentorship.outcome_markets]}),
        "feedback_form": forms.FeedbackForm(),
        "feedback": feedback,
        "my_feedback": next((f for f in feedback if f.author_id == request.user.pk), None),
    })


def _form_errors(request, form) -> None:
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))


@login_required
@require_POST
def mentorship_action(request, mentorship_id, action):
    mentorship = selectors.mentorship_get_for_user(user=request.user, mentorship_id=mentorship_id)
    user = request.user
    back = redirect(mentorship)
    if action == "pause":
        _run(request, lambda: services.mentorship_pause(mentorship=mentorship, acting_user=user),
             _("Mentorship paused."))
        return back
    if action == "resume":
        _run(request, lambda: services.mentorship_resume(mentorship=mentorship, acting_user=user),
             _("Mentorship resumed."))
        return back
    form_class = {
        "end": forms.EndForm, "outcome": forms.OutcomeForm, "feedback": forms.FeedbackForm, "goal": forms.GoalForm,
        "template": forms.TemplateForm, "session": forms.SessionForm,
    }.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    data = form.cleaned_data
    if action == "end":
        completed = data["how"] == forms.EndForm.COMPLETED
        _run(request, lambda: services.mentorship_end(
            mentorship=mentorship, acting_user=user, reason=data["reason"], completed=completed),
            _("The mentorship is closed. Please leave your feedback."))
    elif action == "outcome":
        _run(request, lambda: services.mentorship_record_outcome(
            mentorship=mentorship, acting_user=user, outcome=data["outcome"], markets=data["markets"]),
            _("Outcome recorded."))
    elif action == "feedback":
        _run(request, lambda: services.feedback_give(
            mentorship=mentorship, acting_user=user, rating=data["rating"], text=data["text"]),
            _("Thank you for your feedback."))
    elif action == "goal":
        _run(request, lambda: services.goal_add(mentorship=mentorship, acting_user=user, title=data["title"]),
             _("Goal added."))
    elif action == "template":
        _run(request, lambda: services.plan_apply_template(
            mentorship=mentorship, acting_user=user, template_key=data["template"]), _("Goals added to the plan."))
    elif action == "session":
        _run(request, lambda: services.session_log(
            mentorship=mentorship, acting_user=user, date=data["date"], minutes=data["minutes"],
            topics=data["topics"], notes=data["notes"]),
            _("Session logged. %(name)s will be asked to confirm it.") % {"name": mentorship.mentee.display_name})
        return redirect(reverse("mentoring:mentorship", args=[mentorship.pk]) + "#sessions")
    return back


@login_required
@require_POST
def goal_action(request, goal_id, action):
    goal = selectors.goal_get_for_user(user=request.user, goal_id=goal_id)
    back = redirect(goal.mentorship)
    if action == "delete":
        _run(request, lambda: services.goal_delete(goal=goal, acting_user=request.user), _("Goal removed."))
    elif action == "milestone":
        form = forms.MilestoneForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return back
        _run(request, lambda: services.milestone_add(
            goal=goal, acting_user=request.user, title=form.cleaned_data["title"], due_on=form.cleaned_data["due_on"]),
            _("Milestone added."))
    else:
        raise Http404
    return back


@login_required
@require_POST
def milestone_action(request, milestone_id, action):
    milestone = selectors.milestone_get_for_user(user=request.user, milestone_id=milestone_id)
    back = redirect(milestone.goal.mentorship)
    if action == "toggle":
        _run(request, lambda: services.milestone_toggle(milestone=milestone, acting_user=request.user), "")
    elif action == "delete":
        _run(request, lambda: services.milestone_delete(milestone=milestone, acting_user=request.user),
             _("Milestone removed."))
    else:
        raise Http404
    return back


@login_required
@require_POST
def session_action(request, session_id, action):
    session = selectors.session_get_for_user(user=request.user, session_id=session_id)
    url = reverse("mentoring:mentorship", args=[session.mentorship_id])
    back = redirect(f"{url}#session-{session.pk}")
    # A decision refused because the mentor changed the session since the page was shown lands back on
    # the session, showing its new details with a note, to be confirmed (or disputed) again.
    changed = redirect(f"{url}?changed={session.pk}#session-{session.pk}")
    user = request.user
    if action == "confirm":
        version = forms.seen_version(forms.ConfirmForm(request.POST))
        if not _run(request, lambda: services.session_confirm(session=session, acting_user=user, version=version),
                    _("Session confirmed. Thank you.")) and version != session.version:
            return changed
    elif action == "dispute":
        form = forms.DisputeForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return back
        version = forms.seen_version(form)
        if not _run(request, lambda: services.session_dispute(session=session, acting_user=user,
                                                               reason=form.cleaned_data["reason"], version=version),
                    _("The mentor will see what is wrong and can correct the session.")) and version != session.version:
            return changed
    elif action == "update":
        form = forms.SessionForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return back
        data = form.cleaned_data
        _run(request, lambda: services.session_update(
            session=session, acting_user=user, date=data["date"], minutes=data["minutes"], topics=data["topics"],
            notes=data["notes"]), _("Session corrected; the mentee is asked to confirm it again."))
    else:
        raise Http404
    return back


# --- Outcome follow-ups ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def followup(request, followup_id):
    """The firm answers a follow-up (or corrects its answer); a facilitator records one given by phone."""
    item = selectors.followup_get_for_user(user=request.user, followup_id=followup_id)
    # A member of the firm answers for it; a facilitator (who is not) records what the firm said by phone.
    by_phone = not item.is_member
    allowed = followups.window_open(followup=item) and (
        item.is_member or item.is_facilitator or request.user.is_superuser)
    form = forms.FollowUpForm.for_followup(item, request.POST if request.method == "POST" else None)
    if request.method == "POST" and allowed and form.is_valid():
        data = form.cleaned_data
        done = _run(request, lambda: followups.followup_answer(
            followup=item, acting_user=request.user, exporting=data["exporting"], markets=form.markets(),
            value_band=data["value_band"], new_buyers=data["new_buyers"], by_phone=by_phone,
        ), _("Thank you: your answer is recorded.") if not by_phone else _("The answer given by phone is recorded."))
        if done:
            return redirect("mentoring:followup", followup_id=item.pk)
    elif request.method == "POST" and not allowed:
        messages.error(request, _("This follow-up cannot be answered or changed now."))
        return redirect("mentoring:followup", followup_id=item.pk)
    return render(request, "mentoring/followup.html", {
        "followup": item, "form": form, "allowed": allowed, "by_phone": by_phone,
        "market_names": [countries.name(code) for code in item.markets],
        "is_due": followups.is_due(followup=item),
        "edit_until": followups.edit_deadline(item),
        "changes": selectors.followup_changes(followup=item) if item.answered_at else [],
    })


@login_required
@require_safe
def followups_list(request):
    """The follow-ups a person's firm should answer, and for a facilitator those of their clusters."""
    return render(request, "mentoring/followups.html", {
        "followups_due": selectors.followups_due_for_firm(firm_id=nav.active_firm_id(user=request.user)),
        "to_record": selectors.followups_for_facilitator(user=request.user),
    })
