import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from mentoring import services
from mentoring.models import MentorshipRequest


class Command(BaseCommand):
    help = (
        "Closes mentorship requests nobody answered in time (it counts against the mentor's responsiveness) "
        "and warns whoever must act on requests about to expire. Run it every hour from cron or a timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--warn-hours", type=int, default=48, help="Warn this many hours before a request expires (default 48)."
        )

    def handle(self, *args, warn_hours: int, **options):
        now = timezone.now()
        open_requests = MentorshipRequest.objects.filter(status__in=MentorshipRequest.OPEN_STATUSES)
        expired = warned = 0
        # One short transaction per request: a mentor answering at this moment waits for one row, not all.
        for request in open_requests.filter(expires_at__lte=now).order_by("expires_at", "pk").iterator():
            expired += services.request_expire(request=request, now=now)
        soon = now + datetime.timedelta(hours=warn_hours)
        for request in (
            open_requests.filter(expires_at__gt=now, expires_at__lte=soon, expiry_warned_at__isnull=True)
            .order_by("expires_at", "pk")
            .iterator()
        ):
            warned += services.request_warn_expiry(request=request, now=now)
        self.stdout.write(f"mentorship requests: {expired} expired, {warned} warned")
