"""The settings the app reads, each checked at start-up so that a bad one stops it at once.

Flask reads `FLASK_*` variables as JSON where it can and as text otherwise, so
`FLASK_PROXIES=abc` arrives as the text "abc" and `FLASK_MAX_CONTENT_LENGTH=64k`
as "64k": each setting is checked here, before anything uses it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

MAX_BODY = 16 * 1024 * 1024
MAX_PROXIES = 5


class SettingsError(ValueError):
    """A setting has a value the app cannot use."""


def _whole(low: int, high: int) -> Callable[[Any], bool]:
    """Accept a whole number from low to high; true and false are not numbers."""
    return lambda value: type(value) is int and low <= value <= high


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _hosts(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(_text(h) for h in value))


def _time_limit(value: Any) -> bool:
    return value is None or _whole(1, 10**9)(value)


def _flag(value: Any) -> bool:
    return value is None or isinstance(value, bool)


# Read by Flask itself or its command line; none is close to a setting of the app's.
FLASK_OWN = {*Flask.default_config, "APP", "DEBUG", "ENV", "SKIP_DOTENV", "RUN_FROM_CLI"}

# Each setting: what it must be, said as the end of "FLASK_NAME=... is not valid: ...".
CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "SECRET_KEY": (
        lambda value: value is None or _text(value),
        "give a random text of letters and digits, e.g. what "
        "`python3 -c 'import secrets; print(secrets.token_hex(32))'` prints",
    ),
    "RULES_PATH": (_text, "give the path of a rules file"),
    "CASES_PATH": (_text, "give the path of a teaching cases file"),
    "CODES_PATH": (_text, "give the path of a codes file"),
    "TRUSTED_HOSTS": (_hosts, "give a JSON list of host names, e.g. '[\"calc.example.org\"]'"),
    "PROXIES": (
        _whole(0, MAX_PROXIES),
        f"give how many proxies in front set X-Forwarded-*, a whole number from 0 to {MAX_PROXIES}",
    ),
    "MAX_CONTENT_LENGTH": (
        _whole(1024, MAX_BODY),
        f"give the largest request body in bytes, a whole number from 1024 to {MAX_BODY} "
        "(e.g. 65536, not 64k)",
    ),
    "MAX_FORM_MEMORY_SIZE": (
        lambda value: value is None or _whole(1024, MAX_BODY)(value),
        f"give the largest form field in bytes, a whole number from 1024 to {MAX_BODY}",
    ),
    "WTF_CSRF_TIME_LIMIT": (
        _time_limit,
        "give how many seconds a form stays valid, a whole number, or null for no limit",
    ),
    "WTF_CSRF_ENABLED": (_flag, "give true or false"),
    "SESSION_COOKIE_SECURE": (_flag, "give true or false"),
}


def check(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Raise SettingsError, one line per bad setting, naming it and what it should be."""
    environ = os.environ if environ is None else environ
    problems = []
    for name, (valid, advice) in CHECKS.items():
        value = config.get(name)
        if valid(value):
            continue
        raw = environ.get(f"FLASK_{name}")
        shown = repr(raw) if raw is not None else repr(value)
        if name == "SECRET_KEY":
            shown = "(withheld)"  # a secret is never printed, even a bad one
        where = f"FLASK_{name}" if raw is not None else name
        problems.append(f"{where}={shown} is not valid: {advice}.")
    for variable in environ:
        name = variable.removeprefix("FLASK_")
        if name != variable and name not in CHECKS and name not in FLASK_OWN:
            # A misspelt setting would be ignored without a word.
            close = difflib.get_close_matches(name, CHECKS, n=1, cutoff=0.85)
            if close:
                problems.append(
                    f"{variable} is not a setting of this app: did you mean FLASK_{close[0]}?"
                )
    if problems:
        raise SettingsError("\n".join(problems))


def derive(config: dict[str, Any]) -> None:
    """Fill the settings that follow from others: a form field is bounded by the body."""
    if config.get("MAX_FORM_MEMORY_SIZE") is None:
        config["MAX_FORM_MEMORY_SIZE"] = config["MAX_CONTENT_LENGTH"]
