"""The ledger's invariants, checked in a fixed number of queries (used by `ledger_verify` and the tests)."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Sum

from incentives.models import Account, Award, AwardShare, ProgramFunder, Transfer


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
    _check_shares(report)
    return report


def _check_shares(report: Report) -> None:
    """Co-funded awards: the shares add up to the award, each paid from its own agency's pool of the
    program to the beneficiary's wallet at that agency, and reversed with the award; every program
    account belongs to the program's agency or to one of its funders."""
    shares: dict[int, list] = {}
    for row in AwardShare.objects.values_list(
        "award_id", "agency_id", "credits", "award__credits", "award__status", "award__program_id",
        "award__beneficiary_id", "payment__amount", "payment__from_account__kind", "payment__from_account__agency_id",
        "payment__from_account__program_id", "payment__to_account__kind", "payment__to_account__agency_id",
        "payment__to_account__owner_id", "reversal_id", "pk",
    ).order_by("award_id", "pk"):
        shares.setdefault(row[0], []).append(row)
    for award_id, rows in shares.items():
        total, status = rows[0][3], rows[0][4]
        if sum(r[2] for r in rows) != total:
            report.problems.append(f"award {award_id}: shares sum to {sum(r[2] for r in rows)}, not {total}")
        for (_a, agency, credits, _t, _s, program, beneficiary, paid, from_kind, from_agency, from_program,
             to_kind, to_agency, owner, reversal, pk) in rows:
            if status in (Award.Status.APPROVED, Award.Status.REVERSED):
                if paid is None:
                    report.problems.append(f"award {award_id}: the share of agency {agency} is unpaid")
                elif (paid, from_kind, from_agency, from_program, to_kind, to_agency, owner) != (
                        credits, Account.Kind.POOL, agency, program, Account.Kind.WALLET, agency, beneficiary):
                    report.problems.append(f"award {award_id}: share {pk} is not paid from agency {agency}'s pool "
                                           f"to the beneficiary's wallet there")
            elif paid is not None:
                report.problems.append(f"award {award_id} is {status} but share {pk} was paid")
            if status == Award.Status.REVERSED and reversal is None:
                report.problems.append(f"award {award_id}: the share of agency {agency} is not reversed")
    funders = set(ProgramFunder.objects.values_list("program_id", "agency_id"))
    strays = Account.objects.filter(program__isnull=False).exclude(agency=F("program__agency"))
    for pk, program, agency in strays.values_list("pk", "program_id", "agency_id"):
        if (program, agency) not in funders:
            report.problems.append(f"account {pk} of program {program} belongs to agency {agency}, not a funder")

