"""The front door: deploy/nginx.conf in front of the production command, under slow clients."""

from __future__ import annotations

import contextlib
import gzip
import http.cookiejar
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
ATTACK_SECONDS = 20
PROBE_LIMIT = 1.0


@pytest.fixture(scope="module")
def front_door() -> Iterator[FrontDoor]:
    """Run gunicorn (the production command) behind nginx, both on 127.0.0.1."""
    if not Path(nginx.NGINX).exists():
        pytest.fail("nginx was not found: install it with 'apt-get install -y nginx'.")
    with (
        servers.gunicorn(env={"FLASK_PROXIES": "1"}) as upstream,
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
