"""Attachments: how fast uploads are checked and stored, whether an upload holds up other requests of
the same process, and what a room page with 20 photos weighs on first load.

    .venv/bin/python bench/attachments_bench.py [--uploads 6] [--database-url sqlite:////tmp/x.sqlite3]

1. In this process: attachments.processing.prepare on a 5 MB camera-size JPEG (4000 × 3000): decode,
   re-encode, two thumbnails. Milliseconds per image and MB/s.
2. One uvicorn process (production settings, SQLite unless --database-url): `--uploads` form posts of
   that photo to a room, one after the other, while another client asks for /healthz (the event loop)
   and for a small page (Django) every 50 ms. Latencies with and without uploads running.
3. The room page with 20 photo messages: the HTML, the CSS and JS it links and the 20 small thumbnails,
   in bytes as they travel in production: the HTML and the thumbnails as they are, the CSS and JS
   gzipped (nginx serves the .gz files collectstatic writes: deploy/nginx.conf `gzip_static`; as
   tests/messaging/test_room_weight.py counts them). Goal: at most 300 KB.

The photos are made here with Pillow: smooth shapes plus fine grain, like a photo of a coffee sample
(a photo of pure noise makes thumbnails four times larger; `--grainy` measures that worst case).
"""

import argparse
import gzip
import io
import re
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from support import Servers, make_sessions, setup_django


def camera_photo(*, grainy: bool = False, w: int = 4000, h: int = 3000) -> bytes:
    from PIL import Image

    cells = ((20, 80), (25, 70), (30, 60)) if grainy else ((200, 90), (150, 80), (60, 40))
    image = Image.merge("RGB", [
        Image.effect_noise((w // size, h // size), sigma).resize((w, h), Image.Resampling.BICUBIC)
        for size, sigma in cells
    ])
    mid = Image.effect_noise((w // 8, h // 8), 30).resize((w, h), Image.Resampling.BILINEAR).convert("RGB")
    image = Image.blend(image, mid, 0.3)
    image = Image.blend(image, Image.effect_noise((w, h), 20).convert("RGB"), 0.2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=97)
    return out.getvalue()


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def fetch(url: str, *, cookie: str = "", data: bytes | None = None, content_type: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    if data is not None:
        request.add_header("Content-Type", content_type)
        request.add_header("X-CSRFToken", "b" * 32)
        request.add_header("Referer", url)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--uploads", type=int, default=6)
    parser.add_argument("--skip-uploads", action="store_true")
    parser.add_argument("--grainy", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = setup_django(args.database_url or f"sqlite:///{Path(tmp) / 'attachments.sqlite3'}")
        env["ATTACHMENTS_ROOT"] = str(Path(tmp) / "files")
        env["PUENTE_RATE_MESSAGE"] = "1000/1"
        from django.conf import settings

        settings.STORAGES["attachments"]["OPTIONS"]["location"] = env["ATTACHMENTS_ROOT"]
        from attachments.processing import prepare
        from clusters.models import Cluster, ClusterMembership, Sector, User
        from messaging.services import message_post, room_general_for_cluster

        photo = camera_photo(grainy=args.grainy)
        print(f"photo: {len(photo) / 1e6:.2f} MB, 4000 x 3000 JPEG{' (grainy)' if args.grainy else ''}")

        # 1. Checking and re-encoding, in this process.
        times = []
        for _ in range(3):
            start = time.perf_counter()
            prepared = prepare(name="lote.jpg", data=photo)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"prepare: {best * 1000:.0f} ms per photo (best of 3), {len(photo) / 1e6 / best:.1f} MB/s; stored "
              f"{prepared.size / 1e6:.2f} MB, thumbnails {len(prepared.thumbs['small']) / 1e3:.1f} kB and "
              f"{len(prepared.thumbs['large']) / 1e3:.1f} kB")

        sector = Sector.objects.create(slug="bench-coffee", name="Coffee")
        cluster = Cluster.objects.create(sector=sector, slug="bench-coffee", name="Coffee", access=Cluster.Access.OPEN)
        from django.utils import timezone

        people = [User.objects.create_user(email=f"a{i}@bench.example", password="x", name=f"Bench {i}",
                                           country="HN", language="es", onboarded_at=timezone.now())
                  for i in range(2)]
        for person in people:
            ClusterMembership.objects.create(user=person, cluster=cluster, status=ClusterMembership.Status.ACTIVE)
        room = room_general_for_cluster(cluster=cluster)
        cookie = make_sessions(people[:1])[0] + "; csrftoken=" + "b" * 32
        reader = make_sessions(people[1:])[0]

        servers = Servers("uvicorn", env=env, app="config.asgi:application", log=Path(tmp) / "server.log")
        base = f"http://127.0.0.1:{servers.ports[0]}"
        try:
            # 2. Uploads beside other requests.
            def probe(path: str, cookie_value: str, stop: threading.Event, into: list[float]) -> None:
                while not stop.is_set():
                    start = time.perf_counter()
                    fetch(base + path, cookie=cookie_value)
                    into.append((time.perf_counter() - start) * 1000)
                    time.sleep(0.05)

            def run_probes(seconds: float | None, work=None) -> tuple[list[float], list[float]]:
                stop, health, page = threading.Event(), [], []
                threads = [threading.Thread(target=probe, args=("/healthz", "", stop, health)),
                           threading.Thread(target=probe, args=("/language/", reader, stop, page))]
                for thread in threads:
                    thread.start()
                if work is None:
                    time.sleep(seconds)
                else:
                    work()
                stop.set()
                for thread in threads:
                    thread.join()
                return health, page

            idle_health, idle_page = run_probes(3)
            if args.skip_uploads:
                args.uploads = 0
            body, content_type = multipart({"body": "", "client_id": ""}, [("files", "lote.jpg", photo)])
            upload_times = []

            def uploads():
                for _ in range(args.uploads):
                    start = time.perf_counter()
                    status, _ = fetch(f"{base}/messages/{room.pk}/", cookie=cookie, data=body,
                                      content_type=content_type)
                    assert status in (200, 302), status
                    upload_times.append(time.perf_counter() - start)

            from attachments.models import Attachment

            busy_health, busy_page = run_probes(None, uploads)
            assert Attachment.objects.count() == args.uploads, "the uploads were not stored"
            total = sum(upload_times) or float("nan")
            if upload_times:
                print(f"uploads through the form: {args.uploads} x {len(photo) / 1e6:.1f} MB, median "
                      f"{statistics.median(upload_times) * 1000:.0f} ms each, {args.uploads * len(photo) / 1e6 / total:.1f} MB/s")
            for label, idle, busy in (("/healthz (event loop)", idle_health, busy_health),
                                      ("a small page (Django)", idle_page, busy_page)):
                if not upload_times:
                    break
                print(f"{label}: idle p50 {percentile(idle, .5):.0f} ms p95 {percentile(idle, .95):.0f} ms; "
                      f"during uploads p50 {percentile(busy, .5):.0f} ms p95 {percentile(busy, .95):.0f} ms "
                      f"max {max(busy):.0f} ms ({len(busy)} requests)")

            # 3. A room page with 20 photo messages, first load.
            from django.core.files.uploadedfile import SimpleUploadedFile

            small = camera_photo(grainy=args.grainy, w=2000, h=1500)
            have = Attachment.objects.count()
            for i in range(20 - have):
                message_post(room=room, author=people[i % 2], body=f"Muestra {i}",
                             files=[SimpleUploadedFile(f"muestra-{i}.jpg", small)])
            status, html = fetch(f"{base}/messages/{room.pk}/", cookie=reader)
            assert status == 200, status
            text = html.decode()
            assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', text)
            thumbs = re.findall(r'src="(/files/[^"]+/small/)"', text)
            sizes = {"html": len(html), "css and js (gzipped)": 0, "thumbnails": 0}
            for path in assets:
                sizes["css and js (gzipped)"] += len(gzip.compress(fetch(base + path)[1]))
            for path in thumbs:
                status, data = fetch(base + path, cookie=reader)
                assert status == 200, (path, status)
                sizes["thumbnails"] += len(data)
            total = sum(sizes.values())
            print(f"room page with {len(thumbs)} thumbnails: " + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sizes.items())
                  + f"; total {total / 1024:.1f} KB (goal <= 300 KB)")
        finally:
            servers.stop()


if __name__ == "__main__":
    main()
