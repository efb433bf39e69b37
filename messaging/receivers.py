"""Listeners for signals of the apps below messaging. They only call services; the services defer
their side effects to transaction.on_commit."""

from django.urls import NoReverseMatch, reverse


def on_membership_ended(sender, membership, **kwargs) -> None:
    from messaging import services

    services.cluster_access_ended(user_id=membership.user_id, cluster_id=membership.cluster_id)


def on_cluster_created(sender, cluster, **kwargs) -> None:
    from messaging import services

    services.room_general_for_cluster(cluster=cluster)


def on_person_deactivated(sender, user_id, **kwargs) -> None:
    from messaging import services

    services.account_deactivated(user_id=user_id)


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


def message_url(message_id: int) -> str:
    return reverse("messaging:message_link", args=[message_id])


def on_attachment_removed(sender, attachment, **kwargs) -> None:
    from messaging import events, selectors
    from messaging.models import Message

    if attachment.owner_type != selectors.ATTACHMENT_OWNER:
        return
    room_id = Message.objects.filter(pk=attachment.owner_id).values_list("room_id", flat=True).first()
    if room_id is not None:
        events.attachment_removed_on_commit(room_id=room_id, message_id=attachment.owner_id, attachment=attachment)
