from django.core.management.base import BaseCommand

from questions.digest import digest_send


class Command(BaseCommand):
    help = "Sends each mentor one digest of the new questions that fit their expertise (run it daily)."

    def handle(self, *args, **options):
        sent = digest_send()
        self.stdout.write(f"Question digests sent: {sent}")
