from django.db import migrations, models


def keep_old_reasons_as_legacy(apps, schema_editor):
    """Reasons written as sentences before they had codes are kept, shown as they were written."""
    Award = apps.get_model("incentives", "Award")
    for award in Award.objects.exclude(flag_reason="", not_paid_reason="").iterator():
        if award.flag_reason:
            award.flag_code, award.flag_params = "legacy", {"text": award.flag_reason}
        if award.not_paid_reason:
            award.cut_code, award.cut_params = "legacy", {"text": award.not_paid_reason}
        award.save(update_fields=["flag_code", "flag_params", "cut_code", "cut_params"])


class Migration(migrations.Migration):

    dependencies = [
        ('incentives', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='award',
            name='cut_code',
            field=models.CharField(blank=True, choices=[('too_short', 'Too short to earn a whole credit'), ('own_source', "One's own question or session"), ('same_firm', 'Both sides tied to one firm'), ('cap_mentor_day', 'Daily cap per mentor'), ('cap_mentor_month', 'Monthly cap per mentor'), ('cap_pair_month', 'Monthly cap between two firms'), ('pool_empty', "The program's pool is empty"), ('legacy', 'Cut before reasons had codes')], max_length=20, verbose_name='why less was paid'),
        ),
        migrations.AddField(
            model_name='award',
            name='cut_params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='award',
            name='flag_code',
            field=models.CharField(blank=True, choices=[('mutual', 'The two sides pay each other'), ('pair_burst', 'Many awards between the same two sides in a few days'), ('concentration', "One side's awards go mostly to one other side"), ('revoked_spent', 'Revoked at the source after the credits were spent'), ('legacy', 'Flagged before reasons had codes')], max_length=20, verbose_name='why it needs a look'),
        ),
        migrations.AddField(
            model_name='award',
            name='flag_params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(keep_old_reasons_as_legacy, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='award',
            name='flag_reason',
        ),
        migrations.RemoveField(
            model_name='award',
            name='not_paid_reason',
        ),
    ]
