"""Signals the apps above incentives listen to (incentives may not import them).

`award_changed` is sent after the transaction commits, with keyword arguments:

- `award`: the `incentives.models.Award` (its `recipient` is the beneficiary, `credits` the amount);
- `change`: one of "approved", "reversed", "flagged", "rejected".

Example (messaging does this in its AppConfig.ready())::

    from incentives.signals import award_changed
    award_changed.connect(on_award_changed, dispatch_uid="messaging.award_changed")

`agency_event` is sent INSIDE the writer's transaction, so that a receiver can record the event in the
same transaction (an outbox: agency_api queues its webhook deliveries this way, and a rolled-back write
leaves no delivery behind). Receivers only write rows; they never do I/O. Keyword arguments:

- `agency_id`: the agency the event belongs to;
- `event`: one of `AGENCY_EVENTS`;
- `ids`: small dict of primary keys, e.g. {"award": 12}.
"""

from django.db import transaction
from django.dispatch import Signal

award_changed = Signal()
agency_event = Signal()

CHANGES = ("approved", "reversed", "flagged", "rejected")
AGENCY_EVENTS = ("award.approved", "redemption.requested", "outcome.reported")


def announce_award_change(*, award, change: str) -> None:
    """Schedules `award_changed` for after the commit: a rolled-back award never tells anyone."""
    assert change in CHANGES, change
    if change == "approved":
        announce_agency_event(agency_id=award.program.agency_id, event="award.approved", ids={"award": award.pk})
    transaction.on_commit(lambda: award_changed.send(sender=type(award), award=award, change=change))


def announce_agency_event(*, agency_id: int, event: str, ids: dict) -> None:
    """Sends `agency_event` now, inside the caller's transaction (see above).

    "outcome.reported" is sent by whoever records a mentorship's outcome (mentoring), with
    ids={"mentorship": ...} and the agency that sponsors the mentorship's cluster."""
    assert event in AGENCY_EVENTS, event
    agency_event.send(sender=None, agency_id=agency_id, event=event, ids=ids)
