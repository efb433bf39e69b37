from django.urls import path

from incentives import views

app_name = "incentives"
urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("agency/<slug:agency_slug>/programs/<int:program_id>/", views.program_detail, name="program"),
]
