from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from clusters.times import TIME_ZONE_COOKIE, valid_time_zone


class PersonLanguageMiddleware:
    """A signed-in person sees the language they chose, on any device; visitors get Accept-Language
    (or the language cookie), which LocaleMiddleware has already applied."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class PersonTimeZoneMiddleware:
    """Times are shown in the person's zone (clusters.times): the one on their profile, else the one
    their browser reported (a cookie static/js/times.js sets), else the site's TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        zone = valid_time_zone(zone) or valid_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class OnboardingMiddleware:
    """Until a signed-in person has told us who they are, pages lead them to the onboarding form."""

    EXEMPT_PREFIXES = ("/accounts/", "/welcome/", "/language/", "/time-zone/", "/admin/", "/static/", "/ws/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_onboarded
            and request.method == "GET"
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('clusters:onboarding')}?next={request.get_full_path()}")
        return self.get_response(request)
