from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from attachments import access
        from attachments.signals import attachment_removed
        from clusters.signals import membership_ended
        from messaging import receivers, selectors

        # A room message's files are readable by whoever may read the message, now (every download asks).
        access.register(
            selectors.ATTACHMENT_OWNER, readable=selectors.message_readable, moderates=selectors.message_moderated_by,
            url=receivers.message_url,
        )
        attachment_removed.connect(receivers.on_attachment_removed, dispatch_uid="messaging.attachment_removed")
        membership_ended.connect(receivers.on_membership_ended, dispatch_uid="messaging.membership_ended")
        post_save.connect(receivers.on_user_saved, sender=get_user_model(), dispatch_uid="messaging.user_saved")
        try:
            from incentives.signals import award_changed
        except ImportError:  # the ledger app has not grown its signals yet
            return
        award_changed.connect(receivers.on_award_changed, dispatch_uid="messaging.award_changed")
