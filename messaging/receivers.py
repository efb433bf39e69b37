"""Listeners for signals of the apps below messaging. They only call services; the services defer
their side effects to transaction.on_commit."""

from django.urls import NoReverseMatch, reverse


def on_membership_ended(sender, membership, **kwargs) -> None:
    from messaging import services

    services.cluster_access_ended(user_id=membership.user_id, cluster_id=membership.cluster_id)


def on_user_saved(sender, instance, created=False, **kwargs) -> None:
    from messaging import services

    if not created and not instance.is_active:
        services.account_deactivated(user_id=instance.pk)


def on_award_changed(sender, award, change=None, **kwargs) -> None:
    from messaging import services

    recipient = getattr(award, "recipient", None) or getattr(award, "beneficiary", None)
    if recipient is None:
        return
    try:
        url = reverse("incentives:wallet")
    except NoReverseMatch:
        url = ""
    services.notification_award(recipient=recipient, award=award, change=change, url=url)
