from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from agency_api.api import api as agency_api
from clusters import views as cluster_views
from home import views as home_views

# The admin signs in through allauth's login, so it shares its rate limits and email verification.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Puente"
admin.site.site_title = "Puente admin"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("language/", cluster_views.set_language, name="set_language"),
    path("time-zone/", cluster_views.set_time_zone, name="set_time_zone"),
    path("admin/", admin.site.urls),
    path("", include("clusters.urls")),
    path("", include("attachments.urls")),
    path("", include("incentives.urls")),
    path("", include("messaging.urls")),
    path("", include("questions.urls")),
    path("", include("mentoring.urls")),
    path("", include("library.urls")),
    path("", include("readiness.urls")),
    path("", include("agency_api.urls")),
    path("api/v1/", agency_api.urls),
]

# Error pages in the site's layout and the reader's language (home.errors).
handler400 = "home.errors.bad_request"
handler403 = "home.errors.permission_denied"
handler404 = "home.errors.page_not_found"
handler500 = "home.errors.server_error"
