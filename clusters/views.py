from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clusters import access, firm_panels, selectors, services
from clusters.forms import DirectoryFilterForm, FirmProfileForm, JoinForm, LanguageForm, OnboardingForm
from clusters.models import ClusterMembership, Firm, FirmMember
from clusters.nav import nav_person
from clusters.times import valid_time_zone


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_safe
def home(request):
    return render(request, "clusters/home.html", {"clusters": selectors.active_clusters_preview()})


@require_POST
def set_language(request):
    """Switches the interface language; remembered on the person's profile and in a cookie."""
    form = LanguageForm(request.POST)
    response = HttpResponseRedirect(safe_next(request, reverse("home")))
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.person_set_language(user=request.user, language=language)
    translation.activate(language)
    remember_language(response, language)
    return response


@require_POST
def set_time_zone(request):
    """The browser tells its time zone (static/js/times.js, once, when the person has none on their
    profile): kept on the profile of a signed-in person unless they chose one; 204 either way."""
    zone = request.POST.get("time_zone", "")
    if not valid_time_zone(zone):
        return HttpResponse(status=400)
    if request.user.is_authenticated:
        services.person_set_time_zone(user=request.user, time_zone=zone, only_if_unset=True)
    return HttpResponse(status=204)


def remember_language(response, language: str) -> None:
    """The language cookie, with every attribute from the LANGUAGE_COOKIE_* settings (Secure and
    SameSite in production), as Django's own set_language view sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_safe
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    clusters = selectors.clusters_directory(
        sector=filters["sector"].slug if filters.get("sector") else "",
        country=filters.get("country") or "",
        language=filters.get("language") or "",
        q=filters.get("q") or "",
    )
    page = Paginator(clusters, settings.PUENTE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clusters/directory.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_safe
def cluster_detail(request, slug):
    cluster = selectors.cluster_get(slug=slug)
    membership = selectors.membership_for(user=request.user, cluster=cluster)
    shows_people = selectors.may_see_who_is_in(user=request.user, cluster=cluster, membership=membership)
    people = selectors.cluster_people(cluster=cluster) if shows_people else {"facilitators": [], "mentors": []}
    return render(
        request,
        "clusters/cluster_detail.html",
        {
            "cluster": cluster,
            "membership": membership,
            "shows_people": shows_people,
            "counts": selectors.cluster_counts(cluster=cluster),
            "facilitators": people["facilitators"],
            "mentors": people["mentors"],
            "firms": list(selectors.cluster_member_firms(cluster=cluster)[:60]) if shows_people else [],
            "join_form": JoinForm(),
            "is_facilitator": access.may_facilitate(
                user=request.user, cluster=cluster, role=membership.role if membership and membership.is_active else None
            ),
            # While a request waits, the page suggests completing the firm's profile (kept, see clusters.nav).
            "firm_id": nav_person(user=request.user)["firm_id"] if membership and membership.is_pending else None,
        },
    )


@login_required
@require_POST
def cluster_join(request, slug):
    cluster = selectors.cluster_get(slug=slug)
    form = JoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        membership = services.membership_join(cluster=cluster, user=request.user, message=message)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if membership.is_active:
            messages.success(request, _(
                "Welcome to %(cluster)s. Say hello: tell the members who you are and what you want to export."
            ) % {"cluster": cluster.name})
            # Straight into the conversation: the cluster's general room (messaging finds or makes it).
            return redirect("messaging:cluster_general", slug=cluster.slug)
        else:
            messages.info(request, _("Your request has been sent to the facilitators of %(cluster)s.") % {
                "cluster": cluster.name
            })
    return redirect(cluster)


@login_required
@require_POST
def cluster_leave(request, slug):
    cluster = selectors.cluster_get(slug=slug)
    try:
        services.membership_leave(cluster=cluster, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("You are no longer in %(cluster)s.") % {"cluster": cluster.name})
    return redirect(cluster)


@login_required
@require_safe
def my_clusters(request):
    memberships = list(selectors.clusters_of_user(user=request.user))
    return render(
        request,
        "clusters/my_clusters.html",
        {
            "active": [m for m in memberships if m.is_active],
            "pending": [m for m in memberships if m.is_pending],
        },
    )


@login_required
@require_safe
def pending_requests(request):
    requests = list(selectors.pending_requests_for_facilitator(user=request.user))
    return render(request, "clusters/pending_requests.html", {"requests": requests})


_DECISIONS = {"approve": services.membership_approve, "reject": services.membership_reject}


@login_required
@require_POST
def pending_decide(request, membership_id, decision):
    if decision not in _DECISIONS:
        raise PermissionDenied
    membership = selectors.pending_request_for_facilitator(user=request.user, membership_id=membership_id)
    try:
        _DECISIONS[decision](membership=membership, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        names = {"person": membership.user.display_name, "cluster": membership.cluster.name}
        if decision == "approve":
            messages.success(request, _("Approved: %(person)s is now a member of %(cluster)s.") % names)
        else:
            messages.info(request, _("Declined the request of %(person)s.") % names)
    return redirect(safe_next(request, reverse("clusters:pending")))


@login_required
@require_POST
def member_manage(request, slug, membership_id, action):
    cluster = selectors.cluster_get(slug=slug)
    if not access.may_facilitate(user=request.user, cluster=cluster):
        raise PermissionDenied
    membership = get_object_or_404(ClusterMembership, pk=membership_id, cluster=cluster)
    try:
        if action == "mentor":
            services.membership_set_role(membership=membership, acting_user=request.user, role="mentor")
        elif action == "facilitator":
            services.membership_set_role(membership=membership, acting_user=request.user, role="facilitator")
        elif action == "member":
            services.membership_set_role(membership=membership, acting_user=request.user, role="member")
        elif action == "remove":
            services.membership_remove(membership=membership, acting_user=request.user)
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect(safe_next(request, reverse("clusters:members", args=[cluster.slug])))


@login_required
@require_safe
def cluster_members(request, slug):
    """The facilitators' view of everyone in the cluster, with role and removal controls."""
    cluster = selectors.cluster_get(slug=slug)
    if not access.may_facilitate(user=request.user, cluster=cluster):
        raise PermissionDenied
    memberships = selectors.cluster_members(cluster=cluster)
    return render(request, "clusters/members.html", {"cluster": cluster, "memberships": memberships})


@require_safe
def firm_detail(request, firm_id):
    firm = selectors.firm_get(firm_id=firm_id)
    user = request.user
    is_member = user.is_authenticated and (
        user.is_superuser or any(m.user_id == user.pk for m in firm.active_members)
    )
    return render(
        request,
        "clusters/firm_detail.html",
        {
            "firm": firm,
            "is_member": is_member,
            "clusters": list(selectors.firm_clusters(firm=firm, user=user)),
            "pending_members": selectors.firm_pending_members(firm=firm, user=user),
            "changes": selectors.firm_changes(firm=firm, limit=10) if is_member else [],
            "panels": firm_panels.render_all(request=request, firm=firm, is_member=is_member),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_edit(request, firm_id):
    firm = selectors.firm_get(firm_id=firm_id)
    if not services.is_firm_member(firm=firm, user=request.user):
        raise Http404
    initial = {
        "export_stage": firm.export_stage,
        "target_markets": [c.code for c in firm.target_markets],
        "description": firm.description,
    }
    form = FirmProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.firm_update(firm=firm, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if change is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("The firm's profile is saved."))
            return redirect(firm)
    return render(request, "clusters/firm_edit.html", {"firm": firm, "form": form})


@login_required
@require_POST
def firm_member_decide(request, firm_id, member_id, decision):
    firm = get_object_or_404(Firm, pk=firm_id)
    if not services.is_firm_member(firm=firm, user=request.user):
        raise Http404
    member = get_object_or_404(FirmMember, pk=member_id, firm=firm)
    try:
        if decision == "approve":
            services.firm_member_approve(member=member, acting_user=request.user)
            messages.success(request, _("%(person)s now belongs to %(firm)s.") % {
                "person": member.user.display_name, "firm": firm.name
            })
        elif decision == "reject":
            services.firm_member_reject(member=member, acting_user=request.user)
            messages.info(request, _("Request declined."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(firm)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request):
    user = request.user
    has_firm = FirmMember.objects.filter(user=user).exists()
    initial = {
        "name": user.name,
        "language": user.language or translation.get_language(),
        "country": user.country.code if user.country else "",
        "time_zone": user.time_zone,
        "wants_to_mentor": "1" if user.wants_to_mentor else "0",
    }
    form = OnboardingForm(request.POST or None, initial=initial)
    if has_firm:
        for field in list(form.fields):
            if field.startswith("firm_") or field == "existing_firm":
                del form.fields[field]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_firm = existing_firm = None
        if not has_firm and data["firm_choice"] == OnboardingForm.FIRM_NEW:
            new_firm = {
                "name": data["firm_name"], "country": data["firm_country"], "sectors": data["firm_sectors"],
                "size": data["firm_size"] or Firm.Size.MICRO,
                "export_stage": data["firm_export_stage"]
                or (Firm.Stage.ESTABLISHED if data["wants_to_mentor"] else Firm.Stage.ASPIRANT),
                "women_led": data["firm_women_led"],
            }
        elif not has_firm:
            existing_firm = data["existing_firm"]
        try:
            services.onboarding_complete(
                user=user, name=data["name"], language=data["language"], country=data["country"],
                wants_to_mentor=data["wants_to_mentor"], time_zone=data.get("time_zone") or "",
                firm_role=data.get("firm_role") or FirmMember.Role.OWNER,
                new_firm=new_firm, existing_firm=existing_firm,
            )
        except ValidationError as exc:
            field = {"firm_taken": "firm_name", "country": "country", "name": "name"}.get(exc.code)
            form.add_error(field, exc)
        else:
            translation.activate(data["language"])
            messages.success(request, _("Thank you. Now find the clusters of your sector."))
            sector = selectors.sector_of_person(user=user)
            directory = reverse("clusters:directory")
            response = redirect(f"{directory}?sector={sector.slug}" if sector else directory)
            remember_language(response, data["language"])
            return response
    return render(request, "clusters/onboarding.html", {"form": form, "has_firm": has_firm})
