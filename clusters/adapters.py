from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.urls import reverse

from clusters.models import User, fold_name


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and not user.is_onboarded:
            return reverse("clusters:onboarding")
        return super().get_login_redirect_url(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth lower-cases the address; fold accents and spaces too, so that "ÁNA@x" and "ana@x"
        # count against one limit.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return fold_name(key)

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in is the one they read their mails in.
        from django.utils import translation

        user.language = (translation.get_language() or "en").lower()
        return super().save_user(request, user, form, commit=commit)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, answering a sign-up that lost a race for its address as allauth answers a
    sign-up with a taken address (the "verification sent" page, and a mail to the owner; nothing tells
    a stranger whether the address is registered).

    The form checks that the address is free before saving, so eight taps on a slow phone all pass the
    check and race to the insert; the unique keys let one in and used to answer the others with a 500."""

    def try_save(self, request):
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            email = self.cleaned_data.get("email") or ""
            if not (User.objects.filter(email__iexact=email).exists()
                    or EmailAddress.objects.filter(email__iexact=email).exists()):
                raise
            self.account_already_exists = True
            return super().try_save(request)


class AddEmailForm(AllauthAddEmailForm):
    """allauth's form for adding an address, answering the same address added twice at once (a double
    tap) with the row the other request added (and whose confirmation mail it sent), not with a 500."""

    def save(self, request):
        try:
            with transaction.atomic():
                return super().save(request)
        except IntegrityError:
            existing = EmailAddress.objects.filter(user=self.user, email__iexact=self.cleaned_data["email"]).first()
            if existing is None:
                raise
            return existing
