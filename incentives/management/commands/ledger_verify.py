from django.core.management.base import BaseCommand, CommandError

from incentives.verify import ledger_check


class Command(BaseCommand):
    help = (
        "Checks the incentive ledger: each balance equals the sum of its transfers, all balances sum to zero, "
        "no non-mint balance is below zero, each reversal mirrors one transfer once. Exits non-zero on failure."
    )

    def handle(self, *args, **options):
        report = ledger_check()
        self.stdout.write(
            f"{report.accounts} accounts, {report.transfers} transfers, balances sum to {report.total_balance}."
        )
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"FAIL {problem}"))
        if not report.ok:
            raise CommandError(f"The ledger is inconsistent: {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Ledger OK: every invariant holds."))
