from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from config.ratelimit import rate_limits_lifted


class Command(BaseCommand):
    help = (
        "Loads the demo world: sectors, an agency, firms, people, clusters, and whatever each app adds "
        "(rooms, questions, mentorships, credits). Safe to run again: it adds only what is missing."
    )

    def handle(self, *args, **options):
        # The demo's people post and vote far faster than a person may: the limits are for people.
        with rate_limits_lifted():
            self._seed()

    def _seed(self):
        # Each Puente app may have a `demo` module with a `seed(stdout)` function; they run in the order
        # of INSTALLED_APPS, which is the order of their dependencies.
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        if apps.is_installed("incentives"):
            from incentives.demo import spread_awards_over_past_days

            with transaction.atomic():
                spread_awards_over_past_days()  # the other apps' demos granted some too
        from clusters.demo import DEMO_PASSWORD, PERSONAS

        self.stdout.write(self.style.SUCCESS("Demo world ready. Every demo person signs in with the password "
                                             f"“{DEMO_PASSWORD}” (demo only):"))
        for email, what in PERSONAS:
            self.stdout.write(f"  {email:<22} {what}")
