from django.apps import AppConfig


class AgencyApiConfig(AppConfig):
    name = "agency_api"
    verbose_name = "Agency API and webhooks"

    def ready(self):
        from agency_api import webhooks
        from incentives.signals import agency_event

        # Inside the writer's transaction: the deliveries commit (or roll back) with the event.
        agency_event.connect(webhooks.on_agency_event, dispatch_uid="agency_api.webhooks")
