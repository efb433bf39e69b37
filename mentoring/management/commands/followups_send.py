from django.core.management.base import BaseCommand

from mentoring.followups import followups_send


class Command(BaseCommand):
    help = (
        "Asks firms for their due outcome follow-ups (3, 6 and 12 months after a mentorship ended): an email "
        "in each recipient's language and a task on their home page. Safe to run as often as you like: a "
        "follow-up is asked once. Run it daily from cron or a timer."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"outcome follow-ups: {followups_send()} asked")
