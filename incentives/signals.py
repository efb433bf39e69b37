"""Signals the apps above incentives listen to (incentives may not import them).

`award_changed` is sent after the transaction commits, with keyword arguments:

- `award`: the `incentives.models.Award` (its `recipient` is the beneficiary, `credits` the amount);
- `change`: one of "approved", "reversed", "flagged", "rejected".

Example (messaging does this in its AppConfig.ready())::

    from incentives.signals import award_changed
    award_changed.connect(on_award_changed, dispatch_uid="messaging.award_changed")
"""

from django.db import transaction
from django.dispatch import Signal

award_changed = Signal()

CHANGES = ("approved", "reversed", "flagged", "rejected")


def announce_award_change(*, award, change: str) -> None:
    """Schedules `award_changed` for after the commit: a rolled-back award never tells anyone."""
    assert change in CHANGES, change
    transaction.on_commit(lambda: award_changed.send(sender=type(award), award=award, change=change))
