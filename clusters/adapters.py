from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and not user.is_onboarded:
            return reverse("clusters:onboarding")
        return super().get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in is the one they read their mails in.
        from django.utils import translation

        user.language = (translation.get_language() or "en").lower()
        return super().save_user(request, user, form, commit=commit)
