"""Real servers for the tests: the production command, started on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

from .helpers import ROOT


def free_port() -> int:
    """Return a port of 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log, timeout: float = 30) -> None:
    """Wait until a URL answers 200, or fail with the server's log."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{url} did not answer: {log.read().decode()}") from None
            time.sleep(0.2)


@contextlib.contextmanager
def gunicorn(
    *options: str,
    env: dict[str, str] | None = None,
    secret_key: str | None = "server-tests",  # noqa: S107 - a test server's throwaway key
) -> Iterator[str]:
    """Run the README's production command on 127.0.0.1; yield its address; always stop it.

    With `secret_key=None` no FLASK_SECRET_KEY is set, as a first-time deployment might.
    """
    with gunicorn_with_log(*options, env=env, secret_key=secret_key) as (url, _):
        yield url


@contextlib.contextmanager
def gunicorn_with_log(
    *options: str,
    env: dict[str, str] | None = None,
    secret_key: str | None = "server-tests",  # noqa: S107 - a test server's throwaway key
) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Run the production command as gunicorn(); yield its address and a reader of its log."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    if secret_key is not None:
        environ["FLASK_SECRET_KEY"] = secret_key
    environ.update(env or {})
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "deploy/gunicorn.conf.py",
                "--preload",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                *options,
                "calculator:create_app()",
            ],
            cwd=ROOT,
            env=environ,
            stdout=log,
            stderr=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(f"{url}/healthz", process, log)

            def read() -> bytes:
                log.seek(0)
                return log.read()

            yield url, read
        finally:
            stop(process, grace=20)


def stop(process: subprocess.Popen, grace: float) -> None:
    """Stop a server: SIGTERM, then SIGKILL if it has not ended after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
