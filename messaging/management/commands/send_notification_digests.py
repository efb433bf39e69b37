from django.core.management.base import BaseCommand

from messaging.services import notification_digests_send


class Command(BaseCommand):
    help = (
        "Sends each person whose notification emails were held (past the first few in a while) one email "
        "that gathers them (run it every 15 minutes)."
    )

    def handle(self, *args, **options):
        sent = notification_digests_send()
        self.stdout.write(f"Notification digests sent: {sent}")
