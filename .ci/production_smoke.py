"""The README's production commands, run with the runtime set alone (requirements.lock in a clean virtual
environment, no development tools): migrate, collectstatic, the uvicorn command; then /healthz,
/readyz and a page. .ci/run calls it with the clean environment's Python.

Uses an SQLite file in a temporary folder and the configured Redis (REDIS_URL) under keys of its own,
deleted at the end.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import documented_commands, documented_server_command, free_port, stop  # noqa: E402


def get(port: int, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="puente-smoke-"))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}", "STATIC_ROOT": str(work / "static"),
        "REDIS_KEY_PREFIX": "puente_smoke:",
    }
    bin_dir = Path(sys.executable).parent
    for words in documented_commands():
        if words[0] == "python":  # migrate, collectstatic
            subprocess.run([sys.executable, *words[1:]], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    command = documented_server_command(port=port)
    log = open(work / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([str(bin_dir / command[0]), *command[1:]], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status = get(port, "/healthz")[0]
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the production command did not serve:\n{(work / 'server.log').read_text()}") from None
                time.sleep(0.2)
        answers = {"/healthz": status, "/readyz": get(port, "/readyz")[0], "/accounts/login/": get(port, "/accounts/login/")[0]}
        print("production smoke:", " ".join(f"{path} {code}" for path, code in answers.items()))
        return 0 if set(answers.values()) == {200} else 1
    finally:
        stop([server])
        log.close()
        if os.environ.get("REDIS_URL"):
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            keys = list(client.scan_iter(match="puente_smoke:*"))
            if keys:
                client.delete(*keys)


if __name__ == "__main__":
    sys.exit(main())
