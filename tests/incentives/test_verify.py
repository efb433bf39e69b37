import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from incentives.ledger import wallet_for


def test_ledger_verify_passes_on_a_consistent_ledger(funded, capsys):
    call_command("ledger_verify")
    assert "Ledger OK" in capsys.readouterr().out


def test_ledger_verify_fails_when_a_balance_drifts_from_its_transfers(funded, mateo, agency):
    wallet = wallet_for(user=mateo, agency=agency)
    with connection.cursor() as cursor:  # a bug or a hand edit: the cached balance no longer matches
        cursor.execute("UPDATE incentives_account SET balance = 7 WHERE id = %s", [wallet.pk])
    with pytest.raises(CommandError, match="inconsistent"):
        call_command("ledger_verify")
