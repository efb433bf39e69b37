from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("mentors/", views.directory, name="directory"),
    path("mentors/<int:user_id>/", views.mentor_detail, name="mentor"),
    path("mentors/<int:user_id>/request/", views.request_create, name="request_create"),
    path("mentoring/profile/", views.profile_edit, name="profile"),
    path("mentoring/needs/", views.needs_edit, name="needs"),
    path("mentorships/", views.mentorships, name="mentorships"),
    path("mentorships/requests/<int:request_id>/", views.request_detail, name="request"),
    path("mentorships/requests/<int:request_id>/<slug:action>/", views.request_action, name="request_action"),
    path("mentorships/<int:mentorship_id>/", views.mentorship_detail, name="mentorship"),
    path("mentorships/<int:mentorship_id>/<slug:action>/", views.mentorship_action, name="mentorship_action"),
    path("mentorships/goals/<int:goal_id>/<slug:action>/", views.goal_action, name="goal_action"),
    path("mentorships/milestones/<int:milestone_id>/<slug:action>/", views.milestone_action,
         name="milestone_action"),
    path("mentorships/sessions/<int:session_id>/<slug:action>/", views.session_action, name="session_action"),
    path("follow-ups/<int:followup_id>/", views.followup, name="followup"),
]
