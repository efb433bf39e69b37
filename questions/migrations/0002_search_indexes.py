"""GIN indexes on the stored search vectors, on PostgreSQL only (SQLite has no full-text index here and
searches with icontains instead)."""

from django.db import migrations

INDEXES = [
    ("questions_question", "question_search_gin"),
    ("questions_answer", "answer_search_gin"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("questions", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
