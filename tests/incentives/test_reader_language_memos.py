"""A transfer's memo is kept as a sentence and its parameters and shown in the reader's language: a
redemption requested in Spanish reads in Portuguese on a Portuguese page."""

from django.utils import translation

from incentives.ledger import agency_account, program_accounts, transfer_post, wallet_for
from incentives.models import Account
from infra.words import stored


def test_a_memo_kept_as_a_sentence_reads_in_the_readers_language(ana, agency, program):
    wallet = wallet_for(user=ana, agency=agency)
    hold = agency_account(agency=agency, kind=Account.Kind.HOLD)
    mint, _pool = program_accounts(program=program)
    transfer_post(from_account=mint, to_account=wallet, amount=5, kind="adjust", idempotency_key="k0")
    with translation.override("es"):
        transfer = transfer_post(
            from_account=wallet, to_account=hold, amount=5, kind="redeem_request", idempotency_key="k1",
            memo="Solicitado: Feria", memo_params=stored("Requested: %(item)s", item="Feria"),
        )
    transfer.refresh_from_db()
    with translation.override("en"):
        assert transfer.memo_text == "Requested: Feria"
    with translation.override("es"):
        assert transfer.memo_text == "Solicitado: Feria"


def test_older_memos_are_read_back_into_their_parameters(ana, agency, program):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from incentives.models import Transfer

    migration = importlib.import_module("incentives.migrations.0006_transfer_memo_params")
    wallet = wallet_for(user=ana, agency=agency)
    mint, _pool = program_accounts(program=program)
    transfer_post(from_account=mint, to_account=wallet, amount=5, kind="adjust", idempotency_key="k0",
                  memo="Devuelto (Feria): sin cupo")
    transfer_post(from_account=mint, to_account=wallet, amount=5, kind="adjust", idempotency_key="k1",
                  memo="A gift from the agency")
    # The models as the migration sees them (their plain manager may update a transfer).
    apps = MigrationLoader(connection).project_state(("incentives", "0006_transfer_memo_params")).apps
    migration.forwards(apps, None)
    returned, gift = Transfer.objects.filter(idempotency_key__in=["k0", "k1"]).order_by("pk")
    with translation.override("en"):
        assert returned.memo_text == "Returned (Feria): sin cupo"
        assert gift.memo_text == "A gift from the agency" and gift.memo_params == {}


def test_the_audit_log_names_actions_and_what_they_were_about_in_the_readers_language():
    from incentives.models import AuditEntry

    entry = AuditEntry(action="program.fund", target="program 3: Mentores del café 2026")
    call = AuditEntry(action="api.awards.list", target="token 4: Tablero")
    with translation.override("es"):
        assert entry.action_text == "Programa financiado"
        assert entry.target_text == "Programa #3: Mentores del café 2026"
        assert call.action_text == "Por la API: awards.list"
    with translation.override("pt-br"):
        assert entry.action_text == "Programa financiado" and call.target_text == "Token de API #4: Tablero"
    assert AuditEntry(action="x.y", target="something else").target_text == "something else"
