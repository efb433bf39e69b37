"""Mentoring's part of a firm's Puente history, shown to an agency the firm was referred to when the firm
chose to share it (incentives.referrals.register_history)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Firm
from incentives.referrals import HistoryItem
from mentoring.models import Mentorship, OutcomeFollowUp


def firm_history(firm: Firm) -> list[HistoryItem]:
    """The firm's mentorships, as the mentored side (with their outcome) and as the mentor's, and its
    follow-up answers: 3 queries."""
    items = []
    for mentorship in Mentorship.objects.filter(mentee__firm_member__firm=firm).select_related("cluster"):
        text = _("Mentorship in %(cluster)s: %(status)s") % {
            "cluster": mentorship.cluster.name if mentorship.cluster else "—",
            "status": mentorship.get_status_display(),
        }
        if mentorship.outcome:
            text += " · " + str(mentorship.get_outcome_display())
        items.append(HistoryItem(timezone.localdate(mentorship.started_at), text))
    for mentorship in Mentorship.objects.filter(mentor__firm_member__firm=firm).select_related("cluster"):
        text = _("Its mentor guided another firm in %(cluster)s: %(status)s") % {
            "cluster": mentorship.cluster.name if mentorship.cluster else "—",
            "status": mentorship.get_status_display(),
        }
        items.append(HistoryItem(timezone.localdate(mentorship.started_at), text))
    for followup in OutcomeFollowUp.objects.filter(firm=firm, answered_at__isnull=False):
        if followup.exporting:
            text = _("%(months)s months after its mentorship: exporting, to %(n)s markets") % {
                "months": followup.months, "n": len(followup.markets)}
        else:
            text = _("%(months)s months after its mentorship: not exporting") % {"months": followup.months}
        items.append(HistoryItem(timezone.localdate(followup.answered_at), text))
    return items
