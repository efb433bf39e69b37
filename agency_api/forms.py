"""Forms check the shape of input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agency_api.models import EVENT_LABELS, ApiToken
from incentives.signals import AGENCY_EVENTS


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("Which system uses it, e.g. “CRM sync”."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=ApiToken.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple, initial=[ApiToken.Scope.READ])
    expires_in_days = forms.IntegerField(label=_("Expires after (days)"), min_value=1, max_value=366, initial=90)


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("HTTPS address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("Events"), choices=[(e, EVENT_LABELS[e]) for e in AGENCY_EVENTS],
                                       widget=forms.CheckboxSelectMultiple)
