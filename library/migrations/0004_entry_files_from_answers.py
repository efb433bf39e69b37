"""Entries built from an answer before entries kept the answer's files get them now (as
library.services.entry_propose does: rows of their own naming the same stored files)."""

import secrets

from django.db import migrations

FIELDS = ("name", "content_type", "kind", "size", "width", "height", "file", "thumb_small", "thumb_large")


def share_answer_files(apps, schema_editor):
    Entry = apps.get_model("library", "Entry")
    Attachment = apps.get_model("attachments", "Attachment")
    entries = Entry.objects.filter(source_answer__isnull=False).values_list("pk", "source_answer_id")
    for entry_id, answer_id in entries.iterator():
        if Attachment.objects.filter(owner_type="library.entry", owner_id=entry_id).exists():
            continue
        rows = Attachment.objects.filter(
            owner_type="questions.answer", owner_id=answer_id, removed_at__isnull=True, purge_after__isnull=True
        ).order_by("position", "id")
        Attachment.objects.bulk_create([
            Attachment(key=secrets.token_hex(16), owner_type="library.entry", owner_id=entry_id, position=position,
                       **{field: getattr(row, field) for field in FIELDS})
            for position, row in enumerate(rows)
        ])


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0003_search_vectors_inline"),
        ("attachments", "0002_attachment_file_index"),
    ]

    operations = [migrations.RunPython(share_answer_files, migrations.RunPython.noop)]
