"""The agency API (django-ninja): /api/v1/, its OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs.

Views are thin: a token (agency_api.services.token_authenticate) stands for the staff member who made
it, with the console's rights, inside its agency only; reads go through incentives' selectors, writes
through its services. `endpoint` wraps every operation: scope check, rate limit, idempotency of writes,
service errors as JSON, and one audit entry per call.
"""

import datetime
import functools
import hashlib
import json
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from ninja import Field, Header, NinjaAPI, Query, Schema, Status
from ninja.responses import codes_4xx
from ninja.security import HttpBearer

from agency_api import selectors as api_selectors
from agency_api import services as api_services
from agency_api.models import ApiToken, IdempotencyRecord
from incentives import impact, selectors, services
from incentives.models import Award, Redemption, Transfer
from infra.ratelimit import RateLimited, rate_limit

MAX_LIMIT = 200
# Declared on every write so that the schema shows it; `endpoint` requires and checks it.
IDEMPOTENCY_KEY = Header(None, alias="Idempotency-Key", description="Required: a key of yours, unique per write "
                         "(1 to 200 characters). The same key and body give the first response again.")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        return api_services.token_authenticate(text=token)


api = NinjaAPI(
    title="Puente agency API", version="1", urls_namespace="agency_api_v1", auth=TokenAuth(),
    description="Programs, awards, redemptions, ledger transfers and impact indicators of one agency. "
                "See docs/API.md.",
    docs_url="/docs", openapi_url="/openapi.json",
)


# ---- Schemas ---------------------------------------------------------------------------------------

class ErrorOut(Schema):
    code: str
    detail: str


class ProgramOut(Schema):
    id: int
    name: str
    description: str
    clusters: list[str]
    budget: int
    funded: int
    pool_balance: int
    pending_awards: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    rate_accepted_answer: int
    rate_mentoring_hour: int
    rate_helpful_vote: int
    auto_approve: bool


class AwardOut(Schema):
    id: int
    program: int
    kind: str
    status: str
    credits: int
    beneficiary: str
    caused_by: str | None
    cluster: str
    source_ref: str
    description: str
    minutes: int | None
    flag_code: str
    cut_code: str
    created_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_reason: str
    agency_share: int | None = Field(
        None, description="Of a co-funded program's award: the credits this agency pays (null when the "
                          "program's agency pays it alone).")
    approved_by_agency: bool = Field(False, description="This agency gave its approval of a co-funded award.")


class AwardPage(Schema):
    items: list[AwardOut]
    next_cursor: str | None


class RedemptionOut(Schema):
    id: int
    item: int
    item_name: str
    item_kind: str
    person: str
    credits: int
    status: str
    created_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_reason: str
    fulfilled_at: datetime.datetime | None = Field(None, description="When staff recorded what was given.")
    voucher_code: str = ""
    reference: str = ""
    fulfilment_note: str = ""


class FulfilIn(Schema):
    voucher_code: str = Field("", max_length=120)
    reference: str = Field("", max_length=120)
    note: str = Field("", max_length=500)


class RedemptionPage(Schema):
    items: list[RedemptionOut]
    next_cursor: str | None


class TransferOut(Schema):
    id: int
    created_at: datetime.datetime
    kind: str
    amount: int
    from_account: int
    from_kind: str
    to_account: int
    to_kind: str
    to_owner: str | None
    program: int | None
    source_ref: str
    memo: str
    reverses: int | None


class TransferPage(Schema):
    items: list[TransferOut]
    next_cursor: str | None


class FigureOut(Schema):
    key: str
    label: str
    definition: str
    value: float | int | None
    unit: str
    denominator: int | None = Field(None, description="What a rate is out of, or the base a figure stands on.")
    rate: bool
    small_base: bool = Field(description="The base is too small for a percentage to mean much.")


class SeriesOut(Schema):
    key: str
    label: str
    unit: str
    buckets: list[datetime.date]
    values: list[float | int]
    previous_values: list[float | int] = Field(description="The same buckets of the period just before.")


class IndicatorOut(Schema):
    key: str
    label: str
    available: bool
    figures: list[FigureOut]
    series: list[SeriesOut]


class CofundedProgramOut(Schema):
    program: int
    name: str
    credits_paid: int = Field(description="Credits the program paid in the period by all its funders, net of reversals.")
    credits_paid_by_agency: int = Field(description="The part of them paid from this agency's own pool.")


class IndicatorsOut(Schema):
    agency: str
    since: datetime.date
    until: datetime.date
    grain: str = Field(description="week or month: the buckets of every series.")
    sections: list[IndicatorOut]
    cofunded_programs: list[CofundedProgramOut] = Field(
        description="The co-funded programs this agency pays a part of, with its share (the impact page's table).")


class FirmsReachedOut(Schema):
    consent_note: str
    firms: int
    women_led: int
    by_export_stage: dict[str, int]
    by_country: dict[str, int]
    other_countries: int


class DecisionIn(Schema):
    reason: str = Field("", max_length=300)


class RejectionIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


# ---- The wrapper every operation goes through --------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        self.status, self.code, self.detail = status, code, detail


def _as_error(exc: Exception) -> tuple[int, dict]:
    if isinstance(exc, ApiError):
        return exc.status, {"code": exc.code, "detail": exc.detail}
    if isinstance(exc, Http404):
        return 404, {"code": "not_found", "detail": "Not found."}
    if isinstance(exc, PermissionDenied):
        return 403, {"code": "forbidden", "detail": str(exc) or "Forbidden."}
    if isinstance(exc, ValidationError):
        code = getattr(exc, "code", None) or "invalid"
        return 400, {"code": code, "detail": " ".join(exc.messages)}
    raise exc


def _request_hash(request) -> str:
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + request.body).hexdigest()


def _jsonable(payload):
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _run_idempotent(request, token: ApiToken, call) -> tuple[int, dict]:
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > 200:
        raise ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header (1 to 200 characters).")
    digest = _request_hash(request)
    with transaction.atomic():
        # Locked until this write commits: the same key sent twice at once waits here, then replays (the
        # second insert fails on the unique constraint once the first commits; get_or_create then reads it).
        record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
            token=token, key=key, defaults={"request_hash": digest}
        )
        if not created:
            if record.request_hash != digest:
                raise ApiError(409, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
            return record.status_code, record.response
        status, body = call()
        record.status_code, record.response = status, _jsonable(body)
        record.save(update_fields=["status_code", "response"])
        return status, record.response


def endpoint(action: str, *, scope: str, write: bool = False):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            token: ApiToken = request.auth
            status = 500
            try:
                if scope not in token.scopes:
                    raise ApiError(403, "scope", f"This token lacks the scope “{scope}”.")
                rate_limit(action="api", user=token)

                def call():
                    try:
                        result = view(request, *args, **kwargs)
                    except (Http404, PermissionDenied, ValidationError) as exc:
                        return _as_error(exc)
                    return result if isinstance(result, tuple) else (200, result)

                status, body = _run_idempotent(request, token, call) if write else call()
                return Status(status, body)
            except RateLimited:
                status = 429
                raise
            except ApiError as exc:
                status, body = _as_error(exc)
                return Status(status, body)
            finally:
                api_services.api_call_record(token=token, action=action, method=request.method,
                                             path=request.path, status=status)
        return wrapper
    return decorator


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = api.create_response(request, {"code": "rate_limited", "detail": " ".join(exc.messages)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _cursor(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "cursor", "Invalid cursor.") from None


def _page(items: list, next_pk: int | None, convert) -> dict:
    return {"items": [convert(item) for item in items], "next_cursor": str(next_pk) if next_pk else None}


def _email(user) -> str | None:
    return user.email if user is not None else None


# ---- Programs --------------------------------------------------------------------------------------

def _program(p) -> dict:
    return {
        "id": p.pk, "name": p.name, "description": p.description, "clusters": [c.slug for c in p.clusters.all()],
        "budget": p.budget, "funded": getattr(p, "funded", 0), "pool_balance": getattr(p, "pool_balance", 0),
        "pending_awards": getattr(p, "pending", 0), "starts_on": p.starts_on, "ends_on": p.ends_on,
        "rate_accepted_answer": p.rate_accepted_answer, "rate_mentoring_hour": p.rate_mentoring_hour,
        "rate_helpful_vote": p.rate_helpful_vote, "auto_approve": p.auto_approve,
    }


@api.get("/programs", response={200: list[ProgramOut], codes_4xx: ErrorOut}, tags=["programs"])
@endpoint("programs.list", scope="read")
def programs_list(request):
    return [_program(p) for p in selectors.programs_with_pools(agency=request.auth.agency)]


@api.get("/programs/{program_id}", response={200: ProgramOut, codes_4xx: ErrorOut}, tags=["programs"])
@endpoint("programs.get", scope="read")
def programs_get(request, program_id: int):
    agency = request.auth.agency
    program = selectors.program_for_staff(agency=agency, program_id=program_id)
    pools = {p.pk: p for p in selectors.programs_with_pools(agency=agency)}
    return _program(pools.get(program.pk, program))


# ---- Awards ----------------------------------------------------------------------------------------

def _award(a: Award) -> dict:
    return {
        "id": a.pk, "program": a.program_id, "kind": a.kind, "status": a.status, "credits": a.credits,
        "beneficiary": a.beneficiary.email, "caused_by": _email(a.caused_by), "cluster": a.cluster.slug,
        "source_ref": a.source_ref, "description": a.description, "minutes": a.minutes, "flag_code": a.flag_code,
        "cut_code": a.cut_code, "created_at": a.created_at, "decided_by": _email(a.decided_by),
        "decided_at": a.decided_at, "decision_reason": a.decision_reason,
        "agency_share": a.agency_share if getattr(a, "cofunded", False) else None,
        "approved_by_agency": bool(getattr(a, "approved_here", False)),
    }


class AwardFilter(Schema):
    status: Literal[tuple(Award.Status.values)] | None = None  # type: ignore[valid-type]
    kind: Literal[tuple(Award.Kind.values)] | None = None  # type: ignore[valid-type]
    program: int | None = None
    flagged: bool | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


@api.get("/awards", response={200: AwardPage, codes_4xx: ErrorOut}, tags=["awards"])
@endpoint("awards.list", scope="read")
def awards_list(request, filters: Query[AwardFilter]):
    awards = selectors.awards_for_agency(agency=request.auth.agency, status=filters.status or "")
    if filters.kind:
        awards = awards.filter(kind=filters.kind)
    if filters.program:
        awards = awards.filter(program_id=filters.program)
    if filters.flagged is not None:
        awards = awards.exclude(flag_code="") if filters.flagged else awards.filter(flag_code="")
    if filters.created_from:
        awards = awards.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        awards = awards.filter(created_at__date__lte=filters.created_to)
    items, next_pk = api_selectors.page_by_id(awards, cursor=_cursor(filters.cursor), limit=filters.limit)
    return _page(items, next_pk, _award)


@api.get("/awards/{award_id}", response={200: AwardOut, codes_4xx: ErrorOut}, tags=["awards"])
@endpoint("awards.get", scope="read")
def awards_get(request, award_id: int):
    return _award(selectors.award_for_staff(agency=request.auth.agency, award_id=award_id))


@api.post("/awards/{award_id}/approve", response={200: AwardOut, codes_4xx: ErrorOut}, tags=["awards"])
@endpoint("awards.approve", scope="write:awards", write=True)
def awards_approve(request, award_id: int, payload: DecisionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    token = request.auth
    award = selectors.award_for_staff(agency=token.agency, award_id=award_id)
    # For a co-funded award this is the approval of the token's agency; it is paid once every required one is in.
    services.award_approve(award=award, acting_user=token.created_by, reason=payload.reason, agency=token.agency)
    return _award(selectors.award_for_staff(agency=token.agency, award_id=award_id))


@api.post("/awards/{award_id}/reject", response={200: AwardOut, codes_4xx: ErrorOut}, tags=["awards"])
@endpoint("awards.reject", scope="write:awards", write=True)
def awards_reject(request, award_id: int, payload: RejectionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    token = request.auth
    award = selectors.award_for_staff(agency=token.agency, award_id=award_id)
    services.award_reject(award=award, acting_user=token.created_by, reason=payload.reason)
    return _award(selectors.award_for_staff(agency=token.agency, award_id=award_id))


# ---- Redemptions -----------------------------------------------------------------------------------

def _redemption(r: Redemption) -> dict:
    return {
        "id": r.pk, "item": r.item_id, "item_name": r.item.name, "item_kind": r.item.kind, "person": r.person.email,
        "credits": r.credits, "status": r.status, "created_at": r.created_at, "decided_by": _email(r.decided_by),
        "decided_at": r.decided_at, "decision_reason": r.decision_reason, "fulfilled_at": r.fulfilled_at,
        "voucher_code": r.voucher_code, "reference": r.reference, "fulfilment_note": r.fulfilment_note,
    }


class RedemptionFilter(Schema):
    status: Literal[tuple(Redemption.Status.values)] | None = None  # type: ignore[valid-type]
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


@api.get("/redemptions", response={200: RedemptionPage, codes_4xx: ErrorOut}, tags=["redemptions"])
@endpoint("redemptions.list", scope="read")
def redemptions_list(request, filters: Query[RedemptionFilter]):
    redemptions = selectors.redemptions_for_agency(agency=request.auth.agency, status=filters.status or "")
    items, next_pk = api_selectors.page_by_id(redemptions, cursor=_cursor(filters.cursor), limit=filters.limit)
    return _page(items, next_pk, _redemption)


@api.get("/redemptions/{redemption_id}", response={200: RedemptionOut, codes_4xx: ErrorOut}, tags=["redemptions"])
@endpoint("redemptions.get", scope="read")
def redemptions_get(request, redemption_id: int):
    return _redemption(selectors.redemption_for_staff(agency=request.auth.agency, redemption_id=redemption_id))


@api.post("/redemptions/{redemption_id}/approve", response={200: RedemptionOut, codes_4xx: ErrorOut},
          tags=["redemptions"])
@endpoint("redemptions.approve", scope="write:redemptions", write=True)
def redemptions_approve(request, redemption_id: int, payload: DecisionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    token = request.auth
    redemption = selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id)
    services.redemption_approve(redemption=redemption, acting_user=token.created_by, reason=payload.reason)
    return _redemption(selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id))


@api.post("/redemptions/{redemption_id}/reject", response={200: RedemptionOut, codes_4xx: ErrorOut},
          tags=["redemptions"])
@endpoint("redemptions.reject", scope="write:redemptions", write=True)
def redemptions_reject(request, redemption_id: int, payload: RejectionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    token = request.auth
    redemption = selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id)
    services.redemption_reject(redemption=redemption, acting_user=token.created_by, reason=payload.reason)
    return _redemption(selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id))


@api.post("/redemptions/{redemption_id}/fulfil", response={200: RedemptionOut, codes_4xx: ErrorOut},
          tags=["redemptions"])
@endpoint("redemptions.fulfil", scope="write:redemptions", write=True)
def redemptions_fulfil(request, redemption_id: int, payload: FulfilIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Records what was given for an approved redemption (a voucher code, a reference, a note; at least one);
    a later call with another key corrects it. The person sees it in their wallet."""
    token = request.auth
    redemption = selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id)
    services.redemption_fulfil(redemption=redemption, acting_user=token.created_by, voucher_code=payload.voucher_code,
                               reference=payload.reference, note=payload.note)
    return _redemption(selectors.redemption_for_staff(agency=token.agency, redemption_id=redemption_id))


# ---- Ledger ----------------------------------------------------------------------------------------

def _transfer(t: Transfer) -> dict:
    return {
        "id": t.pk, "created_at": t.created_at, "kind": t.kind, "amount": t.amount,
        "from_account": t.from_account_id, "from_kind": t.from_account.kind, "to_account": t.to_account_id,
        "to_kind": t.to_account.kind, "to_owner": _email(t.to_account.owner),
        "program": t.from_account.program_id or t.to_account.program_id, "source_ref": t.source_ref,
        "memo": t.memo, "reverses": t.reverses_id,
    }


class TransferFilter(Schema):
    kind: Literal[tuple(Transfer.Kind.values)] | None = None  # type: ignore[valid-type]
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


@api.get("/transfers", response={200: TransferPage, codes_4xx: ErrorOut}, tags=["ledger"])
@endpoint("transfers.list", scope="read")
def transfers_list(request, filters: Query[TransferFilter]):
    transfers = selectors.transfers_for_agency(
        agency=request.auth.agency, kind=filters.kind or "", date_from=filters.created_from,
        date_to=filters.created_to,
    )
    items, next_pk = api_selectors.page_by_id(transfers, cursor=_cursor(filters.cursor), limit=filters.limit)
    return _page(items, next_pk, _transfer)


# ---- Indicators and reach --------------------------------------------------------------------------

class IndicatorFilter(Schema):
    since: datetime.date | None = Field(None, description="Start of the period (default: the last 12 weeks).")
    until: datetime.date | None = Field(None, description="End of the period (default: today).")
    cluster: int | None = Field(None, description="Only this cluster (one the agency sponsors or a program it funds covers).")
    program: int | None = Field(None, description="Only the clusters this program (run or co-funded by the agency) covers.")
    country: str = Field("", description="Only firms of this country (ISO 3166 alpha-2).")
    section: list[str] = Field(default_factory=list, description="Only these sections (repeat the parameter).")


def _series(chart, scope) -> dict:
    buckets = scope.buckets()
    return {"key": chart.series.key, "label": str(chart.series.label), "unit": str(chart.series.unit),
            "buckets": buckets, "values": [row[1] for row in chart.rows], "previous_values": [row[3] for row in chart.rows]}


@api.get("/indicators", response={200: IndicatorsOut, codes_4xx: ErrorOut}, tags=["impact"])
@endpoint("indicators.get", scope="read")
def indicators(request, filters: Query[IndicatorFilter]):
    agency = request.auth.agency
    if filters.since and filters.until and filters.until < filters.since:
        return 400, {"code": "period", "detail": "until is before since."}
    clusters = list(selectors.clusters_funded(agency=agency).select_related("sector").order_by("name"))
    scope = impact.scope_for(agency=agency, clusters=clusters, start=filters.since, end=filters.until,
                             cluster=filters.cluster, program=filters.program, country=filters.country.upper())
    report = impact.build(scope)
    sections = [
        {"key": section.key, "label": str(section.label), "available": section.available,
         "figures": [
             {"key": i.key, "label": str(i.label), "definition": str(i.definition), "value": i.value,
              "unit": str(i.unit), "denominator": i.denominator, "rate": i.rate, "small_base": i.small}
             for i in section.indicators
         ],
         "series": [_series(chart, scope) for chart in section.charts]}
        for section in report.sections
        if not filters.section or section.key in filters.section
    ]
    cofunded = [{"program": row.program_id, "name": row.name, "credits_paid": row.total, "credits_paid_by_agency": row.mine}
                for row in report.cofunded]
    return {"agency": agency.slug, "since": scope.start, "until": scope.end, "grain": scope.grain, "sections": sections,
            "cofunded_programs": cofunded}


@api.get("/firms-reached", response={200: FirmsReachedOut, codes_4xx: ErrorOut}, tags=["impact"])
@endpoint("firms_reached.get", scope="read")
def firms_reached(request):
    counts = api_selectors.firms_reached_counts(agency=request.auth.agency)
    note = ("Counts only: firms have not consented to share their names with agencies. Countries with fewer than "
            f"{api_selectors.SMALLEST_SHOWN} firms are counted in other_countries.")
    return {"consent_note": note, **counts}

