# The reactions (branch wip-d) and the room names and digests (main) were made side by side.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_message_reactions"),
        ("messaging", "0004_room_name_and_notification_parameters"),
    ]

    operations = []
