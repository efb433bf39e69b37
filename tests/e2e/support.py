"""A real Puente for the browser tests: Daphne in its own process, on its own database, with the demo
world loaded, and headless Chromium (Debian's, never a downloaded one) driven by Playwright.

The server gets the same database kind and Redis as the rest of the run: SQLite and the in-memory
layer by default, PostgreSQL and Redis in CI. Mail goes to files that the tests read.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support import delete_redis_keys, need

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PUENTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "artifacts" / "e2e"
DEMO_PASSWORD = "puente-demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _fresh_postgres_database(url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveSite:
    """One running Puente: its address, its environment and the mail it has sent."""

    def __init__(self, workdir: Path, name: str = "e2e"):
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        database_url = os.environ.get("DATABASE_URL", "")
        # Named after this run's database, so that runs on different databases never share one.
        base = urlsplit(database_url).path.lstrip("/") if database_url.startswith(("postgres://", "postgresql://")) else ""
        self.admin_url = self.database_name = None
        if base:
            self.database_name = f"{base}_{name}"
            self.admin_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
            env["DATABASE_URL"] = _fresh_postgres_database(database_url, self.database_name)
        else:
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'puente.sqlite3'}"
        # The run's own Redis database, with keys of its own beside the tests' (deleted in stop()).
        self.redis_url = os.environ.get("REDIS_URL") or None
        self.redis_prefix = env["REDIS_KEY_PREFIX"] = f"{base or 'puente'}_{name}:"
        if self.redis_url:
            delete_redis_keys(self.redis_url, self.redis_prefix)  # a killed run's leftovers
        env.update({
            "DJANGO_DEBUG": "true",
            "PUENTE_TESTING": "true",
            "EMAIL_URL": f"file://{self.mail_dir}",
            "LOG_LEVEL": "WARNING",
            "ATTACHMENTS_ROOT": str(workdir / "attachments"),  # uploaded files stay in the run's folder
            # Every person of the browser tests signs in from 127.0.0.1: more than allauth's 30 a minute.
            "PUENTE_RATE_LOGIN": "1000/m/ip",
        })
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.log = open(workdir / "server.log", "ab")  # noqa: SIM115 - closed in stop()

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_server(self) -> str:
        port = free_port()
        self.env["SITE_URL"] = f"http://127.0.0.1:{port}"  # links in mail point at this server
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        _wait_for_port(port, process)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stops the servers and deletes what they kept: their database and their Redis keys."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()
        if self.database_name:
            _drop_postgres_database(self.admin_url, self.database_name)
        if self.redis_url:
            delete_redis_keys(self.redis_url, self.redis_prefix)

    def mails_to(self, address: str) -> list[str]:
        found = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            text = path.read_text(errors="replace")
            for message in text.split("-" * 79):
                if re.search(rf"^To: .*{re.escape(address)}", message, re.MULTILINE | re.IGNORECASE):
                    found.append(message)
        return found

    def link_in_last_mail_to(self, address: str, pattern: str) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for message in reversed(self.mails_to(address)):
                match = re.search(pattern, message.replace("=\n", ""))
                if match:
                    return match.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no mail to {address} with {pattern!r}")


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    need("Chromium", Path(CHROMIUM).exists(), f"browser tests drive {CHROMIUM} (apt-get install chromium)")
    # A parallel run's workers (pytest-xdist) each start a site of their own, on a database of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    site = LiveSite(tmp_path_factory.mktemp("live"), name=f"e2e_{worker}" if worker else "e2e")
    try:
        site.manage("migrate", "--no-input")
        site.manage("seed_demo")
        site.url = site.start_server()
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def browser():
    need("Chromium", Path(CHROMIUM).exists(), f"browser tests drive {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Shots:
    """Screenshots of each step of a journey, numbered, in artifacts/e2e/<journey>/ (ignored by git)."""

    def __init__(self, journey: str):
        self.folder = ARTIFACTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def shots(request):
    return Shots(request.node.name)


def new_person_page(browser, site: LiveSite, *, locale: str = "en-US", viewport=None, javascript: bool = True,
                    bypass_csp: bool = False):
    """A new browser context and its page. `bypass_csp` lets a test inject its own tools (axe-core) into
    pages whose Content-Security-Policy would refuse them; keep it off for everything else."""
    context = browser.new_context(
        base_url=site.url, locale=locale, java_script_enabled=javascript,
        viewport=viewport or {"width": 1280, "height": 900}, bypass_csp=bypass_csp,
    )
    context.set_default_timeout(15_000)
    if javascript:
        context.add_init_script(SOCKET_WATCH)
    return context.new_page()


# Added to every page before its own scripts: keeps the paths of the page's open websockets in
# window.__openSockets, so that a test waits for a live page to be connected instead of sleeping.
SOCKET_WATCH = """(() => {
  const Native = window.WebSocket;
  if (!Native || Native.__watched) return;
  const open = window.__openSockets = [];
  function Watched(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const path = new URL(url, location.href).pathname;
    socket.addEventListener("open", () => open.push(path));
    socket.addEventListener("close", () => { const i = open.indexOf(path); if (i >= 0) open.splice(i, 1); });
    return socket;
  }
  Watched.prototype = Native.prototype;
  Object.assign(Watched, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3, __watched: true });
  window.WebSocket = Watched;
})();"""


def wait_for_socket(page, path_prefix: str) -> None:
    """Waits until the page holds an open websocket whose path starts with `path_prefix` (e.g. "/ws/rooms/")."""
    page.wait_for_function(
        "prefix => (window.__openSockets || []).some(path => path.startsWith(prefix))", arg=path_prefix
    )


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.click("main form button[type=submit]")
    assert posted.value.status in (200, 302), f"signing in as {email} answered {posted.value.status}"
    # The login form posts and redirects: wait until the browser has left it, not only for a load event.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()


def person_page(browser, site: LiveSite, email: str, **options):
    """A fresh browser context (its own cookies, like another person's device) signed in as `email`."""
    page = new_person_page(browser, site, **options)
    log_in(page, email)
    return page


def user_id(page) -> int:
    """The signed-in person's id, which every page carries on <body>."""
    return int(page.locator("body").get_attribute("data-user-id"))
