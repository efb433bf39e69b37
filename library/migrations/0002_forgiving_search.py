"""Search that forgives, on PostgreSQL: the `unaccent` extension, one text-search configuration per
language that strips accents before stemming (puente_es, puente_pt, puente_en), and a GIN index on
the stored vectors. SQLite searches the stored normalised column instead (library.search.normalise)."""

from django.db import migrations

CONFIGS = [("puente_es", "spanish"), ("puente_pt", "portuguese"), ("puente_en", "english")]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, base in CONFIGS:
        schema_editor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN "
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base}); "
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {base}_stem; END IF; END $$"
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS library_text_search_gin ON library_entrytext USING GIN (search_vector)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS library_text_search_gin")
    for name, _base in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_entries")]
    operations = [migrations.RunPython(create, drop)]
