from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


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


class OnboardingMiddleware:
    """Until a signed-in person has told us who they are, pages lead them to the onboarding form."""

    EXEMPT_PREFIXES = ("/accounts/", "/welcome/", "/language/", "/admin/", "/static/", "/ws/")

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
