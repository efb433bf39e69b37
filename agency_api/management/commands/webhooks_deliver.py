import os
import signal
import socket
import time

from django.core.management.base import BaseCommand

from agency_api.webhooks import deliver_due


class Command(BaseCommand):
    help = "Sends queued webhook deliveries (run it as a service; several may run at once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument("--batch", type=int, default=20)
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds to wait when nothing is due.")

    def handle(self, *, once, batch, sleep, **options):
        worker = f"{socket.gethostname()}:{os.getpid()}"
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        sent = 0
        while not stopping:
            claimed = deliver_due(worker=worker, limit=batch)
            sent += claimed
            if once and not claimed:
                break
            if not claimed:
                time.sleep(sleep)
        self.stdout.write(f"{sent} deliveries attempted")
