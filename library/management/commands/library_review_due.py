from django.core.management.base import BaseCommand

from library import selectors


class Command(BaseCommand):
    help = "Lists published library entries not checked against their sources for more than N months."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args, months, **options):
        entries = selectors.entry_rows(selectors.due_for_review(months=months), language="en")
        for entry in entries:
            self.stdout.write(f"{entry.pk}\t{entry.last_checked_on.isoformat()}\t{entry.text.title if entry.text else ''}")
        self.stdout.write(self.style.SUCCESS(f"{len(entries)} entries due for review (older than {months} months)."))
