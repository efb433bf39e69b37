"""Mentorship rooms made before their names were kept as parameters get them from their mentorship, so
that every reader sees the name in their own language (messaging.models.ROOM_NAMES)."""

from django.db import migrations


def _name(user) -> str:
    return user.name or user.email.split("@")[0]


def forwards(apps, schema_editor):
    Mentorship = apps.get_model("mentoring", "Mentorship")
    Room = apps.get_model("messaging", "Room")
    for mentorship in Mentorship.objects.filter(room__isnull=False).select_related("mentor", "mentee"):
        Room.objects.filter(pk=mentorship.room_id, name_params={}).update(
            name_params={"mentor": _name(mentorship.mentor), "mentee": _name(mentorship.mentee)}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("mentoring", "0003_session_and_request_versions"),
        ("messaging", "0004_room_name_and_notification_parameters"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
