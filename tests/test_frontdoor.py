"""The front door: deploy/nginx.conf in front of the production command, under slow clients."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.cookiejar
import json
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import nginx, servers
from .nginx import FrontDoor

SLOW_CLIENTS = 50
FHIR = "application/fhir+json"
ATTACK_SECONDS = 8  # less than nginx's 10 s header timeout: every slow client holds on
PROBE_LIMIT = 1.0

# Timed against real nginx and gunicorn processes: never beside each other on two CPUs.
pytestmark = pytest.mark.xdist_group("front-door")


@pytest.fixture(scope="module")
def front_door() -> Iterator[FrontDoor]:
    """Run gunicorn (the production command) behind nginx, both on 127.0.0.1."""
    if not Path(nginx.NGINX).exists():
        pytest.fail("nginx was not found: install it with 'apt-get install -y nginx'.")
    # The README's settings; 127.0.0.1 too, which tests/nginx.py adds to server_name.
    hosts = '["calc.example.org", "127.0.0.1"]'
    with (
        servers.gunicorn(env={"FLASK_PROXIES": "1", "FLASK_TRUSTED_HOSTS": hosts}) as upstream,
        nginx.front_door(upstream) as door,
    ):
        yield door


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
    assert len(probes) >= 20, report
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
    """Send raw bytes to nginx over TLS and return its whole reply: up to the end of the
    connection, or of a reply whose length is given (after a 413 nginx lingers for the body
    it refused, seconds of waiting for nothing)."""
    port = int(door.https.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with door.context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(request)
            reply = b""
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                while not _whole(reply) and (chunk := sock.recv(65536)):
                    reply += chunk
    return reply


def _whole(reply: bytes) -> bool:
    """Tell whether a reply holds its head and as many body bytes as its Content-Length says."""
    head, found, body = reply.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return length is not None and len(body) >= int(length.group(1))


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
def test_nginx_refuses_a_body_over_the_apps_limit(front_door, chunked):
    body = b'{"age_at_onset": 70, "pad": "' + b"x" * 65536 + b'"}'
    if chunked:
        framing = b"Transfer-Encoding: chunked\r\n"
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    else:
        framing = b"Content-Length: %d\r\n" % len(body)
    head = b"POST /api/v3/assess HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n"
    reply = raw_https(
        front_door, head + b"Content-Type: application/json\r\n" + framing + b"\r\n" + body
    )
    assert reply.startswith(b"HTTP/1.1 413")


def test_a_body_within_the_limit_passes(front_door):
    body = b'{"age_at_onset": 70, "pad": "' + b"x" * 60000 + b'"}'
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(
            urllib.request.Request(
                front_door.https + "/api/v3/assess",
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


# --------------------------------------------------------------------------- compression

TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture
def browser(front_door):
    """A browser's session: HTTPS trusting the test certificate, and a cookie jar."""
    return urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=front_door.context),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    )


def fetch(door: FrontDoor, browser, path: str, headers: dict[str, str], data: bytes | None = None):
    """Request a path through nginx; return (headers, body as sent: urllib never decompresses)."""
    request = urllib.request.Request(door.https + path, data=data, headers=headers)
    with browser.open(request, timeout=10) as response:
        assert response.status == 200
        return response.headers, response.read()


def result_body(door: FrontDoor, browser) -> bytes:
    """Return a form post with a fresh token from the session's form page."""
    _, page = fetch(door, browser, "/", {"Accept-Encoding": "identity"})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.decode())
    assert token
    fields = {"csrf_token": token.group(1), "age_at_onset": "70", "ild": "present"}
    return urllib.parse.urlencode(fields).encode()


def same_page(html: bytes) -> bytes:
    """Blank what rightly differs between two renders: the masked token and the minute."""
    return STAMP.sub("STAMP", TOKEN.sub(r'\1TOKEN"', html.decode())).encode()


def vary(headers) -> set[str]:
    return {v.strip().lower() for h in headers.get_all("Vary") or [] for v in h.split(",")}


RESOURCES = ["/", "POST /", "/static/style.css", "/static/app.js"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_text_leaves_nginx_gzipped_when_asked_and_plain_otherwise(front_door, browser, resource):
    method, _, path = resource.rpartition(" ")

    def get(encoding: str):
        data = result_body(front_door, browser) if method == "POST" else None
        return fetch(front_door, browser, path, {"Accept-Encoding": encoding}, data)

    zipped_headers, zipped = get("gzip")
    plain_headers, plain = get("identity")
    assert zipped_headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(zipped_headers)
    assert "accept-encoding" in vary(plain_headers)
    assert plain_headers["Content-Encoding"] is None
    unzipped = gzip.decompress(zipped)
    if path.startswith("/static/"):
        assert unzipped == plain
    else:
        assert same_page(unzipped) == same_page(plain)
        assert unzipped != plain  # the token is masked afresh in every response
        if method == "POST":
            assert b'data-present="age_over_60"' in unzipped
    assert len(zipped) < len(plain) / 2, (len(zipped), len(plain))


def test_a_client_behind_its_own_proxy_gets_gzip_too(front_door, browser):
    """gzip_proxied: a request with a Via header is compressed like any other."""
    via = {"Accept-Encoding": "gzip", "Via": "1.1 hospital-proxy"}
    headers, body = fetch(front_door, browser, "/static/style.css", via)
    _, plain = fetch(front_door, browser, "/static/style.css", {"Accept-Encoding": "identity"})
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain


def test_without_accept_encoding_nothing_is_compressed(front_door):
    for path in ("/", "/static/style.css", "/static/app.js"):
        head = f"GET {path} HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n\r\n"
        reply = raw_https(front_door, head.encode())
        headers = reply.split(b"\r\n\r\n", 1)[0].lower()
        assert headers.startswith(b"http/1.1 200"), headers[:200]
        assert b"content-encoding" not in headers, path


def test_a_tiny_response_is_not_worth_compressing(front_door, browser):
    """gzip_min_length: a JSON answer under 1024 bytes is sent as it is."""
    headers, body = fetch(front_door, browser, "/healthz", {"Accept-Encoding": "gzip"})
    assert headers.get_content_type() == "application/json"  # a type nginx compresses
    assert headers["Content-Encoding"] is None
    assert len(body) < 1024


# --------------------------------------------------------------------------- record path (#18)


def worker_pids(door: FrontDoor) -> list[int]:
    """Return the pids of nginx's worker processes (the master's children)."""
    pid = door.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def spilled(door: FrontDoor, workers: list[int]) -> list[str]:
    """Name every file in nginx's body temp folder, and every one a worker holds open there.

    nginx unlinks a body's temporary file as soon as it opens it, so the folder alone may look
    empty while a body sits on disk: the workers' open files are watched too.
    """
    found = [str(p) for p in door.body_temp.rglob("*") if p.is_file()]
    for pid in workers:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith(str(door.body_temp)):
                        found.append(target)
    return found


def test_a_64_kib_body_sent_slowly_a_byte_a_chunk_never_touches_the_disk(front_door):
    """Finding 2: the chunked wire is six times the body; it must still stay in memory."""
    body = b'{"age_at_onset": 70, "pad": "' + b"x" * (65536 - 32) + b'"}'
    assert len(body) <= 65536
    chunks = b"".join(b"1\r\n%s\r\n" % body[i : i + 1] for i in range(len(body)))
    head = (
        b"POST /api/v3/assess HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    workers = worker_pids(front_door)
    assert workers
    seen: list[str] = []
    port = int(front_door.https.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with front_door.context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(head)
            step = len(chunks) // 40
            for start in range(0, len(chunks), step):  # about 40 sends over 2 s: slow
                sock.sendall(chunks[start : start + step])
                seen += spilled(front_door, workers)
                time.sleep(0.05)
            sock.sendall(b"0\r\n\r\n")
            seen += spilled(front_door, workers)
            reply = b""
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                while chunk := sock.recv(65536):
                    reply += chunk
    assert reply.startswith(b"HTTP/1.1 422"), reply[:200]  # the app's answer: "pad" unknown
    assert not seen, seen
    log = (front_door.workdir / "error.log").read_text()
    assert "buffered to a temporary file" not in log


def test_the_deployed_body_temp_path_is_on_tmpfs():
    """Finding 2: anything longer still (chunk extensions) would spill to RAM, not disk."""
    text = nginx.CONFIG.read_text()
    assert f"client_body_temp_path {nginx.BODY_TEMP};" in text
    mounts = Path("/proc/mounts").read_text().split("\n")
    shm = [line.split() for line in mounts if len(line.split()) > 2]
    assert any(m[1] == str(nginx.SHM) and m[2] == "tmpfs" for m in shm)


def status_and_headers(reply: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body


NGINX_ERRORS = {
    # nginx refuses these itself: the app never sees them.
    "413": (b"Content-Length: 70000\r\n\r\n", "413"),
    "bad chunk": (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
    "unknown transfer encoding": (b"Transfer-Encoding: gzip\r\n\r\n", "501"),
}


@pytest.mark.parametrize("kind", NGINX_ERRORS)
@pytest.mark.parametrize("path", ["/api/v3/assess", "/fhir/$assess", "/cds-services/x", "/"])
def test_nginx_own_errors_speak_the_addresss_language_with_the_security_headers(
    front_door, path, kind
):
    """Finding 15: JSON (FHIR: an OperationOutcome) for the machine paths, every header."""
    from calculator.web.security import HEADERS, HSTS

    framing, status = NGINX_ERRORS[kind]
    request = f"POST {path} HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n"
    line, headers, body = status_and_headers(raw_https(front_door, request.encode() + framing))
    assert line.startswith(f"HTTP/1.1 {status}"), line
    for name, value in [*HEADERS.items(), HSTS, ("Cache-Control", "no-store")]:
        assert headers.get(name.lower()) == value, (name, headers)
    if path == "/":
        assert headers["content-type"] == "text/html"
        return
    document = json.loads(body)
    if path.startswith("/fhir/"):
        assert headers["content-type"] == "application/fhir+json"
        assert document["resourceType"] == "OperationOutcome"
        assert document["issue"][0]["severity"] == "error"
    elif path.startswith("/api/"):
        assert headers["content-type"] == "application/json"
        assert document["errors"][0]["field"] == "body"
    else:
        assert headers["content-type"] == "application/json"
        assert isinstance(document["error"], str)


def test_an_unknown_host_is_refused_by_nginx(front_door):
    """Finding 15: only the site's names reach the app, which builds links from the Host."""
    request = b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    reply = raw_https(front_door, request)
    assert reply == b""  # 444: the connection is closed without a reply
    plain = urllib.request.Request(front_door.http + "/", headers={"Host": "evil.example"})
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.RemoteDisconnected)):
        urllib.request.urlopen(plain, timeout=10)


def test_the_redirect_to_https_carries_the_security_headers(front_door):
    request = "GET /cases HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n\r\n"
    port = int(front_door.http.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    line, headers, _ = status_and_headers(reply)
    assert line.startswith("HTTP/1.1 301")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("default-src 'self'")


def test_gunicorn_never_logs_the_bytes_of_a_bad_chunk(tmp_path):
    """Finding 9: a malformed chunked request sent to gunicorn directly is logged without them."""
    secret = b"crp_mg_per_l=987654"
    with servers.gunicorn_with_log() as (upstream, log):
        port = int(upstream.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v3/assess HTTP/1.1\r\nHost: calc.example.org\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + secret + b"\r\n"
            )
            with contextlib.suppress(OSError):
                while sock.recv(65536):
                    pass
        time.sleep(0.5)
        logged = log()
    assert b"Invalid request from ip=" in logged
    assert b"987654" not in logged


def test_with_gunicorn_down_nginx_answers_a_502_in_the_addresss_language():
    """Finding 15: nginx's own 502 (gunicorn stopped) is JSON under /api/, with the headers."""
    from werkzeug.serving import make_server

    from calculator.web.security import HEADERS

    def up(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, up)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with nginx.front_door(f"http://127.0.0.1:{server.server_port}") as door:
        server.shutdown()
        server.server_close()
        for path, kind in [("/api/v3/assess", "application/json"), ("/fhir/metadata", FHIR)]:
            request = f"GET {path} HTTP/1.1\r\nHost: calc.example.org\r\nConnection: close\r\n\r\n"
            line, headers, body = status_and_headers(raw_https(door, request.encode()))
            assert line.startswith("HTTP/1.1 502"), line
            assert headers["content-type"] == kind
            assert headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
            document = json.loads(body)
            if kind == FHIR:
                assert document["issue"][0]["code"] == "transient"
            else:
                assert "not answering" in document["errors"][0]["message"]
