from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mentoring', '0002_requests_mentorships_sessions'),
    ]

    operations = [
        migrations.AddField(
            model_name='mentorshiprequest',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='session',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
