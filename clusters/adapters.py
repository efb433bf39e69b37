from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

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

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # "Signed in as …" is written while the request still speaks the browser's language (the person
        # was anonymous when it began); they read it on their next page, in their own. Someone who has
        # not told us their name yet is greeted by the onboarding page instead.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if message_template == "account/messages/logged_in.txt" and signed_in and not user.name:
            return None
        language = getattr(user, "language", "") if signed_in else ""
        with translation.override(language or translation.get_language()):
            return super().add_message(
                request, level, message_template=message_template, message_context=message_context,
                extra_tags=extra_tags, message=message,
            )

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in is the one they read their mails in.
        user.language = (translation.get_language() or "en").lower()
        return super().save_user(request, user, form, commit=commit)


def user_display(user) -> str:
    """How allauth's pages and mails name a person: the name they gave, else their address (never a
    name made up from it)."""
    return user.name or user.email
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
