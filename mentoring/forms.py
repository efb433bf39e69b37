"""Forms check the shape of input; mentoring.services checks the rules."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.forms import country_choices
from clusters.models import LANGUAGE_CHOICES, Sector
from clusters.topics import Topic
from infra.params import ModelIdsField
from mentoring.models import Mentorship, Session
from mentoring.plans import template_choices

MARKET_ROWS = 6


class MentorFilterForm(forms.Form):
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), required=False, to_field_name="slug", empty_label=_("All")
    )
    market = forms.ChoiceField(label=_("Exports to"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", _("All")), *Topic.choices], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("All")), *LANGUAGE_CHOICES], required=False)
    has_room = forms.BooleanField(label=_("Has a free place"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].choices = country_choices(_("All"))


class MentorProfileForm(forms.Form):
    bio = forms.CharField(
        label=_("About you as an exporter"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What your firm exports, since when, and what you learnt the hard way."),
    )
    sectors = ModelIdsField(
        label=_("Sectors"), queryset=Sector.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics you know well"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you mentor in"), choices=LANGUAGE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label=_("Most mentees at once"), min_value=0, max_value=50, initial=3,
        help_text=_("Protect your time: new requests stop when all your places are taken."),
    )
    availability = forms.CharField(
        label=_("Availability"), required=False, max_length=200,
        help_text=_("For example: Tuesday and Thursday evenings, Bogotá time."),
    )
    is_accepting = forms.BooleanField(label=_("I accept new mentees"), required=False, initial=True)

    def __init__(self, *args, market_rows: int = MARKET_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.market_count = market_rows
        this_year = timezone.now().year
        for i in range(market_rows):
            self.fields[f"market_{i}"] = forms.ChoiceField(
                label=_("Market %(number)s") % {"number": i + 1}, required=False, choices=country_choices("—")
            )
            self.fields[f"since_{i}"] = forms.IntegerField(
                label=_("Exporting there since (year)"), required=False, min_value=1900, max_value=this_year
            )

    def market_rows(self):
        return [(self[f"market_{i}"], self[f"since_{i}"]) for i in range(self.market_count)]

    def main_fields(self):
        return [self[name] for name in ("bio", "sectors", "topics", "languages", "capacity", "availability",
                                         "is_accepting")]

    @staticmethod
    def rows_for(profile) -> int:
        """Every market the profile has, plus a few empty rows to add more."""
        existing = len(profile.markets.all()) if profile is not None else 0
        return max(MARKET_ROWS, existing + 3)

    @classmethod
    def initial_for(cls, profile) -> dict:
        if profile is None:
            return {"capacity": 3, "is_accepting": True}
        initial = {
            "bio": profile.bio, "sectors": list(profile.sectors.all()), "topics": profile.topics,
            "languages": profile.languages, "capacity": profile.capacity, "availability": profile.availability,
            "is_accepting": profile.is_accepting,
        }
        for i, market in enumerate(profile.markets.all()):
            initial[f"market_{i}"] = market.country.code
            initial[f"since_{i}"] = market.since_year
        return initial

    def markets(self) -> list[tuple[str, int | None]]:
        rows = []
        for i in range(self.market_count):
            code = self.cleaned_data.get(f"market_{i}")
            if code:
                rows.append((code, self.cleaned_data.get(f"since_{i}")))
        return rows


class AspirantNeedsForm(forms.Form):
    sector = forms.ModelChoiceField(label=_("Your sector"), queryset=Sector.objects.all(), required=False)
    target_markets = forms.MultipleChoiceField(
        label=_("Markets you want to export to"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics you need help with"), choices=Topic.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), choices=[("", "—"), *LANGUAGE_CHOICES], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_markets"].choices = list(countries)


class RequestForm(forms.Form):
    goal = forms.CharField(
        label=_("What do you want to achieve?"), min_length=20, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: ship our first container of green coffee to a roaster in Germany this year."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request waits for the answer; the firm gets a full period to reply."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _version_field():
    # The version of the session or request the page showed; missing or malformed counts as stale.
    return forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)


def seen_version(form: forms.Form) -> int:
    return (form.cleaned_data.get("version") or 0) if form.is_valid() else 0


class AcceptForm(forms.Form):
    plan_template = forms.ChoiceField(label=_("Start the plan from"), required=False)
    version = _version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_template"].choices = [("", _("An empty plan")), *template_choices()]


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Add goals from a template"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()


class GoalForm(forms.Form):
    title = forms.CharField(label=_("New goal"), max_length=200)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("New milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=Session.MIN_MINUTES, max_value=Session.MAX_MINUTES)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("Log a session after it has happened."))
        if date < timezone.localdate() - datetime.timedelta(days=365):
            raise forms.ValidationError(_("That is more than a year ago."))
        return date


class ConfirmForm(forms.Form):
    version = _version_field()


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = _version_field()


class EndForm(forms.Form):
    COMPLETED = "completed"
    ENDED = "ended"
    how = forms.ChoiceField(
        label=_("How does it end?"),
        choices=[(COMPLETED, _("Completed: we reached the goals")), (ENDED, _("Ended early"))],
        widget=forms.RadioSelect, initial=COMPLETED,
    )
    reason = forms.CharField(
        label=_("Reason or summary"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the mentorship ends early."),
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, widget=forms.RadioSelect,
        choices=[(5, _("5 · excellent")), (4, _("4 · good")), (3, _("3 · fair")), (2, _("2 · poor")),
                 (1, _("1 · bad"))],
    )
    text = forms.CharField(label=_("What went well, what could be better?"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Mentorship.Outcome.choices, widget=forms.RadioSelect)
    markets = forms.MultipleChoiceField(
        label=_("To which markets?"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["markets"].choices = list(countries)


class FollowUpForm(forms.Form):
    """The firm's answer 3, 6 or 12 months on. Markets are a few single selects: easy on a phone."""

    MARKET_ROWS = 4

    exporting = forms.TypedChoiceField(
        label=_("Does the firm export now?"), choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
    )
    value_band = forms.ChoiceField(
        label=_("Approximate export value in the last 12 months"), required=False, widget=forms.RadioSelect,
    )
    new_buyers = forms.IntegerField(
        label=_("New buyers abroad since the mentorship ended"), required=False, min_value=0, max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, market_rows: int = MARKET_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        from mentoring.models import OutcomeFollowUp

        self.fields["value_band"].choices = OutcomeFollowUp.ValueBand.choices
        self.market_count = market_rows
        choices = country_choices("—")
        for i in range(market_rows):
            self.fields[f"market_{i}"] = forms.ChoiceField(
                label=_("Market %(number)s") % {"number": i + 1}, choices=choices, required=False
            )

    @classmethod
    def for_followup(cls, followup, data=None):
        markets = list(followup.markets or [])
        form = cls(data, market_rows=max(cls.MARKET_ROWS, len(markets) + 1), initial={
            "exporting": "" if followup.exporting is None else ("yes" if followup.exporting else "no"),
            "value_band": followup.value_band, "new_buyers": followup.new_buyers,
            **{f"market_{i}": code for i, code in enumerate(markets)},
        })
        return form

    @property
    def market_fields(self):
        return [self[f"market_{i}"] for i in range(self.market_count)]

    def markets(self) -> list[str]:
        return [self.cleaned_data[f"market_{i}"] for i in range(self.market_count) if self.cleaned_data.get(f"market_{i}")]
