"""Wallet and agency console pages. Thin: selectors read, services write, POST-redirect-GET."""

import csv
import functools
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clusters.models import Firm
from incentives import impact, referrals, selectors, services
from incentives.forms import (
    AwardQueueFilterForm,
    BulkDecisionForm,
    CatalogItemForm,
    FunderForm,
    FundForm,
    ImpactFilterForm,
    LedgerFilterForm,
    ProgramForm,
    ReasonForm,
    RedeemForm,
    RedemptionFulfilForm,
    ReferralForm,
)
from incentives.models import Award, CatalogItem, Program, ProgramFunder, Redemption
from infra.ratelimit import RateLimited


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You are not allowed to do that.")


def _page(request, queryset, size=None):
    page = Paginator(queryset, size or settings.PUENTE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# ---- Wallet ---------------------------------------------------------------------------------------

@require_safe
@login_required
def wallet(request):
    wallets = selectors.wallets_of(user=request.user)
    # Without a choice, the wallet that holds the most credits (a co-funder's may hold only a few shares).
    fullest = max(wallets, key=lambda w: w.balance, default=None)
    chosen = next((w for w in wallets if w.agency.slug == request.GET.get("agency")), fullest)
    context = {"wallets": wallets, "wallet": chosen, "page": None, "catalog": [], "redemptions": []}
    if chosen is not None:
        page, query = _page(request, selectors.statement(wallet=chosen))
        context.update(
            page=page, query=query, catalog=list(selectors.catalog_of(agency=chosen.agency)),
            redemptions=list(selectors.redemptions_of(user=request.user)[:10]),
            unpaid=selectors.awards_unpaid_of(user=request.user, agency=chosen.agency),
        )
    return render(request, "incentives/wallet.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def redeem(request, item_id):
    """Confirm, then request: the page shows the price and the balance after; the POST requests it."""
    item = CatalogItem.objects.filter(pk=item_id, is_active=True).select_related("agency").first()
    if item is None:
        raise Http404
    wallet_url = f"{reverse('incentives:wallet')}?agency={item.agency.slug}"
    if request.method == "POST":
        form = RedeemForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please try again."))
            return redirect(request.path)
        try:
            services.redemption_request(item=item, person=request.user, idempotency_key=form.cleaned_data["key"])
        except RateLimited:
            raise  # a 429 page (infra.ratelimit.RateLimitedMiddleware)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return redirect(request.path)
        messages.success(request, _("Requested: %(item)s. The agency will confirm it.") % {"item": item.name})
        return redirect(wallet_url)
    wallet = selectors.wallet_of(user=request.user, agency=item.agency)
    return render(request, "incentives/redeem_confirm.html", {
        "item": item, "wallet": wallet, "wallet_url": wallet_url,
        "balance_after": services.redemption_balance_after(item=item, wallet=wallet),
        "problem": selectors.redemption_problem(item=item, user=request.user, wallet=wallet),
        "key": uuid.uuid4().hex,
    })


# ---- Agency console -------------------------------------------------------------------------------

@require_safe
@login_required
def console_index(request):
    agencies = list(selectors.agencies_for_staff(user=request.user))
    if not agencies:
        raise Http404
    if len(agencies) == 1:
        return redirect("incentives:console", agencies[0].slug)
    return render(request, "incentives/console_index.html", {"agencies": agencies})


def _console(request, agency, template, **context):
    context.setdefault("counts", selectors.queue_counts(agency=agency))
    return render(request, f"incentives/{template}", {"agency": agency, **context})


@require_safe
@login_required
def console(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    return _console(
        request, agency, "console.html", programs=selectors.programs_with_pools(agency=agency),
        audit=list(selectors.audit_for_agency(agency=agency)[:10]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_create(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = ProgramForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            program = services.program_create(agency=agency, acting_user=request.user,
                                               **{**data, "clusters": list(data["clusters"])})
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Program created. Fund its pool to start paying."))
            return redirect(program.get_absolute_url())
    return _console(request, agency, "program_form.html", form=form)


@require_http_methods(["GET", "POST"])
@login_required
def program_detail(request, agency_slug, program_id):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    program = selectors.program_for_staff(agency=agency, program_id=program_id)
    here = reverse("incentives:program", args=[agency.slug, program.pk])
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_fund(program=program, acting_user=request.user, amount=form.cleaned_data["amount"],
                                  reason=form.cleaned_data["reason"], idempotency_key=form.cleaned_data["key"],
                                  agency=agency)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The pool was funded."))
            return redirect(here)
    pools = {p.pk: p for p in selectors.programs_with_pools(agency=agency)}
    funders = selectors.program_funders_with_pools(program=program)
    is_lead = program.agency_id == agency.pk
    return _console(request, agency, "program_detail.html", program=pools.get(program.pk, program), form=form,
                    awards=list(selectors.awards_for_agency(agency=agency).filter(program=program)[:20]),
                    funders=funders, is_lead=is_lead,
                    funder_form=FunderForm(program=program) if is_lead else None,
                    my_funder=next((f for f in funders if f.agency_id == agency.pk), None))


@require_POST
@login_required
def program_funders(request, agency_slug, program_id):
    """The program's agency adds a co-funder or changes a funder's terms."""
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    program = selectors.program_for_staff(agency=agency, program_id=program_id)
    form = FunderForm(request.POST, program=program)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.program_funder_set(program=program, agency=data["agency"], acting_user=request.user,
                                        share=data["share"], cap=data["cap"],
                                        requires_approval=data["requires_approval"], split=data["split"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Terms saved. A partner agency's staff accept them before its pool pays."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("incentives:program", agency.slug, program.pk)


@require_POST
@login_required
def program_funder_accept(request, agency_slug, program_id):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    program = selectors.program_for_staff(agency=agency, program_id=program_id)
    funder = ProgramFunder.objects.filter(program=program, agency=agency).first()
    if funder is None:
        raise Http404
    try:
        services.program_funder_accept(funder=funder, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("You accepted the terms: your pool pays its share of new awards."))
    return redirect("incentives:program", agency.slug, program.pk)


def _referral_form(agency, data=None):
    firms = list(referrals.firms_reached_by(agency=agency).order_by("name").values_list("pk", "name")[:500])
    programs = [(p.pk, f"{p.agency.name}: {p.name}") for p in referrals.programs_open_to_referrals(agency=agency)]
    return ReferralForm(data, firms=firms, programs=programs)


@require_http_methods(["GET", "POST"])
@login_required
def referrals_page(request, agency_slug):
    """Refer a firm to another agency's program; the referrals sent and those received with consent."""
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = _referral_form(agency, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        firm = Firm.objects.filter(pk=data["firm"]).first()
        program = Program.objects.filter(pk=data["program"]).first()
        try:
            if firm is None or program is None:
                raise ValidationError(_("Choose a firm and a program from the lists."))
            referrals.referral_create(from_agency=agency, acting_user=request.user, firm=firm, program=program,
                                      note=data["note"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Referral sent: the firm sees it on its home page and answers there."))
            return redirect("incentives:referrals", agency.slug)
    return _console(request, agency, "referrals.html", form=form,
                    sent=list(selectors.referrals_sent(agency=agency)[:50]),
                    received=list(selectors.referrals_received(agency=agency)[:50]))


@require_safe
@login_required
def referral_detail(request, agency_slug, referral_id):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    referral = selectors.referral_for_staff(agency=agency, referral_id=referral_id)
    history = referrals.firm_history(referral=referral) if referral.to_agency_id == agency.pk else []
    return _console(request, agency, "referral_detail.html", referral=referral, history=history)


@require_POST
@login_required
def referral_answer(request, referral_id):
    """A member of the referred firm accepts (sharing its history or not) or declines, from the home page."""
    referral = selectors.referral_for_firm_member(user=request.user, referral_id=referral_id)
    answer = request.POST.get("answer")
    if answer not in ("consent", "decline"):
        messages.error(request, _("Choose to accept or to decline."))
        return redirect("home")
    consent = answer == "consent"
    try:
        referrals.referral_answer(referral=referral, acting_user=request.user, consent=consent,
                                  share_history=request.POST.get("share_history") == "on")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Thank you: the agencies were told.") if consent
                         else _("Referral declined: the agency that referred you was told."))
    return redirect("home")


@require_safe
@login_required
def awards_queue(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    choices = selectors.queue_filter_choices(agency=agency)
    form = AwardQueueFilterForm(request.GET or None, **choices)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or Award.Status.PENDING
    awards = selectors.awards_queue_for_agency(
        agency=agency, status=status, date_from=filters.get("date_from"), date_to=filters.get("date_to"),
        cluster_id=filters.get("cluster"), program_id=filters.get("program"), marked=filters.get("marked") or "",
    )
    page, query = _page(request, awards)
    page.object_list = selectors.awards_with_approval_state(awards=page.object_list, agency=agency, user=request.user)
    filtered = any(value for name, value in filters.items() if name != "status")
    return _console(request, agency, "awards.html", page=page, query=query, status=status, filter_form=form,
                    filtered=filtered, any_awaited=any(a.awaited_here for a in page.object_list),
                    form=ReasonForm(), bulk_form=BulkDecisionForm(initial={"query": request.GET.urlencode()}))


@require_POST
@login_required
def awards_bulk(request, agency_slug):
    """Approves or rejects the awards ticked on the queue, with one reason; says which failed and why."""
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = BulkDecisionForm(request.POST)
    back = reverse("incentives:awards", args=[agency.slug])
    if not form.is_valid():
        messages.error(request, _("Please try again."))
        return redirect(back)
    query = QueryDict(form.cleaned_data["query"]).urlencode()
    back = f"{back}?{query}" if query else back
    ids = form.award_ids()
    if not ids:
        messages.error(request, _("Tick the awards to decide on first."))
        return redirect(back)
    decision = form.cleaned_data["decision"]
    try:
        outcome = services.awards_decide_bulk(agency=agency, award_ids=ids, acting_user=request.user,
                                              decision=decision, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    if outcome.done:
        count = len(outcome.done)
        messages.success(request, (
            ngettext("%(count)s award approved and paid.", "%(count)s awards approved and paid.", count)
            if decision == "approve" else ngettext("%(count)s award rejected.", "%(count)s awards rejected.", count)
        ) % {"count": count})
    for award_id, why in outcome.failed:
        messages.error(request, _("Award #%(id)s was not decided: %(why)s") % {"id": award_id, "why": why})
    return redirect(back)


@require_POST
@login_required
def award_decide(request, agency_slug, award_id, decision):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    award = selectors.award_for_staff(agency=agency, award_id=award_id)
    actions = {"approve": services.award_approve, "reject": services.award_reject, "reverse": services.award_reverse}
    if decision not in actions:
        raise Http404
    if decision == "approve":
        # For a co-funded award this is this agency's approval; it is paid once every funder's is in.
        _staff_decision(request, functools.partial(services.award_approve, agency=agency), award=award, done=lambda
                        award: _("Your agency's approval was recorded; the award waits for the other funders.")
                        if award.status == Award.Status.PENDING else _("Award approved and paid."))
    else:
        _staff_decision(request, actions[decision], award=award, done={
            "reject": _("Award rejected."), "reverse": _("Award reversed; the mentor was told."),
        }[decision])
    return redirect("incentives:awards", agency.slug)


def _staff_decision(request, action, *, done, **target) -> None:
    """Runs a staff decision with the reason the form gives, and tells the person how it went (`done`: the
    message, or a function of what the decision returned that gives it)."""
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        result = action(acting_user=request.user, reason=reason, **target)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done(result) if callable(done) else done)


@require_safe
@login_required
def redemptions_queue(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    status = request.GET.get("status", "requested")
    if status not in Redemption.Status.values:
        status = "requested"
    page, query = _page(request, selectors.redemptions_for_agency(agency=agency, status=status).order_by("created_at"))
    return _console(request, agency, "redemptions.html", page=page, query=query, status=status,
                    statuses=Redemption.Status.choices, form=ReasonForm(), fulfil_form=RedemptionFulfilForm())


@require_POST
@login_required
def redemption_decide(request, agency_slug, redemption_id, decision):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    redemption = selectors.redemption_for_staff(agency=agency, redemption_id=redemption_id)
    if decision == "fulfil":
        return _redemption_fulfil(request, agency, redemption)
    actions = {"approve": services.redemption_approve, "reject": services.redemption_reject}
    if decision not in actions:
        raise Http404
    _staff_decision(request, actions[decision], redemption=redemption, done=(
        _("Redemption approved. Record what was given once it is handed over.") if decision == "approve"
        else _("Redemption rejected; the credits went back to the wallet.")
    ))
    return redirect("incentives:redemptions", agency.slug)


def _redemption_fulfil(request, agency, redemption):
    form = RedemptionFulfilForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.redemption_fulfil(redemption=redemption, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Recorded: the person sees what was given in their wallet."))
    return redirect(f"{reverse('incentives:redemptions', args=[agency.slug])}?status=approved")


@require_http_methods(["GET", "POST"])
@login_required
def catalog(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = CatalogItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalog_item_save(agency=agency, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The catalog was updated."))
            return redirect("incentives:catalog", agency.slug)
    items = CatalogItem.objects.filter(agency=agency).order_by("price", "name")
    return _console(request, agency, "catalog.html", items=items, form=form)


@require_safe
@login_required
def ledger(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = LedgerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    transfers = selectors.transfers_for_agency(agency=agency, **{k: v for k, v in filters.items() if v})
    page, query = _page(request, transfers)
    return _console(request, agency, "ledger.html", form=form, page=page, query=query)


@require_safe
@login_required
def audit_log(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    page, query = _page(request, selectors.audit_for_agency(agency=agency))
    return _console(request, agency, "audit.html", page=page, query=query)


@require_safe
@login_required
def dashboard(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form, report = _impact_report(request, agency)
    return _console(request, agency, "dashboard.html", form=form, report=report, filters=_filters_shown(form),
                    query=request.GET.urlencode())


@require_safe
@login_required
def dashboard_xlsx(request, agency_slug):
    from incentives import funder_report

    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    _form, report = _impact_report(request, agency)
    response = HttpResponse(
        funder_report.workbook(report=report, agency=agency, filters=_filters_shown(_form)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"impact-{agency.slug}-{report.scope.start.isoformat()}-{report.scope.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _filters_shown(form) -> list[tuple[str, str]]:
    """The filters in force, as (label, chosen name) in the reader's language."""
    if not form.is_bound or not form.is_valid():
        return []
    shown = []
    for name in ("cluster", "program", "sector", "country"):
        value = form.cleaned_data.get(name)
        if value not in (None, ""):
            shown.append((str(form.fields[name].label), str(dict(form.fields[name].choices).get(value, value))))
    return shown


def _impact_report(request, agency):
    """The filter form and the report it asks for (an invalid form falls back to the default period)."""
    clusters = list(selectors.clusters_funded(agency=agency).select_related("sector").order_by("name"))
    programs = list(selectors.programs_funded(agency=agency).order_by("name"))
    form = ImpactFilterForm(request.GET or None, clusters=clusters, programs=programs)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, impact.build(impact.scope_for(agency=agency, clusters=clusters, **filters))


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    # Text that a spreadsheet would run as a formula (question titles end up in memos) is quoted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
def export_transfers(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    form = LedgerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = (
        selectors.transfers_for_agency(agency=agency, **{k: v for k, v in filters.items() if v})
        .values_list("pk", "created_at", "kind", "amount", "from_account_id", "from_account__kind",
                     "to_account_id", "to_account__kind", "to_account__owner__email", "source_ref",
                     "caused_by__email", "reverses_id", "idempotency_key", "memo")
        .iterator(chunk_size=2000)
    )
    header = ["id", "created_at", "kind", "amount", "from_account", "from_kind", "to_account", "to_kind",
              "to_owner", "source_ref", "caused_by", "reverses", "idempotency_key", "memo"]
    return _csv_response(f"{agency.slug}-transfers.csv", header, rows)


def _credits_due(award: Award) -> int:
    """What the program's rate gave before a cap cut it (or before it was refused)."""
    return award.cut_params.get("original", award.credits) if award.cut_code else award.credits


@require_safe
@login_required
def export_awards(request, agency_slug):
    agency = selectors.agency_for_staff(user=request.user, slug=agency_slug)
    awards = (
        Award.objects.filter(program__agency=agency).order_by("pk")
        .select_related("program", "beneficiary", "caused_by", "cluster", "decided_by")
        .iterator(chunk_size=2000)
    )

    def email(person):
        return person.email if person else ""

    # The descriptions and reasons are written in the language of the staff member who downloads the file; the codes
    # and the amount before any cut are there for a spreadsheet to sort on.
    language = translation.get_language()

    def rows():
        with translation.override(language):  # the file is written after the view returns
            for a in awards:
                yield [a.pk, a.created_at, a.worked_on, a.program.name, a.kind, a.beneficiary.email,
                       email(a.caused_by), a.cluster.slug, a.source_ref, a.description_text, a.minutes, _credits_due(a),
                       a.credits, a.status, a.flag_code, a.flag_text, a.cut_code, a.cut_text, email(a.decided_by),
                       a.decided_at, a.decision_text]

    header = ["id", "created_at", "work_date", "program", "kind", "beneficiary", "caused_by", "cluster", "source_ref",
              "description", "minutes", "credits_due", "credits", "status", "flag_code", "flag_reason", "cut_code",
              "cut_reason", "decided_by", "decided_at", "decision_reason"]
    return _csv_response(f"{agency.slug}-awards.csv", header, rows())

