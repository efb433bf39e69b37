import functools

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.models import LANGUAGE_CHOICES, Firm, FirmMember, Sector
from infra.params import ModelIdsField


@functools.cache
def _countries_in(language: str) -> tuple[tuple[str, str], ...]:
    # `language` is the active one: naming and sorting 250 countries takes milliseconds.
    return tuple((code, str(name)) for code, name in countries)


def country_choices(blank_label) -> list[tuple[str, str]]:
    """Countries named and sorted in the current language, after a blank choice (once per language and
    process)."""
    return [("", blank_label), *_countries_in(get_language() or "")]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), required=False, to_field_name="slug", empty_label=_("All")
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("All")), *LANGUAGE_CHOICES], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(_("All"))


def time_zone_choices() -> list[tuple[str, str]]:
    """Every zone people may choose, by its name ("America/Tegucigalpa" as "America / Tegucigalpa"),
    after "this browser's" (blank: the browser's zone, told on the next visit)."""
    from clusters.times import time_zones

    named = [(name, name.replace("/", " / ").replace("_", " ")) for name in sorted(time_zones())]
    return [("", _("This browser's")), *named]


class OnboardingForm(forms.Form):
    FIRM_NEW = "new"
    FIRM_JOIN = "join"

    name = forms.CharField(label=_("Your name"), max_length=120)
    language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGE_CHOICES)
    country = forms.ChoiceField(label=_("Country"))
    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False, help_text=_("Times of messages are shown in it."),
    )
    wants_to_mentor = forms.TypedChoiceField(
        label=_("Which describes you best?"),
        choices=[
            ("0", _("My firm wants to start exporting, or exports a little: I am here to learn.")),
            ("1", _("I am an experienced exporter and want to mentor other firms.")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    firm_choice = forms.ChoiceField(
        label=_("Your firm"),
        choices=[(FIRM_NEW, _("Register my firm")), (FIRM_JOIN, _("Ask to join a firm already on Puente"))],
        widget=forms.RadioSelect,
        initial=FIRM_NEW,
    )
    firm_role = forms.ChoiceField(label=_("Your role in the firm"), choices=FirmMember.Role.choices)
    firm_name = forms.CharField(label=_("Firm name"), max_length=160, required=False)
    firm_country = forms.ChoiceField(label=_("Firm country"), required=False)
    firm_sectors = ModelIdsField(
        label=_("Sectors"), queryset=Sector.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    firm_size = forms.ChoiceField(label=_("Size"), choices=Firm.Size.choices, required=False)
    firm_export_stage = forms.ChoiceField(label=_("Export stage"), choices=Firm.Stage.choices, required=False)
    firm_women_led = forms.BooleanField(label=_("The firm is led by women"), required=False)
    existing_firm = forms.ModelChoiceField(
        label=_("Firm to join"), queryset=Firm.objects.order_by("name"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices("—")
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["firm_country"].choices = country_choices("—")

    def clean(self):
        data = super().clean()
        if data.get("firm_choice") == self.FIRM_NEW:
            if not data.get("firm_name"):
                self.add_error("firm_name", _("Give the firm a name."))
            if not data.get("firm_country"):
                self.add_error("firm_country", _("Choose the firm's country."))
        elif data.get("firm_choice") == self.FIRM_JOIN and not data.get("existing_firm"):
            self.add_error("existing_firm", _("Choose the firm you work for."))
        return data


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("A word to the facilitators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES)
    next = forms.CharField(required=False)


class FirmProfileForm(forms.Form):
    export_stage = forms.ChoiceField(label=_("Export stage"), choices=Firm.Stage.choices, widget=forms.RadioSelect)
    target_markets = forms.MultipleChoiceField(
        label=_("Markets the firm wants to reach"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
    )
    description = forms.CharField(
        label=_("About the firm"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you make, for whom, and what you are looking for."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_markets"].choices = country_choices("—")[1:]
