"""Fixtures: the app, a test client, a live server and Debian's Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from calculator import create_app
from calculator.core.cases import CaseBook, load_cases
from calculator.core.rules import RuleSet, load_rules

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    """The rules file shipped with the app: expected counts and ids come from it."""
    return load_rules(ROOT / "rules.yaml")


@pytest.fixture(scope="session")
def cases() -> CaseBook:
    """The teaching cases shipped with the app."""
    return load_cases(ROOT / "calculator" / "cases.yaml")


@pytest.fixture(scope="session")
def app() -> Flask:
    """An app with CSRF off, as the form and API tests need; shared, as no test changes it
    (a test that needs another configuration builds its own with create_app)."""
    return create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture(scope="session")
def csrf_app() -> Flask:
    """An app with CSRF on, as in production; shared, as no test changes it."""
    return create_app({"TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Serve the real app (CSRF on) on a free port of 127.0.0.1 for the browser tests."""
    app = create_app({"SECRET_KEY": "browser-tests"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium: Playwright cannot download a browser of its own here."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium was not found at {CHROMIUM!r}. Install it with "
            "'apt-get install -y chromium', or set CHROMIUM_PATH to a Chromium binary."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skipped test: a skip here is a failure."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any test was skipped, so that CI never passes on tests that did not run."""
    if _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"FAILED: {len(_skipped)} test(s) skipped; no test may be skipped.")
