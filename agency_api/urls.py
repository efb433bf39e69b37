from django.urls import path

from agency_api import views
from infra import params  # noqa: F401  (registers the <id:> converter used below)

app_name = "agency_api"
urlpatterns = [
    path("agency/<slug:agency_slug>/api/", views.api_console, name="console"),
    path("agency/<slug:agency_slug>/api/tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("agency/<slug:agency_slug>/api/webhooks/", views.webhook_create, name="webhook_create"),
    path("agency/<slug:agency_slug>/api/webhooks/<id:endpoint_id>/disable/", views.webhook_disable,
         name="webhook_disable"),
    path("agency/<slug:agency_slug>/api/deliveries/<id:delivery_id>/replay/", views.delivery_replay,
         name="delivery_replay"),
]
