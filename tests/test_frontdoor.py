"""The front door: deploy/nginx.conf in front of the production command, under slow clients."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import servers
from .helpers import ROOT

CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 50
ATTACK_SECONDS = 20
PROBE_LIMIT = 1.0


@dataclass
class FrontDoor:
    https: str
    http: str
    context: ssl.SSLContext
    workdir: Path

    def open(self, path: str, data: bytes | None = None, opener=None, timeout: float = 10):
        """Request a path through nginx over HTTPS."""
        request = urllib.request.Request(self.https + path, data=data)
        if opener is not None:
            return opener.open(request, timeout=timeout)
        return urllib.request.urlopen(request, timeout=timeout, context=self.context)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Make a throwaway certificate for 127.0.0.1, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=calc.example.org", "-keyout", str(key)]
        + ["-out", str(cert), "-addext", "subjectAltName=DNS:calc.example.org,IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def site_config(upstream: int, http: int, https: int, cert: Path, key: Path) -> str:
    """Return deploy/nginx.conf with only its ports, certificate paths and IPv6 listens changed."""
    text = CONFIG.read_text(encoding="utf-8")
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "/etc/letsencrypt/live/calc.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/calc.example.org/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def main_config(folder: Path) -> str:
    """Return a minimal nginx.conf that includes the site, with every file in one folder."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {folder / 'access.log'};\n{temp}"
        f"    include {folder / 'calculator.conf'};\n"
        "}\n"
    )


@pytest.fixture(scope="module")
def front_door() -> Iterator[FrontDoor]:
    """Run gunicorn (the production command) behind nginx, both on 127.0.0.1."""
    if not Path(NGINX).exists():
        pytest.fail("nginx was not found: install it with 'apt-get install -y nginx'.")
    with (
        tempfile.TemporaryDirectory(prefix="frontdoor-") as name,
        servers.gunicorn(env={"FLASK_PROXIES": "1"}) as upstream,
    ):
        folder = Path(name)
        folder.chmod(0o755)
        cert, key = make_certificate(folder)
        https, http = servers.free_port(), servers.free_port()
        port = int(upstream.rsplit(":", 1)[1])
        (folder / "calculator.conf").write_text(site_config(port, http, https, cert, key))
        (folder / "nginx.conf").write_text(main_config(folder))
        argv = [NGINX, "-p", str(folder), "-e", str(folder / "error.log")]
        argv += ["-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        context = ssl.create_default_context(cafile=str(cert))
        with open(folder / "nginx.out", "w+b") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=log)
            try:
                door = FrontDoor(
                    f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", context, folder
                )
                deadline = time.monotonic() + 30
                while True:
                    try:
                        door.open("/healthz", timeout=2).close()
                        break
                    except (urllib.error.URLError, ConnectionError, TimeoutError):
                        if time.monotonic() > deadline or process.poll() is not None:
                            log.seek(0)
                            pytest.fail(f"nginx did not start: {log.read().decode()}")
                        time.sleep(0.2)
                yield door
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


class SlowClient(threading.Thread):
    """Send a request's headers one byte at a time, reconnecting whenever nginx hangs up."""

    def __init__(self, port: int, context: ssl.SSLContext, until: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.context, self.until, self.stop = port, context, until, stop
        self.connections = 0
        self.bytes_sent = 0

    def run(self) -> None:
        while not self.stop.is_set() and time.monotonic() < self.until:
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
                    with self.context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
                        self.connections += 1
                        header = b"GET /healthz HTTP/1.1\r\nHost: calc.example.org\r\nX-Slow: "
                        for index in range(10**6):
                            if self.stop.is_set() or time.monotonic() >= self.until:
                                return
                            sock.sendall(header[index : index + 1] or b"a")
                            self.bytes_sent += 1
                            time.sleep(0.5)
            time.sleep(0.1)


def test_fifty_slow_clients_do_not_slow_the_health_probes(front_door):
    port = int(front_door.https.rsplit(":", 1)[1])
    stop = threading.Event()
    start = time.monotonic()
    clients = [
        SlowClient(port, front_door.context, start + ATTACK_SECONDS, stop)
        for _ in range(SLOW_CLIENTS)
    ]
    for client in clients:
        client.start()
    probes: list[tuple[float, int | str]] = []
    try:
        time.sleep(1)  # every slow client is connected and dribbling before the first probe
        while time.monotonic() < start + ATTACK_SECONDS:
            began = time.monotonic()
            try:
                with front_door.open("/healthz", timeout=5) as response:
                    outcome: int | str = response.status
            except (urllib.error.URLError, OSError) as error:
                outcome = type(error).__name__
            probes.append((time.monotonic() - began, outcome))
            time.sleep(max(0.0, 0.25 - (time.monotonic() - began)))
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    slowest = max(seconds for seconds, _ in probes)
    report = (
        f"{len(probes)} probes, slowest {slowest:.3f} s; "
        f"{sum(c.connections for c in clients)} slow connections, "
        f"{sum(c.bytes_sent for c in clients)} header bytes sent one at a time"
    )
    print(report)
    assert len(probes) >= 40, report
    assert all(outcome == 200 for _, outcome in probes), probes
    assert slowest < PROBE_LIMIT, report
    assert all(c.connections >= 1 for c in clients), "a slow client never got connected"


def test_the_form_works_through_the_front_door_over_https(front_door):
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=front_door.context),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    )
    with front_door.open("/", opener=opener) as response:
        page = response.read().decode()
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Secure" in response.headers["Set-Cookie"]
        assert response.headers["Server"] == "nginx"  # no version to look up flaws by
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "age_at_onset": "70"}).encode()
    with front_door.open("/", data=body, opener=opener) as response:
        assert 'data-present="age_over_60"' in response.read().decode()


def raw_https(door: FrontDoor, request: bytes) -> bytes:
    """Send raw bytes to nginx over TLS and return its whole reply."""
    port = int(door.https.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with door.context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(request)
            chunks = []
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
def test_nginx_refuses_a_body_over_the_apps_limit(front_door, chunked):
    body = b'{"age_at_onset": 70, "pad": "' + b"x" * 65536 + b'"}'
    if chunked:
        framing = b"Transfer-Encoding: chunked\r\n"
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    else:
        framing = b"Content-Length: %d\r\n" % len(body)
    head = b"POST /api/v2/assess HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n"
    reply = raw_https(
        front_door, head + b"Content-Type: application/json\r\n" + framing + b"\r\n" + body
    )
    assert reply.startswith(b"HTTP/1.1 413")


def test_a_body_within_the_limit_passes(front_door):
    body = b'{"age_at_onset": 70, "pad": "' + b"x" * 60000 + b'"}'
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(
            urllib.request.Request(
                front_door.https + "/api/v2/assess",
                data=body,
                headers={"Content-Type": "application/json"},
            ),
            timeout=10,
            context=front_door.context,
        )
    with caught.value:
        assert caught.value.code == 422  # the app's answer: "pad" is not a known field
        assert "'pad' is not a known field" in caught.value.read().decode()


def test_plain_http_is_sent_to_https(front_door):
    request = urllib.request.Request(
        front_door.http + "/cases", headers={"Host": "calc.example.org"}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    with caught.value:
        assert caught.value.code == 301
        assert caught.value.headers["Location"] == "https://calc.example.org/cases"
