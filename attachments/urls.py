from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("files/<str:key>/", views.download, name="download"),
    path("files/<str:key>/remove/", views.remove, name="remove"),
    path("files/<str:key>/<str:variant>/", views.download, name="thumbnail"),
]
