from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from infra.ratelimit import rate_limits_lifted

# The demo's people act while it loads (mentions, awards, mentorship requests): their notifications are
# kept, but no mail is sent for them. Nobody is there to read it, and on `make run`'s console the mails
# buried the list of people to sign in as. Mail goes out as usual when a person acts afterwards.
NO_MAIL = "django.core.mail.backends.dummy.EmailBackend"


class Command(BaseCommand):
    help = (
        "Loads the demo world: sectors, an agency, firms, people, clusters, and whatever each app adds "
        "(rooms, questions, mentorships, credits). Safe to run again: it adds only what is missing."
    )

    def handle(self, *args, **options):
        # The demo's people post and vote far faster than a person may: the limits are for people.
        with rate_limits_lifted(), override_settings(EMAIL_BACKEND=NO_MAIL):
            self.seed()
        self.print_people()

    def seed(self):
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

    def print_people(self):
        from clusters.demo import DEMO_PASSWORD, PERSONAS

        width = max(len(email) for email, _ in PERSONAS)
        self.stdout.write(self.style.SUCCESS(f"Demo world ready. Sign in as any of them with the password "
                                             f"“{DEMO_PASSWORD}”:"))
        self.stdout.write(f"  {'email':<{width}}  who")
        self.stdout.write(f"  {'-' * width}  {'-' * 3}")
        for email, what in PERSONAS:
            self.stdout.write(f"  {email:<{width}}  {what}")
