from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from readiness import views

app_name = "readiness"

urlpatterns = [
    path("readiness/", views.index, name="index"),
    path("readiness/start/", views.start, name="start"),
    path("readiness/agency/", views.agency, name="agency"),
    path("readiness/<id:assessment_id>/", views.result, name="result"),
    path("readiness/<id:assessment_id>/step/<int:number>/", views.step, name="step"),
    path("readiness/<id:assessment_id>/share/", views.share, name="share"),
]
