"""The production topology of docs/DEPLOY.md, for real: nginx with deploy/nginx.conf (the file the docs
show) over TLS in front of two uvicorn processes started with the README's command and production
settings, sharing PostgreSQL and Redis. A person signs in through nginx, loads pages and static files,
and a message sent on a websocket held by one process reaches a websocket held by the other.

Needs nginx (Debian's package; .ci/run installs it), PostgreSQL and Redis: CI has them all.
"""

import asyncio
import http.cookiejar
import json
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from tests import servers
from tests.support import need

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "puente-nginx-pw"


def deploy_config(*, tls_port: int, http_port: int, upstreams: list[int], static_root, cert, key,
                  attachments_root) -> str:
    """deploy/nginx.conf with this test's ports, paths and certificate in place of the example ones;
    every other line as it is in the repository."""
    text = (servers.ROOT / "deploy" / "nginx.conf").read_text()
    replacements = [
        ("server 127.0.0.1:8001;", f"server 127.0.0.1:{upstreams[0]};"),
        ("server 127.0.0.1:8002;", f"server 127.0.0.1:{upstreams[1]};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/letsencrypt/live/puente.example/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/puente.example/privkey.pem", str(key)),
        ("alias /srv/puente/staticfiles/;", f"alias {static_root}/;"),
        ("alias /srv/puente/media/private/;", f"alias {attachments_root}/;"),
    ]
    for example, ours in replacements:
        assert text.count(example) == 1, f"deploy/nginx.conf no longer has {example!r} once"
        text = text.replace(example, ours)
    return text


def nginx_main_config(workdir, site_config) -> str:
    """The frame a distribution's /etc/nginx/nginx.conf gives: here everything nginx writes is in workdir."""
    temp = "\n".join(f"    {kind}_temp_path {workdir}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
    user = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {workdir}/access.log;
{temp}
    include {site_config};
}}
"""


@pytest.fixture
def behind_nginx(postgres_only, redis_only, transactional_db, tmp_path):
    need("nginx", os.path.exists(NGINX), "apt-get install nginx (.ci/run does)")
    static_root, cert, key = tmp_path / "staticfiles", tmp_path / "cert.pem", tmp_path / "key.pem"
    attachments_root = tmp_path / "attachments"
    attachments_root.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    tls_port, http_port = servers.free_port(), servers.free_port()
    upstreams = [servers.free_port(), servers.free_port()]
    origin = f"https://127.0.0.1:{tls_port}"
    env = servers.server_environment(
        DJANGO_DEBUG="false", SECRET_KEY="nginx-test-" + "k" * 50, ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=origin, SITE_URL=origin, DATABASE_URL=servers.database_url(connection),
        REDIS_URL=settings.REDIS_URL, STATIC_ROOT=str(static_root), LOG_FORMAT="json",
        DB_POOL_MIN="0", DB_POOL_MAX="4", PAGE_CONCURRENCY="2",
        ATTACHMENTS_ROOT=str(attachments_root), PUENTE_ATTACHMENT_ACCEL_REDIRECT="/_attachments/",
    )
    subprocess.run([servers.sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=servers.ROOT,
                   env=env, check=True, timeout=120)
    site_config = tmp_path / "puente.conf"
    site_config.write_text(deploy_config(tls_port=tls_port, http_port=http_port, upstreams=upstreams,
                                         static_root=static_root, cert=cert, key=key,
                                         attachments_root=attachments_root))
    main_config = tmp_path / "nginx.conf"
    main_config.write_text(nginx_main_config(tmp_path, site_config))
    logs = {port: tmp_path / f"uvicorn-{port}.log" for port in upstreams}
    processes, files = [], [open(path, "ab") for path in logs.values()]  # noqa: SIM115 - closed below
    try:
        for port, log in zip(upstreams, files, strict=True):
            processes.append(servers.start(servers.documented_server_command(port=port), env=env, log=log, port=port))
        nginx_log = open(tmp_path / "nginx.out", "ab")  # noqa: SIM115 - closed below
        files.append(nginx_log)
        nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(main_config), "-e", str(tmp_path / "error.log")],
                                 stdout=nginx_log, stderr=subprocess.STDOUT)
        processes.append(nginx)
        servers.wait_for_port(tls_port, nginx)
        yield {"origin": origin, "http_port": http_port, "cert": cert, "logs": logs, "upstreams": upstreams,
               "attachments_root": attachments_root}
    finally:
        servers.stop(processes)
        for file in files:
            file.close()


class Browser:
    """Just enough of a browser for plain pages: cookies, CSRF tokens, redirects, over TLS."""

    def __init__(self, origin: str, cert):
        self.origin = origin
        self.tls = ssl.create_default_context(cafile=str(cert))
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.tls),
                                                  urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str):
        response = self.opener.open(self.origin + path, timeout=15)
        return response, response.read().decode()

    def post(self, path: str, data: dict):
        request = urllib.request.Request(self.origin + path, data=urllib.parse.urlencode(data).encode(),
                                         headers={"Origin": self.origin, "Referer": self.origin + path})
        response = self.opener.open(request, timeout=15)
        return response, response.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.cookies if c.name == name)

    def sign_in(self, email: str) -> str:
        _, form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        response, page = self.post("/accounts/login/", {"csrfmiddlewaretoken": token, "login": email,
                                                        "password": PASSWORD})
        assert "/accounts/login/" not in response.url, "the sign-in failed"
        return page


def with_password(user):
    """A password the servers can check (the tests' own hasher is a fast one they do not have)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "nginxtestsalt", iterations=1000)
    user.save(update_fields=["password"])
    return user


def log_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


async def next_frame(ws, kind: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if frame["type"] == kind:
            return frame


def test_a_person_signs_in_loads_pages_and_static_files_and_chats_across_processes_through_nginx(
    behind_nginx, general, ana, mateo
):
    import websockets

    site = behind_nginx
    with_password(ana), with_password(mateo)
    browsers = {user.pk: Browser(site["origin"], site["cert"]) for user in (ana, mateo)}

    # Signing in and a page: over TLS, production settings (secure cookies, CSRF on the Origin).
    page = browsers[ana.pk].sign_in(ana.email)
    assert f'data-user-id="{ana.pk}"' in page
    browsers[mateo.pk].sign_in(mateo.email)
    response, page = browsers[ana.pk].get(f"/messages/{general.pk}/")
    assert response.status == 200 and f"/ws/rooms/{general.pk}/" in page
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, passed through

    # Static files come from nginx, from collectstatic's folder; the processes never see them.
    stylesheet = re.search(r'href="(/static/css/puente\.[0-9a-f]+\.css)"', page).group(1)
    response, css = browsers[ana.pk].get(stylesheet)
    cache_control = ", ".join(response.headers.get_all("Cache-Control"))  # `expires` and `add_header`'s
    assert response.status == 200 and cache_control == "max-age=31536000, public, immutable" and css

    # Plain HTTP is sent to HTTPS.
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(f"http://127.0.0.1:{site['http_port']}/", timeout=10)
    assert redirected.value.code == 301 and redirected.value.headers["Location"].startswith("https://")

    # A websocket for each person: least_conn gives the second to the process that does not hold the
    # first. A message sent by Ana on hers reaches Mateo on his.
    async def chat():
        def connect(user):
            cookie = f"{settings.SESSION_COOKIE_NAME}={browsers[user.pk].cookie(settings.SESSION_COOKIE_NAME)}"
            return websockets.connect(
                f"wss://127.0.0.1:{site['origin'].rsplit(':', 1)[1]}/ws/rooms/{general.pk}/",
                origin=site["origin"], additional_headers={"Cookie": cookie}, ssl=browsers[user.pk].tls,
            )

        async with connect(mateo) as mateo_ws:
            await next_frame(mateo_ws, "presence")
            async with connect(ana) as ana_ws:
                await next_frame(ana_ws, "presence")
                await ana_ws.send(json.dumps({"type": "message", "body": "Hola a través de nginx", "client_id": "n-1"}))
                ack = await next_frame(ana_ws, "ack")
                frame = await next_frame(mateo_ws, "message")
                assert frame["id"] == ack["id"] and "Hola a través de nginx" in frame["html"]

    asyncio.run(chat())

    # Each process held one of the two sockets; every line is JSON; the page's line carries nginx's id.
    time.sleep(0.5)  # the close lines
    lines = {port: log_lines(path) for port, path in site["logs"].items()}
    opened = {port: [line for line in lines[port] if line["message"].startswith("websocket open")]
              for port in lines}
    assert sorted(len(found) for found in opened.values()) == [1, 1], opened
    everything = [line for port in lines for line in lines[port]]
    (page_line,) = [line for line in everything if line.get("request_id") == request_id]
    assert (page_line["path"], page_line["status"], page_line["user_id"]) == (f"/messages/{general.pk}/", 200, ana.pk)
    assert not [line for line in everything if line.get("path", "").startswith("/static/")]


def test_nginx_sends_an_attachment_the_app_has_checked_and_nobody_can_ask_it_directly(
    behind_nginx, general, ana, mateo, otto
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from attachments.models import Attachment
    from attachments.views import SANDBOX_CSP
    from messaging import services
    from tests.attachments import files

    site = behind_nginx
    storages = dict(settings.STORAGES)  # the servers' storage folder, the one nginx's location serves
    storages["attachments"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                               "OPTIONS": {"location": str(site["attachments_root"]), "base_url": None}}
    settings.STORAGES = storages
    message = services.message_post(room=general, author=ana, body="certificado",
                                     files=[SimpleUploadedFile("certificado.pdf", files.pdf())])
    attachment = Attachment.objects.get(owner_id=message.pk)
    browsers = {}
    for user in (mateo, otto):
        with_password(user)
        browsers[user.pk] = Browser(site["origin"], site["cert"])
        browsers[user.pk].sign_in(user.email)

    response, _ = browsers[mateo.pk].get(f"/files/{attachment.key}/")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == SANDBOX_CSP
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "X-Accel-Redirect" not in response.headers
    response = browsers[mateo.pk].opener.open(f"{site['origin']}/files/{attachment.key}/", timeout=15)
    assert response.read() == files.pdf()  # the bytes, sent by nginx from the storage folder
    for who, path in ((otto.pk, f"/files/{attachment.key}/"), (mateo.pk, f"/_attachments/{attachment.file}")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            browsers[who].get(path)
        assert refused.value.code == 404


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
