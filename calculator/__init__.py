"""A prognostic factor calculator for antisynthetase syndrome, as a Flask app."""

from __future__ import annotations

import logging
import os
import secrets
import traceback
from pathlib import Path
from typing import Any

from flask import Flask, request

from . import settings
from .core.cases import load_cases
from .core.datafile import DataFileError
from .core.rules import RulesError, load_rules
from .record.codes import load_codes

__all__ = ["create_app", "RulesError", "StartupError"]

_HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def resource(name: str) -> Path:
    """Find a shipped file: inside the installed package, else beside it in a checkout."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name!r} is neither in {_HERE} nor in {_HERE.parent}")


class StartupError(SystemExit):
    """The app cannot start. Like sys.exit(message): the message, no traceback, exit status 1."""


class _App(Flask):
    """Flask, but an unexpected error is logged without its message, which may carry input."""

    def log_exception(self, exc_info: Any) -> None:
        kind, _, trace = exc_info
        where = "".join(traceback.format_tb(trace))
        self.logger.error(
            "Exception on %s [%s]: %s (message withheld: it may carry clinical values)\n%s",
            request.path,
            request.method,
            kind.__name__,
            where,
        )


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the calculator app; refuse to start on a broken rules file."""
    app = _App(
        __name__,
        template_folder=str(resource("templates")),
        static_folder=str(resource("static")),
    )
    app.config.from_mapping(
        SECRET_KEY=None,
        RULES_PATH=str(resource("rules.yaml")),
        CASES_PATH=str(resource("cases.yaml")),
        CODES_PATH=str(resource("codes.yaml")),
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=None,  # None: the same as MAX_CONTENT_LENGTH
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TRUSTED_HOSTS=None,
        PROXIES=0,
    )
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.update(test_config)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    try:
        settings.check(app.config)
    except settings.SettingsError as error:
        raise StartupError(f"The app cannot start. {error}") from None
    settings.derive(app.config)
    try:
        app.extensions["rules"] = load_rules(app.config["RULES_PATH"])
        app.extensions["cases"] = load_cases(app.config["CASES_PATH"])
        app.extensions["codes"] = load_codes(app.config["CODES_PATH"])
    except DataFileError as error:
        raise StartupError(f"The app cannot start. {error}") from error
    if not app.config["SECRET_KEY"]:
        # One key per process: fine for `flask run`; under several workers set
        # FLASK_SECRET_KEY, or preload the app so that the workers share it.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("FLASK_SECRET_KEY is not set: using a random key for this process.")

    if app.debug and os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        # The debugger runs code typed in the browser: never outside `flask run`.
        app.config["DEBUG"] = False
        log.warning("Debug mode is only honoured under `flask run`; it is off.")

    from . import cli, openapi
    from .api import views as api
    from .record import cdshooks, fhir
    from .web import about, bodies, errors, security, teaching, views

    security.init_app(app)
    bodies.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    teaching.init_app(app)
    about.init_app(app)
    api.init_app(app)
    fhir.init_app(app)
    cdshooks.init_app(app)
    openapi.init_app(app)
    cli.init_app(app)
    return app
