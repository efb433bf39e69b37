from django import forms
from django.utils.translation import gettext_lazy as _

from clusters.topics import Topic
from library.models import STEPS_MAX, SUMMARY_MAX, TITLE_MAX, Language


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the library"), max_length=200, required=False)


class EntryForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of this text"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(label=_("Plain-language summary"), max_length=SUMMARY_MAX,
                              widget=forms.Textarea(attrs={"rows": 5}))
    steps = forms.CharField(label=_("Steps or checklist"), max_length=STEPS_MAX, required=False,
                            help_text=_("One step per line."), widget=forms.Textarea(attrs={"rows": 6}))
    markets = forms.CharField(label=_("Markets"), max_length=200, required=False,
                              help_text=_("Country codes separated by commas, e.g. US, DE, JP."))
    topics = forms.MultipleChoiceField(label=_("Topics"), choices=Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    sources = forms.CharField(
        label=_("Sources"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a name, a vertical bar, then the official page's address."),
    )

    def clean_markets(self) -> list[str]:
        return [code.strip().upper() for code in self.cleaned_data["markets"].split(",") if code.strip()]

    def clean_sources(self) -> list[dict]:
        sources = []
        for line in self.cleaned_data["sources"].splitlines():
            label, bar, url = line.rpartition("|")
            if not bar:
                label, url = "", line
            if url.strip():
                sources.append({"label": label.strip(), "url": url.strip()})
        return sources

    @staticmethod
    def initial_for(entry, text) -> dict:
        return {
            "language": text.language if text else entry.original_language,
            "title": text.title if text else "", "summary": text.summary if text else "",
            "steps": text.steps if text else "", "markets": ", ".join(str(m) for m in entry.markets),
            "topics": entry.topics,
            "sources": "\n".join(f"{s.get('label', '')} | {s.get('url', '')}" for s in entry.sources),
        }
