from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from attachments import access
        from attachments.signals import attachment_removed
        from clusters.signals import cluster_created, membership_ended, person_deactivated
        from messaging import receivers, selectors

        # A room message's files are readable by whoever may read the message, now (every download asks).
        access.register(
            selectors.ATTACHMENT_OWNER, readable=selectors.message_readable, moderates=selectors.message_moderated_by,
            url=receivers.message_url,
        )
        attachment_removed.connect(receivers.on_attachment_removed, dispatch_uid="messaging.attachment_removed")
        membership_ended.connect(receivers.on_membership_ended, dispatch_uid="messaging.membership_ended")
        cluster_created.connect(receivers.on_cluster_created, dispatch_uid="messaging.cluster_created")
        person_deactivated.connect(receivers.on_person_deactivated, dispatch_uid="messaging.person_deactivated")
        try:
            from incentives.signals import award_changed
        except ImportError:  # the ledger app has not grown its signals yet
            return
        award_changed.connect(receivers.on_award_changed, dispatch_uid="messaging.award_changed")
