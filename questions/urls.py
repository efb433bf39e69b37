from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from questions import views

app_name = "questions"

urlpatterns = [
    path("questions/", views.my_questions, name="mine"),
    path("questions/waiting/", views.waiting, name="waiting"),
    path("questions/search/", views.search, name="search"),
    path("questions/from-message/<id:message_id>/", views.promote, name="promote"),
    path("questions/<id:question_id>/", views.detail, name="detail"),
    path("questions/<id:question_id>/edit/", views.edit, name="edit"),
    path("questions/<id:question_id>/history/", views.history, name="history"),
    path("questions/<id:question_id>/<slug:action>/", views.question_action, name="question_action"),
    path("questions/answers/<id:answer_id>/edit/", views.answer_edit, name="answer_edit"),
    path("questions/answers/<id:answer_id>/<slug:action>/", views.answer_action, name="answer_action"),
    path("clusters/<slug:slug>/questions/", views.cluster_questions, name="cluster"),
    path("clusters/<slug:slug>/questions/ask/", views.ask, name="ask"),
    path("clusters/<slug:slug>/questions/similar/", views.similar, name="similar"),
]
