"""The production command: gunicorn with two workers serves the form end to end."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .helpers import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[str]:
    """Run the README's production command (without FLASK_SECRET_KEY) on 127.0.0.1."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    log = (tmp_path_factory.mktemp("gunicorn") / "stderr.log").open("w+b")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--preload",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "calculator:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start: {log.read().decode()}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_the_form_works_across_two_workers(gunicorn):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{gunicorn}/", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "age_at_onset": "70"}).encode()
    # Enough requests that both workers answer some of them.
    for _ in range(12):
        with opener.open(f"{gunicorn}/", data=body, timeout=10) as response:
            assert response.status == 200
            assert 'data-present="age_over_60"' in response.read().decode()


def test_debug_is_off_in_production(gunicorn):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{gunicorn}/nowhere", timeout=10)
    with caught.value:
        html = caught.value.read().decode()
    assert caught.value.code == 404
    assert "Traceback" not in html and "Werkzeug Debugger" not in html
