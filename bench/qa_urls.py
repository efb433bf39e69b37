"""The project's URLs plus a trivial view, so the Q&A bench compares both in one server process."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as puente_urlpatterns


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *puente_urlpatterns]
