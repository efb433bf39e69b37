"""The signed-in person's own bits of the site header (base.html): whether they are staff of some
agency (the "Agency" link) and their firm (the "My firm" link), and whether they are an active member of
it (what the home page shows of the firm: `active_firm_id`).

Both come from one query, kept per person (infra.cache) and forgotten as soon as either changes:
joining or leaving an agency's staff (m2m_changed), an agency deleted (pre_delete), a firm membership
made, changed or deleted, including by a firm's deletion (post_save, post_delete).
"""

from django.db.models import Exists, OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from clusters.models import Agency, FirmMember, User
from infra.cache import Kept, read_many

NAV_PERSON = Kept("nav-person", timeout=60)


def nav_person_uncached(*, user: User) -> dict:
    """{"agency_staff": bool, "firm_id": int | None, "active_firm_id": int | None} for the person (a
    person has at most one firm; `active_firm_id` is it once their membership is active): 1 query."""
    firm_member = FirmMember.objects.filter(user_id=OuterRef("pk"))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            agency_staff=Exists(Agency.staff.through.objects.filter(user_id=OuterRef("pk"))),
            firm=Subquery(firm_member.values("firm_id")[:1]),
            firm_status=Subquery(firm_member.values("status")[:1]),
        )
        .values_list("agency_staff", "firm", "firm_status")
        .first()
    )
    agency_staff, firm_id, status = row if row else (False, None, None)
    active = firm_id if status == FirmMember.Status.ACTIVE else None
    return {"agency_staff": bool(agency_staff), "firm_id": firm_id, "active_firm_id": active}


def nav_person_entry(*, user: User) -> tuple:
    """The bits as an entry for infra.cache.read_many (read with other kept values at once); pass
    what it gives to with_superuser."""
    return NAV_PERSON.entry(user.pk, read=lambda: nav_person_uncached(user=user))


def with_superuser(bits: dict, user: User) -> dict:
    """Superusers always see the agency console link (as before)."""
    return {**bits, "agency_staff": True} if user.is_superuser else bits


def nav_person(*, user: User) -> dict:
    """The header bits for a signed-in person, from the cache or 1 query."""
    return with_superuser(read_many([nav_person_entry(user=user)])[0], user)


def active_firm_id(*, user: User) -> int | None:
    """The firm the person is an active member of, or None: kept, or 1 query."""
    return nav_person(user=user).get("active_firm_id")


def nav_person_forget(*, user_ids) -> None:
    NAV_PERSON.forget(*((pk,) for pk in user_ids if pk is not None))


def _firm_member_changed(sender, instance, **kwargs):
    nav_person_forget(user_ids=[instance.user_id])


def _agency_staff_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if reverse:  # user.agencies.add(...): the instance is the person
        nav_person_forget(user_ids=[instance.pk])
    elif action == "pre_clear":  # agency.staff.clear(): pk_set is None, so read who is there now
        nav_person_forget(user_ids=list(instance.staff.values_list("pk", flat=True)))
    elif pk_set:
        nav_person_forget(user_ids=pk_set)


def _agency_deleted(sender, instance, **kwargs):
    nav_person_forget(user_ids=list(instance.staff.values_list("pk", flat=True)))


def connect() -> None:
    post_save.connect(_firm_member_changed, sender=FirmMember, dispatch_uid="nav_person_firm_saved")
    post_delete.connect(_firm_member_changed, sender=FirmMember, dispatch_uid="nav_person_firm_deleted")
    m2m_changed.connect(_agency_staff_changed, sender=Agency.staff.through, dispatch_uid="nav_person_agency_staff")
    pre_delete.connect(_agency_deleted, sender=Agency, dispatch_uid="nav_person_agency_deleted")
