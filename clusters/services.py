"""Every write that matters in the clusters domain. Views, commands and tests call these.

Rules are checked here, not in forms: a broken rule raises ValidationError with a message for the
person, a missing right raises PermissionDenied. Each function is one transaction.
"""

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from clusters import access
from clusters.models import Cluster, ClusterMembership, Firm, FirmChange, FirmMember, Sector, User, fold_name
from clusters.signals import cluster_created, membership_ended, person_deactivated
from infra.ratelimit import rate_limit

Status = ClusterMembership.Status
Role = ClusterMembership.Role


@functools.cache
def country_codes() -> frozenset[str]:
    """Every country code we know (listing them names and sorts them all: done once per process)."""
    return frozenset(code for code, _name in countries)


def _check_country(code: str) -> str:
    code = (code or "").upper()
    if code not in country_codes():
        raise ValidationError(_("“%(code)s” is not a country we know.") % {"code": code}, code="country")
    return code


def _require_facilitator(*, user: User, cluster: Cluster) -> None:
    if not access.may_facilitate(user=user, cluster=cluster):
        raise PermissionDenied(_("Only a facilitator of this cluster can do that."))


def _locked_membership(membership: ClusterMembership) -> ClusterMembership:
    return ClusterMembership.objects.select_for_update(no_key=True, of=("self",)).select_related("cluster", "user").get(
        pk=membership.pk
    )


# --- Clusters ---------------------------------------------------------------------------------------


@transaction.atomic
def cluster_add(*, cluster: Cluster) -> Cluster:
    """Saves a new cluster (built by the admin's form or cluster_create) and gives it what every cluster
    has from the start (its general room, through the cluster_created signal)."""
    cluster.save()
    cluster_created.send(sender=Cluster, cluster=cluster)
    return cluster


def cluster_create(**fields) -> Cluster:
    """Creates a cluster from its fields (see cluster_add)."""
    return cluster_add(cluster=Cluster(**fields))


# --- People and firms -----------------------------------------------------------------------------


@transaction.atomic
def firm_create(
    *,
    creator: User,
    name: str,
    country: str,
    role: str = FirmMember.Role.OWNER,
    sectors: list[Sector] | tuple = (),
    size: str = Firm.Size.MICRO,
    export_stage: str = Firm.Stage.ASPIRANT,
    export_markets: list[str] | tuple = (),
    products: str = "",
    website: str = "",
    women_led: bool = False,
) -> Firm:
    """Creates a firm with its creator as its first active member."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the firm a name."), code="name")
    country = _check_country(country)
    markets = [_check_country(code) for code in export_markets]
    website = (website or "").strip()
    if website:
        # The firm's page links to it: anything but a web address (javascript:, data:...) would run there.
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise ValidationError(
                _("Give the firm's website as a web address, such as https://example.org."), code="website"
            ) from None
    if FirmMember.objects.filter(user=creator).exists():
        raise ValidationError(_("You already belong to a firm."), code="has_firm")
    if Firm.objects.filter(name_key=fold_name(name), country=country).exists():
        raise ValidationError(
            _("A firm called “%(name)s” already exists in that country. Ask to join it instead.") % {"name": name},
            code="firm_taken",
        )
    try:
        with transaction.atomic():
            firm = Firm.objects.create(
                name=name,
                country=country,
                size=size,
                export_stage=export_stage,
                export_markets=markets,
                products=products,
                website=website,
                women_led=women_led,
            )
    except IntegrityError:
        # Two people registering the same firm at the same moment: the database constraint decides.
        raise ValidationError(
            _("A firm called “%(name)s” already exists in that country. Ask to join it instead.") % {"name": name},
            code="firm_taken",
        ) from None
    firm.sectors.set(sectors)
    try:
        with transaction.atomic():
            FirmMember.objects.create(firm=firm, user=creator, role=role, status=FirmMember.Status.ACTIVE)
    except IntegrityError:
        # The same person registering two firms from two tabs at once: one firm per person.
        raise ValidationError(_("You already belong to a firm."), code="has_firm") from None
    return firm


@transaction.atomic
def firm_request_join(*, firm: Firm, user: User, role: str = FirmMember.Role.STAFF) -> FirmMember:
    """Asks to join an existing firm; one of its active members approves."""
    if FirmMember.objects.filter(user=user).exists():
        raise ValidationError(_("You already belong to a firm."), code="has_firm")
    rate_limit(action="join_request", user=user)
    try:
        with transaction.atomic():
            return FirmMember.objects.create(firm=firm, user=user, role=role, status=FirmMember.Status.PENDING)
    except IntegrityError:
        # The same person asking twice at once (or joining another firm meanwhile): one row per person.
        raise ValidationError(_("You already belong to a firm."), code="has_firm") from None


def is_firm_member(*, firm: Firm, user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or FirmMember.objects.filter(firm=firm, user=user, status=FirmMember.Status.ACTIVE).exists()


def _require_firm_member(*, firm: Firm, user: User) -> None:
    if not is_firm_member(firm=firm, user=user):
        raise PermissionDenied(_("Only people of this firm can do that."))


def _locked_firm_member(member: FirmMember, *, acting_user: User, no_key: bool) -> FirmMember:
    locked = FirmMember.objects.select_for_update(no_key=no_key).filter(pk=member.pk).first()
    _require_firm_member(firm=member.firm, user=acting_user)
    if locked is None:  # rejected (deleted) a moment ago by another member of the firm
        raise ValidationError(_("This request is not waiting for a decision."), code="not_pending")
    return locked


@transaction.atomic
def firm_member_approve(*, member: FirmMember, acting_user: User) -> FirmMember:
    member = _locked_firm_member(member, acting_user=acting_user, no_key=True)
    if member.status != FirmMember.Status.PENDING:
        raise ValidationError(_("This request is not waiting for a decision."), code="not_pending")
    member.status = FirmMember.Status.ACTIVE
    member.joined_at = timezone.now()
    member.save(update_fields=["status", "joined_at"])
    return member


@transaction.atomic
def firm_member_reject(*, member: FirmMember, acting_user: User) -> None:
    member = _locked_firm_member(member, acting_user=acting_user, no_key=False)  # FOR UPDATE: it is deleted
    if member.status != FirmMember.Status.PENDING:
        raise ValidationError(_("This request is not waiting for a decision."), code="not_pending")
    member.delete()


MAX_FIRM_DESCRIPTION = 4000


@transaction.atomic
def firm_update(
    *,
    firm: Firm,
    acting_user: User,
    export_stage: str,
    target_markets: list[str] | tuple,
    description: str,
) -> FirmChange | None:
    """One of the firm's people updates its stage, the markets it wants to reach and its description.

    The change is recorded (who, when, each field before and after); saving the same values records
    nothing and returns None. Locks the firm's row, so two members saving at once are recorded one
    after the other, each against what the other left.
    """
    _require_firm_member(firm=firm, user=acting_user)
    if export_stage not in Firm.Stage.values:
        raise ValidationError(_("Choose an export stage from the list."), code="stage")
    markets = sorted({_check_country(code) for code in target_markets})  # the field keeps them sorted
    description = (description or "").strip()
    if len(description) > MAX_FIRM_DESCRIPTION:
        raise ValidationError(
            _("Keep the description under %(limit)s characters.") % {"limit": MAX_FIRM_DESCRIPTION}, code="description"
        )
    firm = Firm.objects.select_for_update(no_key=True).get(pk=firm.pk)
    before = {
        "export_stage": firm.export_stage,
        "target_markets": [c.code for c in firm.target_markets],
        "description": firm.description,
    }
    after = {"export_stage": export_stage, "target_markets": markets, "description": description}
    changed = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if not changed:
        return None
    firm.export_stage, firm.target_markets, firm.description = export_stage, markets, description
    firm.save(update_fields=list(changed))
    return FirmChange.objects.create(firm=firm, changed_by=acting_user, fields=changed)


@transaction.atomic
def person_onboard(
    *,
    user: User,
    name: str,
    language: str,
    country: str,
    wants_to_mentor: bool,
    time_zone: str | None = None,
) -> User:
    """The person's profile. `time_zone`: None keeps theirs, "" goes back to the browser's."""
    from clusters.times import valid_time_zone

    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Tell us your name."), code="name")
    if language not in {"es", "pt-br", "en"}:
        raise ValidationError(_("Choose one of the offered languages."), code="language")
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    user.name = name
    user.language = language
    user.country = _check_country(country)
    user.wants_to_mentor = wants_to_mentor
    user.onboarded_at = user.onboarded_at or timezone.now()
    fields = ["name", "language", "country", "wants_to_mentor", "onboarded_at"]
    if time_zone is not None:
        if time_zone and not valid_time_zone(time_zone):
            raise ValidationError(_("Choose one of the offered time zones."), code="time_zone")
        user.time_zone = time_zone
        fields.append("time_zone")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def onboarding_complete(
    *,
    user: User,
    name: str,
    language: str,
    country: str,
    wants_to_mentor: bool,
    time_zone: str | None = None,
    firm_role: str = FirmMember.Role.OWNER,
    new_firm: dict | None = None,
    existing_firm: Firm | None = None,
) -> User:
    """The onboarding form, all or nothing: the person's profile (person_onboard), then the firm they
    register (`new_firm`: firm_create's fields) or ask to join (`existing_firm`), if any."""
    user = person_onboard(user=user, name=name, language=language, country=country, wants_to_mentor=wants_to_mentor,
                          time_zone=time_zone)
    if new_firm is not None:
        firm_create(creator=user, role=firm_role, **new_firm)
    elif existing_firm is not None:
        firm_request_join(firm=existing_firm, user=user, role=firm_role)
    return user


@transaction.atomic
def person_deactivate(*, user: User) -> None:
    """Switches an account off (the admin's "active" box): the person is signed out everywhere and, from
    now on, a visitor (clusters.access); their open sockets close once this commits."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    person_deactivated.send(sender=User, user_id=user.pk)


def person_set_time_zone(*, user: User, time_zone: str, only_if_unset: bool = False) -> bool:
    """The zone this person's times are shown in (clusters.times). With `only_if_unset` (the browser
    telling its own zone on a first visit) a zone the person already has is kept. True when changed."""
    from clusters.times import valid_time_zone

    if not valid_time_zone(time_zone):
        raise ValidationError(_("Choose one of the offered time zones."), code="time_zone")
    people = User.objects.filter(pk=user.pk)
    if only_if_unset:
        people = people.filter(time_zone="")
    changed = bool(people.exclude(time_zone=time_zone).update(time_zone=time_zone))
    if changed:
        user.time_zone = time_zone
    return changed


def person_set_language(*, user: User, language: str) -> None:
    if language not in {"es", "pt-br", "en"}:
        raise ValidationError(_("Choose one of the offered languages."), code="language")
    User.objects.filter(pk=user.pk).update(language=language)


# --- Cluster memberships ------------------------------------------------------------------------


@transaction.atomic
def membership_join(*, cluster: Cluster, user: User, message: str = "") -> ClusterMembership:
    """Joins an open cluster at once, or asks the facilitators of a by-approval cluster.

    Someone who left may come back the same way; someone removed or rejected asks again and waits
    for a facilitator, even in an open cluster.
    """
    if not cluster.is_active:
        raise ValidationError(_("This cluster is closed."), code="closed")
    membership = ClusterMembership.objects.select_for_update(no_key=True).filter(cluster=cluster, user=user).first()
    if membership is not None:
        _refuse_if_joined(membership)

    rate_limit(action="join_request", user=user)
    was_turned_away = membership is not None and membership.status in (Status.REMOVED, Status.REJECTED)
    status = Status.ACTIVE if cluster.is_open and not was_turned_away else Status.PENDING
    now = timezone.now()
    if membership is None:
        membership = ClusterMembership(cluster=cluster, user=user)
    membership.role = Role.MEMBER
    membership.status = status
    membership.message = message.strip()[:2000]
    membership.requested_at = now
    membership.decided_at = now if status == Status.ACTIVE else None
    membership.decided_by = None
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        # A double click raced us to the insert and the other request won: the answer is the one a
        # second click after it gets.
        _refuse_if_joined(ClusterMembership.objects.get(cluster=cluster, user=user))
        raise
    return membership


def _refuse_if_joined(membership: ClusterMembership) -> None:
    if membership.status == Status.ACTIVE:
        raise ValidationError(_("You are already a member of this cluster."), code="already_member")
    if membership.status == Status.PENDING:
        raise ValidationError(_("Your request to join is already waiting for a facilitator."), code="already_pending")


def _decide(*, membership: ClusterMembership, acting_user: User, status: str) -> ClusterMembership:
    membership = _locked_membership(membership)
    _require_facilitator(user=acting_user, cluster=membership.cluster)
    if membership.status != Status.PENDING:
        raise ValidationError(_("This request is not waiting for a decision."), code="not_pending")
    membership.status = status
    membership.decided_at = timezone.now()
    membership.decided_by = acting_user
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    return membership


@transaction.atomic
def membership_approve(*, membership: ClusterMembership, acting_user: User) -> ClusterMembership:
    return _decide(membership=membership, acting_user=acting_user, status=Status.ACTIVE)


@transaction.atomic
def membership_reject(*, membership: ClusterMembership, acting_user: User) -> ClusterMembership:
    return _decide(membership=membership, acting_user=acting_user, status=Status.REJECTED)


@transaction.atomic
def membership_leave(*, cluster: Cluster, user: User) -> ClusterMembership:
    """Leaves a cluster, or withdraws a pending request."""
    membership = ClusterMembership.objects.select_for_update(no_key=True).filter(cluster=cluster, user=user).first()
    if membership is None or membership.status not in (Status.ACTIVE, Status.PENDING):
        raise ValidationError(_("You are not a member of this cluster."), code="not_member")
    if membership.role == Role.FACILITATOR and membership.status == Status.ACTIVE:
        others = ClusterMembership.objects.filter(
            cluster=cluster, role=Role.FACILITATOR, status=Status.ACTIVE
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(
                _("You are this cluster's only facilitator. Name another facilitator before you leave."),
                code="last_facilitator",
            )
    membership.status = Status.LEFT
    membership.role = Role.MEMBER
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "role", "decided_at"])
    _membership_ended(membership)
    return membership


@transaction.atomic
def membership_set_role(*, membership: ClusterMembership, acting_user: User, role: str) -> ClusterMembership:
    """Promotes a member to mentor or facilitator (or back to member)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="role")
    membership = _locked_membership(membership)
    _require_facilitator(user=acting_user, cluster=membership.cluster)
    if membership.status != Status.ACTIVE:
        raise ValidationError(_("Only active members can be given a role."), code="not_active")
    if membership.role == role:
        raise ValidationError(_("This person already has that role."), code="same_role")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def membership_promote_to_mentor(*, membership: ClusterMembership, acting_user: User) -> ClusterMembership:
    return membership_set_role(membership=membership, acting_user=acting_user, role=Role.MENTOR)


@transaction.atomic
def membership_remove(*, membership: ClusterMembership, acting_user: User) -> ClusterMembership:
    membership = _locked_membership(membership)
    _require_facilitator(user=acting_user, cluster=membership.cluster)
    if membership.user_id == acting_user.pk:
        raise ValidationError(_("To leave the cluster yourself, use “Leave”."), code="self")
    if membership.status != Status.ACTIVE:
        raise ValidationError(_("This person is not an active member."), code="not_active")
    membership.status = Status.REMOVED
    membership.role = Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = acting_user
    membership.save(update_fields=["status", "role", "decided_at", "decided_by"])
    _membership_ended(membership)
    return membership


def _membership_ended(membership: ClusterMembership) -> None:
    # Apps above clusters (messaging closes the person's sockets) listen; they must defer side
    # effects to transaction.on_commit, since this runs inside the service's transaction.
    membership_ended.send(sender=ClusterMembership, membership=membership)
