"""The few calls mentoring makes into the apps above it (messaging, incentives), in one place.

Services call these inside their transaction: the room, the notification and the award are written
together with the mentoring change or not at all.
"""

from clusters.models import Cluster, User
from infra.words import stored


def room_for_mentorship(*, mentor: User, mentee: User):
    from messaging.services import room_create_mentorship

    return room_create_mentorship(mentor=mentor, mentee=mentee)


def room_close(*, room) -> None:
    from messaging.services import room_archive

    room_archive(room=room)


def notify(*, recipient: User, kind: str, template: str, params: dict, url: str, actor: User | None = None,
           email_if_offline: bool = False) -> None:
    """Notifies a person; `template` (a msgid marked with gettext_noop) and `params` are kept and put into
    words in the reader's language whenever the notification is shown (infra.words)."""
    from messaging.services import notification_create

    notification_create(
        recipient=recipient, kind=kind, params=stored(template, **params), url=url, actor=actor,
        email_if_offline=email_if_offline,
    )


def session_pay(*, beneficiary: User, cluster: Cluster | None, source_ref: str, description: str,
                caused_by: User, minutes: int, description_params: dict | None = None, work_date=None):
    """Asks the incentive ledger to pay for a confirmed session; it decides whether a program pays."""
    if cluster is None:
        return None
    try:
        from incentives.awards import award_grant
    except ModuleNotFoundError as exc:
        # A deployment without the incentive ledger still runs mentorships; nothing is paid.
        if exc.name != "incentives.awards":
            raise
        return None

    return award_grant(
        kind="mentoring_session",
        beneficiary=beneficiary,
        cluster=cluster,
        source_ref=source_ref,
        description=description,
        caused_by=caused_by,
        minutes=minutes,
        description_params=description_params,
        work_date=work_date,
    )


def outcome_reported(*, mentorship, followup=None) -> None:
    """Tells the agency that sponsors the mentorship's cluster that an outcome was reported (its webhook
    subscribers hear it: incentives.signals.agency_event, inside this transaction)."""
    agency_id = mentorship.cluster.agency_id if mentorship.cluster_id else None
    if agency_id is None:
        return
    try:
        from incentives.signals import announce_agency_event
    except ModuleNotFoundError as exc:
        if exc.name != "incentives.signals":
            raise
        return
    ids = {"mentorship": mentorship.pk}
    if followup is not None:
        ids["followup"] = followup.pk
    announce_agency_event(agency_id=agency_id, event="outcome.reported", ids=ids)
