"""Forms check the shape of input; the services check the rules."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.models import Cluster
from incentives.models import Account, CatalogItem, Program, Transfer


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "name", "description", "clusters", "budget", "starts_on", "ends_on", "rate_accepted_answer",
            "rate_mentoring_hour", "rate_helpful_vote", "cap_mentor_day", "cap_mentor_month", "cap_pair_month",
            "auto_approve",
        ]
        widgets = {
            "clusters": forms.CheckboxSelectMultiple,
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clusters"].queryset = Cluster.objects.filter(agency=agency, is_active=True).order_by("name")


class FundForm(forms.Form):
    amount = forms.IntegerField(label=_("Credits to move from the mint to the pool"), min_value=1)
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


class ImpactFilterForm(forms.Form):
    """The impact page's period and filters; choices come from the agency's own clusters and programs."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cluster = forms.TypedChoiceField(label=_("Cluster"), required=False, coerce=int, empty_value=None)
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=int, empty_value=None)
    sector = forms.TypedChoiceField(label=_("Sector"), required=False, coerce=int, empty_value=None)
    country = forms.ChoiceField(label=_("Country of the firm"), required=False)

    def __init__(self, *args, clusters, programs, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["cluster"].choices = everything + [(c.pk, c.name) for c in clusters]
        self.fields["program"].choices = everything + [(p.pk, p.name) for p in programs]
        sectors = {c.sector_id: c.sector for c in clusters}
        self.fields["sector"].choices = everything + sorted(
            ((pk, sector.localized_name) for pk, sector in sectors.items()), key=lambda choice: choice[1])
        # The countries the agency's clusters name (all countries when none does), in the reader's language.
        codes = {code.code if hasattr(code, "code") else code for c in clusters for code in c.countries}
        named = [(code, countries.name(code)) for code in codes] if codes else list(countries)
        self.fields["country"].choices = everything + sorted(named, key=lambda choice: str(choice[1]))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period must end after it starts."))
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(_("Choose a period of three years at most."))
        return data
