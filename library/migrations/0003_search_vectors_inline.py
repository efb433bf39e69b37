"""Search vectors kept in the row (PostgreSQL storage MAIN) rather than out of line in the TOAST table.

A text's title, summary, steps, normalised text and vector together pass the ~2 kB a row holds, and by
default the vector, the largest, goes out of line: every row a search reads or ranks then costs a TOAST
index lookup and chunk reads (on 9,333 texts a sequential scan reading the vectors took ~80 ms, against
~15 ms with them in the row; the planner does not count that cost, and picks the sequential scan for a
common word). With MAIN the long text columns go out of line instead. Existing vectors are stored again so
the new storage applies to them. SQLite has no such storage: nothing to do there."""

from django.db import migrations


def inline(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE library_entrytext ALTER COLUMN search_vector SET STORAGE MAIN")
    # An unchanged value keeps its TOAST pointer: concatenating an empty vector stores it afresh.
    schema_editor.execute(
        "UPDATE library_entrytext SET search_vector = search_vector || ''::tsvector WHERE search_vector IS NOT NULL"
    )


def out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE library_entrytext ALTER COLUMN search_vector SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("library", "0002_forgiving_search")]
    operations = [migrations.RunPython(inline, out_of_line)]
