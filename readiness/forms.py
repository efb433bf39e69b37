from django import forms
from django.utils.translation import gettext_lazy as _

from readiness import questionnaire


class StepForm(forms.Form):
    """One area's statements, each answered "not yet", "partly" or "yes"."""

    def __init__(self, *args, area: questionnaire.Area, **kwargs):
        super().__init__(*args, **kwargs)
        for question in area.questions:
            self.fields[question.key] = forms.TypedChoiceField(
                label=question.text, choices=questionnaire.ANSWER_CHOICES, coerce=int,
                widget=forms.RadioSelect(attrs={"class": "answer-choice"}),
                error_messages={"required": _("Choose an answer.")},
            )


class ShareForm(forms.Form):
    share = forms.BooleanField(label=_("Show our level and gaps on the firm's profile"), required=False)
