"""A transfer keeps its memo's sentence as a msgid and parameters (infra.words), shown in the reader's
language. Older memos are read back: each known sentence is tried in English, Spanish and Portuguese as a
pattern with its parameters as groups; an award's payment takes its award's description parameters.
A memo that fits none (a staff member's own words) stays as written."""

import re

from django.db import migrations, models
from django.utils import translation

# The sentences as they were when this migration was written.
MEMO_SENTENCES = [
    "Reversed: %(reason)s",
    "Funding of %(program)s",
    "Requested: %(item)s",
    "Redeemed: %(item)s",
    "Returned (%(item)s): %(reason)s",
]
AWARD_DESCRIPTIONS = {
    "accepted_answer": "Accepted answer to “%(title)s”",
    "helpful_vote": "Helpful answer to “%(title)s”",
    "mentoring_session": "Mentoring session with %(mentee)s on %(date)s (%(minutes)s min)",
    "library_entry": "Library entry “%(title)s”",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _pattern(template: str) -> re.Pattern:
    parts, end = [], 0
    for match in PLACEHOLDER.finditer(template):
        parts += [re.escape(template[end:match.start()]), f"(?P<{match.group(1)}>.+?)"]
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def forwards(apps, schema_editor):
    Transfer = apps.get_model("incentives", "Transfer")
    Award = apps.get_model("incentives", "Award")
    patterns = []
    for language in ("en", "es", "pt-br"):
        with translation.override(language):
            patterns += [(msgid, _pattern(translation.gettext(msgid))) for msgid in MEMO_SENTENCES]
    awards = {
        award.payment_id: award
        for award in Award.objects.filter(payment__isnull=False).only("payment_id", "kind", "description_params")
    }
    # The historical model's manager is a plain one: its update() writes (the model's own refuses).
    for transfer in Transfer.objects.filter(memo_params={}).exclude(memo="").only("kind", "memo").iterator():
        params = None
        award = awards.get(transfer.pk)
        if award is not None and award.description_params and award.kind in AWARD_DESCRIPTIONS:
            params = {"msg": AWARD_DESCRIPTIONS[award.kind], **award.description_params}
        else:
            for msgid, pattern in patterns:
                if match := pattern.match(transfer.memo):
                    params = {"msg": msgid, **match.groupdict()}
                    break
        if params:
            Transfer.objects.filter(pk=transfer.pk).update(memo_params=params)


class Migration(migrations.Migration):

    dependencies = [
        ('incentives', '0005_cofunded_programs_and_referrals'),
    ]

    operations = [
        migrations.AddField(
            model_name='transfer',
            name='memo_params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
