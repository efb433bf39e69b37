"""Notifications and mentorship rooms written before they kept their parameters: their text is read back
into a msgid and its parameters (infra.words), so that they too are shown in the reader's language.

The stored text was written in English, Spanish or Portuguese; each known sentence is tried in each of
the three, as a pattern with its parameters as groups. A text that fits none stays as it is (shown as
written). Dates stay in the words they were written in: only the sentence around them is translated.
"""

import re

from django.db import migrations
from django.utils import translation

# The sentences as they were when this migration was written (later versions of the code may change).
NOTIFICATION_SENTENCES = {
    "mentoring.request": ["%(name)s asks you for mentoring: “%(goal)s”"],
    "mentoring.request_accepted": ["%(name)s accepted your mentorship request."],
    "mentoring.request_declined": ["%(name)s cannot mentor you now: “%(reason)s”"],
    "mentoring.request_question": ["%(name)s asks about your mentorship request: “%(question)s”"],
    "mentoring.request_answer": ["%(name)s answered your question about their mentorship request."],
    "mentoring.request_expired": ["Your mentorship request to %(name)s expired. You can ask another mentor."],
    "mentoring.request_expiring": [
        "The mentorship request from %(name)s expires on %(date)s. Accept, decline or ask a question before then.",
        "%(name)s is waiting for your answer; your mentorship request expires on %(date)s.",
    ],
    "mentoring.mentorship_ended": [
        "%(name)s marked your mentorship as completed. Tell us how it went.",
        "%(name)s ended your mentorship: “%(reason)s”",
    ],
    "mentoring.session_to_confirm": [
        "%(name)s logged a %(minutes)s-minute session on %(date)s. Please confirm it.",
        "%(name)s corrected the session of %(date)s. Please confirm it.",
    ],
    "mentoring.session_confirmed": ["%(name)s confirmed the session of %(date)s."],
    "mentoring.session_disputed": ["%(name)s disputed the session of %(date)s: “%(reason)s”"],
    "question_answered": ["%(name)s answered your question “%(title)s”"],
    "question_activity": ["New answer to “%(title)s”", "An answer to “%(title)s” was accepted"],
    "answer_accepted": ["Your answer to “%(title)s” was accepted"],
    "question_digest": ["%(count)d new questions in your clusters fit your expertise"],
    "award": [
        "Your award of %(credits)s credits was approved.",
        "Your award of %(credits)s credits was not approved.",
        "Your award of %(credits)s credits was reversed.",
        "Your award of %(credits)s credits is waiting for a review by the agency.",
        "Your award of %(credits)s credits changed.",
    ],
    "mention": ["%(name)s mentioned you in %(room)s"],
}
ROOM_NAME = "Mentorship: %(mentor)s and %(mentee)s"
LANGUAGES = ("en", "es", "pt-br")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _pattern(template: str) -> re.Pattern:
    parts, end = [], 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end:match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def _patterns(msgids: list[str]) -> list[tuple[str, re.Pattern]]:
    found = []
    for language in LANGUAGES:
        with translation.override(language):
            found += [(msgid, _pattern(translation.gettext(msgid))) for msgid in msgids]
    return found


def _read_back(text: str, patterns) -> dict | None:
    for msgid, pattern in patterns:
        if match := pattern.match(text):
            params = match.groupdict()
            if "count" in params:
                if not params["count"].isdigit():
                    continue
                params["count"] = int(params["count"])
            return {"msg": msgid, **params}
    return None


def forwards(apps, schema_editor):
    Notification = apps.get_model("messaging", "Notification")
    Room = apps.get_model("messaging", "Room")
    by_kind = {kind: _patterns(msgids) for kind, msgids in NOTIFICATION_SENTENCES.items()}
    for note in Notification.objects.filter(kind__in=list(by_kind)).only("kind", "text", "params").iterator():
        if note.params:
            continue
        if (params := _read_back(note.text, by_kind[note.kind])) is not None:
            Notification.objects.filter(pk=note.pk).update(params=params)
    room_patterns = _patterns([ROOM_NAME])
    for room in Room.objects.filter(kind="mentorship", name_params={}).only("name").iterator():
        if (params := _read_back(room.name, room_patterns)) is not None:
            params.pop("msg")
            Room.objects.filter(pk=room.pk).update(name_params=params)


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0006_general_room_for_every_cluster"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
