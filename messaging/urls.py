from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.rooms, name="rooms"),
    path("messages/<id:room_id>/", views.room, name="room"),
    path("messages/<id:room_id>/preferences/", views.room_preferences, name="preferences"),
    path("messages/<id:room_id>/files/", views.room_files, name="files"),
    path("messages/message/<id:message_id>/", views.message_link, name="message_link"),
    path("messages/with/<id:user_id>/", views.direct, name="direct"),
    path("messages/cluster/<slug:slug>/", views.cluster_general, name="cluster_general"),
    path("messages/cluster/<slug:slug>/new/", views.topic_room_new, name="topic_new"),
    path("messages/message/<id:message_id>/edit/", views.message_edit, name="edit"),
    path("messages/message/<id:message_id>/delete/", views.message_delete, name="delete"),
    path("messages/message/<id:message_id>/report/", views.message_report, name="report"),
    path("messages/message/<id:message_id>/history/", views.message_history, name="history"),
    path("messages/message/<id:message_id>/react/", views.message_react, name="react"),
    path("messages/moderation/", views.moderation, name="moderation"),
    path("messages/moderation/<id:report_id>/<str:action>/", views.moderation_decide, name="moderation_decide"),
    path("messages/moderation/suspensions/<id:suspension_id>/lift/", views.unsuspend, name="unsuspend"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<id:notification_id>/", views.notification_open, name="notification_open"),
]
