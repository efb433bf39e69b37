"""Every write that matters in mentoring. Views, commands, other apps and tests call these.

Each function is one transaction; a broken rule raises ValidationError with a message for the person,
a missing right raises PermissionDenied.
"""

from django.db import transaction
from django.db.models import F

from clusters.models import User
from mentoring.models import MentorProfile


@transaction.atomic
def mentor_accepted_answers_adjust(*, user: User, delta: int) -> None:
    """Called by Q&A when one of this person's answers is accepted (+1) or un-accepted (-1).

    An F() expression so that two acceptances at once both count; a person without a mentor profile
    has nothing to adjust (no profile is created). The counter never goes below zero.
    """
    if delta == 0:
        return
    profiles = MentorProfile.objects.filter(user=user)
    if delta < 0:
        profiles = profiles.filter(accepted_answers__gte=-delta)
    profiles.update(accepted_answers=F("accepted_answers") + delta)
