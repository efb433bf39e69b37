import unicodedata

from django.db import migrations, models


def fold(name):
    decomposed = unicodedata.normalize("NFKD", name or "")
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def fill_name_keys(apps, schema_editor):
    Firm = apps.get_model("clusters", "Firm")
    for firm in Firm.objects.all():
        firm.name_key = fold(firm.name)
        firm.save(update_fields=["name_key"])


class Migration(migrations.Migration):
    dependencies = [("clusters", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="firm", name="firm_name_unique_per_country"),
        migrations.AddField(
            model_name="firm",
            name="name_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=160),
            preserve_default=False,
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="firm",
            constraint=models.UniqueConstraint(fields=("name_key", "country"), name="firm_name_unique_per_country"),
        ),
    ]
