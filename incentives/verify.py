"""The ledger's invariants, checked in a fixed number of queries (used by `ledger_verify` and the tests)."""

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from incentives.models import Account, Award, Transfer


@dataclass
class Report:
    accounts: int = 0
    transfers: int = 0
    total_balance: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def ledger_check() -> Report:
    report = Report()
    debits = dict(Transfer.objects.values("from_account").annotate(s=Sum("amount")).values_list("from_account", "s"))
    credits = dict(Transfer.objects.values("to_account").annotate(s=Sum("amount")).values_list("to_account", "s"))
    for pk, kind, balance in Account.objects.values_list("pk", "kind", "balance").order_by("pk"):
        report.accounts += 1
        report.total_balance += balance
        expected = credits.get(pk, 0) - debits.get(pk, 0)
        if balance != expected:
            report.problems.append(f"account {pk} ({kind}): balance {balance}, transfers sum to {expected}")
        if kind != Account.Kind.MINT and balance < 0:
            report.problems.append(f"account {pk} ({kind}) is below zero: {balance}")
    report.transfers = Transfer.objects.count()
    if report.total_balance != 0:
        report.problems.append(f"balances sum to {report.total_balance}, not 0")
    if Transfer.objects.filter(amount__lte=0).exists():
        report.problems.append("a transfer moves a non-positive amount")
    twice = Transfer.objects.filter(reverses__isnull=False).values("reverses").annotate(n=Count("pk")).filter(n__gt=1)
    for row in twice:
        report.problems.append(f"transfer {row['reverses']} is reversed {row['n']} times")
    for pk, orig_from, orig_to, orig_amount, from_id, to_id, amount in Transfer.objects.filter(
        reverses__isnull=False
    ).values_list("pk", "reverses__from_account", "reverses__to_account", "reverses__amount",
                  "from_account", "to_account", "amount"):
        if (from_id, to_id, amount) != (orig_to, orig_from, orig_amount):
            report.problems.append(f"reversal {pk} does not mirror the transfer it reverses")
    if Transfer.objects.filter(reverses__reverses__isnull=False).exists():
        report.problems.append("a reversal reverses another reversal")
    for pk in Award.objects.filter(status=Award.Status.APPROVED, payment__isnull=True).values_list("pk", flat=True):
        report.problems.append(f"award {pk} is approved but unpaid")
    for pk in Award.objects.filter(status=Award.Status.REVERSED, reversal__isnull=True).values_list("pk", flat=True):
        report.problems.append(f"award {pk} is reversed without a reversal transfer")
    return report
