"""Shapes of input only; the rules live in questions.services."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.topics import Topic
from messaging.forms import FilesField
from questions.models import ANSWER_MAX, BODY_MAX, TITLE_MAX, Language

SORT_CHOICES = [("newest", _("Newest")), ("votes", _("Most votes")), ("activity", _("Recent activity"))]


class AskForm(forms.Form):
    title = forms.CharField(
        label=_("Your question"), max_length=TITLE_MAX,
        help_text=_("One clear question, e.g. “Which documents does the FDA ask for green coffee?”"),
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "autocomplete": "off", "data-similar-title": ""}),
    )
    body = forms.CharField(
        label=_("Details"), required=False, max_length=BODY_MAX,
        help_text=_("Markdown allowed. Say what you tried, volumes, product and market."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX}),
    )
    language = forms.ChoiceField(label=_("Language of the question"), choices=Language.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    target_markets = forms.MultipleChoiceField(
        label=_("Target markets"), choices=lambda: list(countries), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=300, help_text=_("Separated by commas."))
    files = FilesField(label=_("Attach files"))


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"), max_length=ANSWER_MAX,
        help_text=_("Markdown allowed. Share what worked for your firm."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": ANSWER_MAX}),
    )
    files = FilesField(label=_("Attach files"))


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label=_("Number of the original question"), min_value=1)


class FilterForm(forms.Form):
    unanswered = forms.BooleanField(label=_("Unanswered only"), required=False)
    mine = forms.BooleanField(label=_("Mine and followed"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("Any topic")), *Topic.choices])
    market = forms.ChoiceField(
        label=_("Target market"), required=False, choices=lambda: [("", _("Any market")), *countries]
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"sort": "newest"}
        data = self.cleaned_data
        return {
            "unanswered": data["unanswered"], "mine": data["mine"], "topic": data["topic"],
            "market": data["market"], "sort": data["sort"] or "newest",
        }


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search questions and answers"), max_length=200, required=False)
