from django.urls import path

from infra import params  # noqa: F401  (registers the <id:> converter used below)
from library import views

app_name = "library"

urlpatterns = [
    path("library/", views.index, name="index"),
    path("library/search/", views.search, name="search"),
    path("library/markets/<str:code>/", views.market, name="market"),
    path("library/new/", views.write, name="write"),
    path("library/curate/", views.curate, name="curate"),
    path("library/propose/<id:answer_id>/", views.propose, name="propose"),
    path("library/<id:entry_id>/", views.entry, name="entry"),
    path("library/<id:entry_id>/edit/", views.edit, name="edit"),
    path("library/<id:entry_id>/history/", views.history, name="history"),
    path("library/<id:entry_id>/history/<str:language>/<id:number>/", views.diff, name="diff"),
    path("library/<id:entry_id>/<slug:action>/", views.entry_action, name="action"),
]
