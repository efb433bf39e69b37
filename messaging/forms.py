from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.services import MAX_BODY


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input. Their content is checked by attachments.services, not here."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


# What the file picker offers (the server decides from the bytes whatever the picker let through).
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf,.pdf,.docx,.xlsx,.csv"


class MessageForm(forms.Form):
    # Lengths are checked by the service too (the consumer does not use this form); the form only gives
    # the browser a hint and keeps a huge POST out. A message with files may have no text.
    body = forms.CharField(
        label=_("Message"), max_length=MAX_BODY * 2, strip=False, required=False,
        # One line that grows as it fills (messaging.css); the hint under it says how to send.
        widget=forms.Textarea(attrs={
            "rows": 1, "maxlength": MAX_BODY, "placeholder": _("Write a message…"),
            "aria-describedby": "composer-hint", "autocomplete": "off",
        }),
    )
    files = FilesField(label=_("Attach files"))
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MAX_BODY * 2, strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY}),
    )


class TopicRoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    topic = forms.CharField(label=_("What is it about?"), max_length=200, required=False)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("Why should a facilitator look at it?"), max_length=500, required=False)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
