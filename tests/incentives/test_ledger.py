"""The posting function: floors, replays, conflicts, immutability, reversals."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from incentives.admin import TransferAdmin
from incentives.ledger import (
    IdempotencyConflict,
    InsufficientCredits,
    program_accounts,
    transfer_post,
    transfer_reverse,
    wallet_for,
)
from incentives.models import Account, Transfer
from incentives.verify import ledger_check


@pytest.fixture
def accounts(program, mateo, agency):
    mint, pool = program_accounts(program=program)
    return mint, pool, wallet_for(user=mateo, agency=agency)


def test_the_mint_goes_negative_and_every_other_account_stays_at_or_above_zero(accounts):
    mint, pool, wallet = accounts
    transfer_post(from_account=mint, to_account=pool, amount=100, kind="fund", idempotency_key="f1")
    transfer_post(from_account=pool, to_account=wallet, amount=100, kind="award", idempotency_key="a1")
    with pytest.raises(InsufficientCredits):
        transfer_post(from_account=pool, to_account=wallet, amount=1, kind="award", idempotency_key="a2")
    mint.refresh_from_db()
    pool.refresh_from_db()
    assert (mint.balance, pool.balance) == (-100, 0)
    assert ledger_check().ok


def test_the_database_refuses_a_negative_pool_even_without_the_posting_function(accounts):
    _mint, pool, _wallet = accounts
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=pool.pk).update(balance=-1)


def test_replayed_key_returns_original_transfer(accounts):
    mint, pool, _wallet = accounts
    first = transfer_post(from_account=mint, to_account=pool, amount=70, kind="fund", idempotency_key="k")
    again = transfer_post(from_account=mint, to_account=pool, amount=70, kind="fund", idempotency_key="k")
    assert again.pk == first.pk and Transfer.objects.count() == 1
    pool.refresh_from_db()
    assert pool.balance == 70


def test_the_same_key_with_different_content_is_a_clear_error(accounts):
    mint, pool, _wallet = accounts
    transfer_post(from_account=mint, to_account=pool, amount=70, kind="fund", idempotency_key="k")
    with pytest.raises(IdempotencyConflict, match="already used for a different transfer"):
        transfer_post(from_account=mint, to_account=pool, amount=71, kind="fund", idempotency_key="k")


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_a_transfer_moves_a_positive_whole_number(accounts, amount):
    mint, pool, _wallet = accounts
    with pytest.raises(ValidationError):
        transfer_post(from_account=mint, to_account=pool, amount=amount, kind="fund", idempotency_key="x")


def test_a_transfer_is_reversed_at_most_once(accounts):
    mint, pool, _wallet = accounts
    original = transfer_post(from_account=mint, to_account=pool, amount=10, kind="fund", idempotency_key="k")
    transfer_reverse(original=original, idempotency_key="r1", caused_by=None, memo="mistake")
    with pytest.raises(ValidationError, match="already been reversed"):
        transfer_reverse(original=original, idempotency_key="r2", caused_by=None, memo="again")
    assert ledger_check().ok


def test_transfers_cannot_be_updated_or_deleted_through_the_orm(accounts):
    mint, pool, _wallet = accounts
    transfer = transfer_post(from_account=mint, to_account=pool, amount=10, kind="fund", idempotency_key="k")
    transfer.amount = 1_000_000
    with pytest.raises(TypeError, match="immutable"):
        transfer.save()
    with pytest.raises(TypeError, match="immutable"):
        transfer.delete()
    with pytest.raises(TypeError, match="immutable"):
        Transfer.objects.filter(pk=transfer.pk).update(amount=5)
    with pytest.raises(TypeError, match="immutable"):
        Transfer.objects.all().delete()
    assert Transfer.objects.get(pk=transfer.pk).amount == 10


def test_the_admin_shows_transfers_read_only_with_no_delete(accounts, superuser, client):
    mint, pool, _wallet = accounts
    transfer = transfer_post(from_account=mint, to_account=pool, amount=10, kind="fund", idempotency_key="k")
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = TransferAdmin(Transfer, site)
    assert not model_admin.has_change_permission(request, transfer)
    assert not model_admin.has_delete_permission(request, transfer)
    assert not model_admin.has_add_permission(request)
    client.force_login(superuser)
    response = client.post(f"/admin/incentives/transfer/{transfer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.post(f"/admin/incentives/transfer/{transfer.pk}/change/", {"amount": 999})
    assert response.status_code == 403
    assert Transfer.objects.get(pk=transfer.pk).amount == 10
