"""Every cluster has its general room from its creation on (clusters.services.cluster_add); clusters made
before that got it when a member first opened their page. This gives the others theirs."""

from django.db import migrations


def general_rooms(apps, schema_editor):
    Cluster = apps.get_model("clusters", "Cluster")
    Room = apps.get_model("messaging", "Room")
    with_room = Room.objects.filter(is_general=True).values("cluster_id")
    Room.objects.bulk_create([
        Room(kind="cluster", cluster_id=cluster_id, name="General", slug="general", is_general=True)
        for cluster_id in Cluster.objects.exclude(pk__in=with_room).values_list("pk", flat=True)
    ])


class Migration(migrations.Migration):

    dependencies = [
        ("clusters", "0002_firm_name_key"),
        ("messaging", "0005_message_reactions"),
    ]

    operations = [migrations.RunPython(general_rooms, migrations.RunPython.noop)]
