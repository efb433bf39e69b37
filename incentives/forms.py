"""Forms check the shape of input; the services check the rules."""

import uuid

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.models import Agency, Cluster
from incentives.ledger import MAX_CREDITS
from incentives.models import Account, Award, CatalogItem, Program, Transfer
from infra.params import ModelIdsField

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
        fields = ["kind", "name", "description", "price", "stock", "valid_from", "valid_until"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }


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


class AwardQueueFilterForm(forms.Form):
    """The review queue's filters (GET). Clusters and programs are the agency's, given by the view."""

    MARKED = [("", _("Any")), ("flagged", _("Flagged")), ("cut", _("Cut or not paid")), ("clean", _("Neither"))]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=Award.Status.choices)
    date_from = forms.DateField(label=_("Work from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Work until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cluster = forms.TypedChoiceField(label=_("Cluster"), required=False, coerce=int, empty_value=None)
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=int, empty_value=None)
    marked = forms.ChoiceField(label=_("Flags and cuts"), required=False, choices=MARKED)

    def __init__(self, *args, clusters, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = [("", _("All")), *clusters]
        self.fields["program"].choices = [("", _("All")), *programs]


class BulkDecisionForm(forms.Form):
    """Several awards (checkboxes named "award", read by award_ids()) decided with one reason."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(label=_("Reason for all of them"), max_length=300, required=False)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def award_ids(self) -> list[int]:
        # Any id is a valid shape here; the service checks that each one is the agency's.
        return [int(v) for v in self.data.getlist("award") if v.isdigit() and len(v) < 12]


class RedemptionFulfilForm(forms.Form):
    voucher_code = forms.CharField(label=_("Voucher code"), max_length=120, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)
    note = forms.CharField(label=_("Note for the person"), max_length=500, required=False)


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


class FunderForm(forms.Form):
    """The program's agency adds a co-funder or changes a funder's terms."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    share = forms.IntegerField(label=_("Share"), min_value=0, max_value=1_000_000, initial=1,
                               help_text=_("A weight: 1 and 1 pay half each."))
    cap = forms.IntegerField(label=_("Cap per award (credits)"), min_value=0, max_value=MAX_RATE, required=False,
                             help_text=_("When paying in order: the most this agency pays of one award. Empty: all that is left."))
    requires_approval = forms.BooleanField(label=_("Every award needs this agency's approval"), required=False,
                                           initial=True)
    split = forms.ChoiceField(label=_("How awards are split between funders"), choices=Program.Split.choices)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["split"].initial = program.split


class ReferralForm(forms.Form):
    """An agency refers a firm to another agency's program."""

    firm = forms.IntegerField(label=_("Firm"), widget=forms.Select)
    program = forms.IntegerField(label=_("Program of the other agency"), widget=forms.Select)
    note = forms.CharField(label=_("Note for the firm and the agency"), max_length=600,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, firms, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].widget.choices = [("", "—"), *firms]
        self.fields["program"].widget.choices = [("", "—"), *programs]
