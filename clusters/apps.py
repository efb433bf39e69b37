from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = _("Clusters and firms")

    def ready(self):
        from clusters import access, nav

        nav.connect()
        access.connect()
