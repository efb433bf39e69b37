from django.urls import path

from clusters import views
from infra import params  # noqa: F401  (registers the <id:> converter used below)

app_name = "clusters"

urlpatterns = [
    path("welcome/", views.onboarding, name="onboarding"),
    path("clusters/", views.directory, name="directory"),
    path("clusters/mine/", views.my_clusters, name="mine"),
    path("clusters/requests/", views.pending_requests, name="pending"),
    path(
        "clusters/requests/<id:membership_id>/<str:decision>/",
        views.pending_decide,
        name="pending_decide",
    ),
    path("clusters/<slug:slug>/", views.cluster_detail, name="detail"),
    path("clusters/<slug:slug>/join/", views.cluster_join, name="join"),
    path("clusters/<slug:slug>/leave/", views.cluster_leave, name="leave"),
    path("clusters/<slug:slug>/members/", views.cluster_members, name="members"),
    path(
        "clusters/<slug:slug>/members/<id:membership_id>/<str:action>/",
        views.member_manage,
        name="member_manage",
    ),
    path("firms/<id:firm_id>/", views.firm_detail, name="firm"),
    path("firms/<id:firm_id>/edit/", views.firm_edit, name="firm_edit"),
    path("firms/<id:firm_id>/members/<id:member_id>/<str:decision>/", views.firm_member_decide, name="firm_decide"),
]
