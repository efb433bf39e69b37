"""The one place that moves credits.

`transfer_post` locks the accounts it touches in id order (so two postings can never wait on each
other in a circle), checks the floors against the locked balances, and writes the transfer and both
balances in one transaction. The database backs the floors with a CheckConstraint, so even a bug here
cannot leave a non-mint account below zero.
"""

import json

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Agency, User
from incentives.models import Account, Program, Transfer


class IdempotencyConflict(ValidationError):
    """The idempotency key was already used for a different transfer."""


class InsufficientCredits(ValidationError):
    """The source account does not hold enough credits."""


# No amount and no balance ever goes beyond this: far above any agency's budget, far below the 64-bit
# columns' 9.2e18, so that no transfer and no sum of balances can overflow them.
MAX_CREDITS = 10**15

_lock_sql: dict[tuple[str, int], str] = {}


def accounts_lock(*, account_ids) -> dict[int, Account]:
    """Locks accounts in id order (one query) and returns them by id. Call inside a transaction.

    The query is `Account.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")`, compiled
    once per number of accounts and reused: compiling it each time cost about a third of a posting."""
    ids = sorted(set(account_ids))
    key = (connection.alias, len(ids))
    sql = _lock_sql.get(key)
    if sql is None:
        placeholders = list(range(-len(ids), 0))  # distinct stand-ins, replaced by the real ids below
        queryset = Account.objects.select_for_update(no_key=True).filter(pk__in=placeholders).order_by("pk")
        sql, params = queryset.query.get_compiler(using=connection.alias).as_sql()
        assert list(params) == placeholders, params
        _lock_sql[key] = sql
    names = [field.attname for field in Account._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return {row[0]: Account.from_db(connection.alias, names, row) for row in rows}


def _same_content(transfer: Transfer, *, from_id, to_id, amount, kind, source_ref, reverses_id) -> bool:
    return (
        transfer.from_account_id == from_id
        and transfer.to_account_id == to_id
        and transfer.amount == amount
        and transfer.kind == kind
        and transfer.source_ref == source_ref
        and transfer.reverses_id == reverses_id
    )


@transaction.atomic
def transfer_post(
    *,
    from_account: Account,
    to_account: Account,
    amount: int,
    kind: str,
    idempotency_key: str,
    caused_by: User | None = None,
    source_ref: str = "",
    memo: str = "",
    memo_params: dict | None = None,
    reverses: Transfer | None = None,
) -> Transfer:
    """Moves `amount` credits; replaying the same key returns the original transfer unchanged."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError(_("A transfer moves a positive whole number of credits."), code="amount")
    if from_account.pk == to_account.pk:
        raise ValidationError(_("A transfer needs two different accounts."), code="same_account")
    if not idempotency_key:
        raise ValidationError(_("A transfer needs an idempotency key."), code="key")
    reverses_id = reverses.pk if reverses is not None else None

    locked = accounts_lock(account_ids=[from_account.pk, to_account.pk])
    source, target = locked[from_account.pk], locked[to_account.pk]
    content = {"from_id": source.pk, "to_id": target.pk, "amount": amount, "kind": kind, "source_ref": source_ref,
               "reverses_id": reverses_id}

    def replayed() -> Transfer | None:
        # Looked up under the locks: a concurrent posting of the same key has committed by now, or waits on us.
        existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None or _same_content(existing, **content):
            return existing
        raise IdempotencyConflict(
            _("The idempotency key “%(key)s” was already used for a different transfer (#%(id)s).")
            % {"key": idempotency_key, "id": existing.pk},
            code="idempotency_conflict",
        )

    if reverses is not None:
        if (existing := replayed()) is not None:
            return existing
        if Transfer.objects.filter(reverses=reverses).exists():
            raise ValidationError(_("This transfer has already been reversed."), code="already_reversed")
    if source.agency_id != target.agency_id:
        raise ValidationError(_("Credits cannot move between two agencies."), code="agency")
    if amount > MAX_CREDITS or source.balance - amount < -MAX_CREDITS or target.balance + amount > MAX_CREDITS:
        if (existing := replayed()) is not None:
            return existing
        raise ValidationError(_("A transfer cannot move or hold more than %(max)s credits.") % {"max": MAX_CREDITS},
                              code="too_large")
    if not source.is_mint and source.balance < amount:
        if (existing := replayed()) is not None:  # the replay of the transfer that emptied the account
            return existing
        raise InsufficientCredits(
            _("Not enough credits: %(balance)s available, %(amount)s needed.")
            % {"balance": source.balance, "amount": amount},
            code="insufficient",
        )
    fields = {"from_account": source, "to_account": target, "amount": amount, "kind": kind,
              "idempotency_key": idempotency_key, "caused_by": caused_by, "source_ref": source_ref,
              "memo": memo[:300], "memo_params": memo_params or {}, "reverses": reverses}
    if connection.vendor == "postgresql":
        transfer = _write_in_one_statement(fields)
        if transfer is None:  # the key exists: nothing was written
            return replayed()
    else:
        if (existing := replayed()) is not None:
            return existing
        transfer = Transfer.objects.create(**fields)
        # Both balances in one statement.
        Account.objects.filter(pk__in=[source.pk, target.pk]).update(
            balance=Case(
                When(pk=source.pk, then=F("balance") - amount),
                When(pk=target.pk, then=F("balance") + amount),
            )
        )
    source.balance -= amount
    target.balance += amount
    from_account.balance, to_account.balance = source.balance, target.balance
    return transfer


def _write_in_one_statement(fields: dict) -> Transfer | None:
    """PostgreSQL: inserts the transfer and moves both balances in one round trip, under the locks already
    held; when the key exists (a replay) the insert does nothing and so does the update. None then."""
    transfer = Transfer(created_at=timezone.now(), **fields)
    sql = f"""
        WITH t AS (
            INSERT INTO {Transfer._meta.db_table}
                (from_account_id, to_account_id, amount, kind, idempotency_key, source_ref, caused_by_id, memo,
                 memo_params, reverses_id, created_at)
            VALUES (%(src)s, %(dst)s, %(amount)s, %(kind)s, %(key)s, %(source_ref)s, %(caused_by)s, %(memo)s,
                    %(memo_params)s, %(reverses)s, %(created_at)s)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id
        ), moved AS (
            UPDATE {Account._meta.db_table}
            SET balance = balance + CASE WHEN id = %(src)s THEN -%(amount)s ELSE %(amount)s END
            WHERE id IN (%(src)s, %(dst)s) AND EXISTS (SELECT 1 FROM t)
        )
        SELECT id FROM t
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "src": transfer.from_account_id, "dst": transfer.to_account_id, "amount": transfer.amount,
            "kind": transfer.kind, "key": transfer.idempotency_key, "source_ref": transfer.source_ref,
            "caused_by": transfer.caused_by_id, "memo": transfer.memo,
            "memo_params": json.dumps(transfer.memo_params), "reverses": transfer.reverses_id,
            "created_at": transfer.created_at,
        })
        row = cursor.fetchone()
    if row is None:
        return None
    transfer.pk = row[0]
    transfer._state.adding = False
    transfer._state.db = connection.alias
    return transfer


def transfer_reverse(*, original: Transfer, idempotency_key: str, caused_by: User | None, memo: str,
                     memo_params: dict | None = None) -> Transfer:
    """Posts the mirror image of a transfer, pointing at it (at most one reversal each)."""
    return transfer_post(
        from_account=original.to_account, to_account=original.from_account, amount=original.amount,
        kind=Transfer.Kind.REVERSAL, idempotency_key=idempotency_key, caused_by=caused_by,
        source_ref=original.source_ref, memo=memo, memo_params=memo_params,
        reverses=original,
    )


# Accounts are created on first use; each get_or_create is safe under concurrency thanks to the
# unique constraints on (program, kind), (owner, agency) for wallets and (agency, kind).

def program_accounts(*, program: Program, agency_id: int | None = None) -> tuple[Account, Account]:
    """The program's mint and pool at one funding agency (the program's own agency when not given)."""
    agency_id = agency_id or program.agency_id
    mint, _c = Account.objects.get_or_create(program=program, agency_id=agency_id, kind=Account.Kind.MINT)
    pool, _c = Account.objects.get_or_create(program=program, agency_id=agency_id, kind=Account.Kind.POOL)
    return mint, pool


def wallet_for(*, user: User, agency: Agency) -> Account:
    wallet, _c = Account.objects.get_or_create(owner=user, agency=agency, kind=Account.Kind.WALLET)
    return wallet


def agency_account(*, agency: Agency, kind: str) -> Account:
    account, _c = Account.objects.get_or_create(agency=agency, kind=kind, program=None, owner=None)
    return account
