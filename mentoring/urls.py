from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("mentors/", views.directory, name="directory"),
    path("mentors/<id:user_id>/", views.mentor_detail, name="mentor"),
    path("mentors/<id:user_id>/request/", views.request_create, name="request_create"),
    path("mentoring/profile/", views.profile_edit, name="profile"),
    path("mentoring/needs/", views.needs_edit, name="needs"),
    path("mentorships/", views.mentorships, name="mentorships"),
    path("mentorships/requests/<id:request_id>/", views.request_detail, name="request"),
    path("mentorships/requests/<id:request_id>/<slug:action>/", views.request_action, name="request_action"),
    path("mentorships/<id:mentorship_id>/", views.mentorship_detail, name="mentorship"),
    path("mentorships/<id:mentorship_id>/<slug:action>/", views.mentorship_action, name="mentorship_action"),
    path("mentorships/goals/<id:goal_id>/<slug:action>/", views.goal_action, name="goal_action"),
    path("mentorships/milestones/<id:milestone_id>/<slug:action>/", views.milestone_action,
         name="milestone_action"),
    path("mentorships/sessions/<id:session_id>/<slug:action>/", views.session_action, name="session_action"),
    path("follow-ups/", views.followups_list, name="followups"),
    path("follow-ups/<id:followup_id>/", views.followup, name="followup"),
]
