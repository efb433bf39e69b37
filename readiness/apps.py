from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Export readiness")

    def ready(self):
        # The lower apps hear from readiness through hooks they define (the arrows stay one-way):
        # the firm page's parts (clusters.firm_panels) and a person's gaps and plan milestones
        # (mentoring.gaps).
        from readiness import hooks

        hooks.connect()
