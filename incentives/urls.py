from django.urls import path

from incentives import views
from infra import params  # noqa: F401  (registers the <id:> converter used below)

app_name = "incentives"
urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/redeem/<id:item_id>/", views.redeem, name="redeem"),
    path("agency/", views.console_index, name="console_index"),
    path("agency/<slug:agency_slug>/", views.console, name="console"),
    path("agency/<slug:agency_slug>/programs/new/", views.program_create, name="program_create"),
    path("agency/<slug:agency_slug>/programs/<id:program_id>/", views.program_detail, name="program"),
    path("agency/<slug:agency_slug>/programs/<id:program_id>/funders/", views.program_funders, name="program_funders"),
    path("agency/<slug:agency_slug>/programs/<id:program_id>/funders/accept/", views.program_funder_accept,
         name="program_funder_accept"),
    path("agency/<slug:agency_slug>/referrals/", views.referrals_page, name="referrals"),
    path("agency/<slug:agency_slug>/referrals/<id:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<id:referral_id>/answer/", views.referral_answer, name="referral_answer"),
    path("agency/<slug:agency_slug>/awards/", views.awards_queue, name="awards"),
    path("agency/<slug:agency_slug>/awards/bulk/", views.awards_bulk, name="awards_bulk"),
    path("agency/<slug:agency_slug>/awards/<id:award_id>/<str:decision>/", views.award_decide, name="award_decide"),
    path("agency/<slug:agency_slug>/redemptions/", views.redemptions_queue, name="redemptions"),
    path("agency/<slug:agency_slug>/redemptions/<id:redemption_id>/<str:decision>/", views.redemption_decide,
         name="redemption_decide"),
    path("agency/<slug:agency_slug>/catalog/", views.catalog, name="catalog"),
    path("agency/<slug:agency_slug>/ledger/", views.ledger, name="ledger"),
    path("agency/<slug:agency_slug>/audit/", views.audit_log, name="audit"),
    path("agency/<slug:agency_slug>/impact/", views.dashboard, name="dashboard"),
    path("agency/<slug:agency_slug>/impact/report.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("agency/<slug:agency_slug>/export/transfers.csv", views.export_transfers, name="export_transfers"),
    path("agency/<slug:agency_slug>/export/awards.csv", views.export_awards, name="export_awards"),
]
