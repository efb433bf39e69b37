from datetime import timedelta

from django.core.management.base import BaseCommand

from attachments.services import attachments_clean


class Command(BaseCommand):
    help = (
        "Deletes attachment files nobody may read any more: those of deleted messages and posts once the "
        "edit window is over, uploads never attached to anything, and files with no row. Run it hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace-minutes", type=int, default=60,
                            help="Leave unattached files younger than this alone (uploads in progress).")

    def handle(self, *args, grace_minutes, **options):
        counts = attachments_clean(grace=timedelta(minutes=grace_minutes))
        self.stdout.write(
            f"{counts['purged']} deleted with their owner, {counts['unattached']} never attached, "
            f"{counts['stray_files']} files without a row."
        )
