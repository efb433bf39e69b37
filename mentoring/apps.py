from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self):
        from incentives.referrals import register_history
        from mentoring import impact
        from mentoring.history import firm_history

        impact.register()
        register_history("mentoring", provide=firm_history)
