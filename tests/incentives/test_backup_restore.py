"""docs/DEPLOY.md's backup and restore, for real: the database dumped with pg_dump, restored with
pg_restore into a fresh database, and `ledger_verify` run on the restored copy finds every transfer and
every invariant. Needs PostgreSQL and its client tools (CI has them)."""

import shutil
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from incentives.models import Transfer
from tests import servers
from tests.support import need

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as db:
        db.execute(statement)


def test_a_dump_restored_into_a_fresh_database_passes_ledger_verify(postgres_only, funded, mateo, tmp_path):
    need("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")),
         "apt-get install postgresql-client")
    source = servers.database_url(connection)
    restored_name = f"{connection.settings_dict['NAME']}_restore"
    restored = urlunsplit(urlsplit(source)._replace(path=f"/{restored_name}"))
    dump = tmp_path / "puente.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True)
    admin(source, f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    admin(source, f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)], check=True)
        env = servers.server_environment(DATABASE_URL=restored)
        env.pop("REDIS_URL", None)
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=servers.ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr  # nothing left to apply
        verified = subprocess.run([sys.executable, "manage.py", "ledger_verify"], cwd=servers.ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert f"{Transfer.objects.count()} transfers" in verified.stdout and "Ledger OK" in verified.stdout
    finally:
        admin(source, f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
