"""Forms check the shape of input; the services check the rules."""

import uuid

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster
from config.params import ModelIdsField
from incentives.ledger import MAX_CREDITS
from incentives.models import Account, CatalogItem, Program, Transfer

# Credits per accepted answer, per mentoring hour or per helpful vote: far beyond any program, and an
# eight-hour session's award (rate × 8) still fits the award's 32-bit column.
MAX_RATE = 1_000_000
RATES = ["rate_accepted_answer", "rate_mentoring_hour", "rate_helpful_vote", "rate_library_entry"]


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "name", "description", "clusters", "budget", "starts_on", "ends_on", "rate_accepted_answer",
            "rate_mentoring_hour", "rate_helpful_vote", "rate_library_entry", "cap_mentor_day", "cap_mentor_month", "cap_pair_month",
            "auto_approve",
        ]
        widgets = {
            "clusters": forms.CheckboxSelectMultiple,
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"clusters": ModelIdsField}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clusters"].queryset = Cluster.objects.filter(agency=agency, is_active=True).order_by("name")
        for name in RATES:
            self.fields[name].max_value = MAX_RATE
            self.fields[name].validators.append(MaxValueValidator(MAX_RATE))
            self.fields[name].widget.attrs["max"] = MAX_RATE
        # Added after the others: a form that leaves it out (an older page, a script) means no library rate.
        self.fields["rate_library_entry"].required = False

    def clean_rate_library_entry(self) -> int:
        return self.cleaned_data.get("rate_library_entry") or 0


class FundForm(forms.Form):
    amount = forms.IntegerField(label=_("Credits to move from the mint to the pool"), min_value=1,
                                max_value=MAX_CREDITS)
    reason = forms.CharField(label=_("Why"), max_length=300)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class CatalogItemForm(forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = ["kind", "name", "description", "price", "stock"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RedeemForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *list(Transfer.Kind.choices)])
    account_kind = forms.ChoiceField(
        label=_("Account"), required=False, choices=[("", _("Any")), *list(Account.Kind.choices)]
    )
    q = forms.CharField(label=_("Source, memo or email"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
