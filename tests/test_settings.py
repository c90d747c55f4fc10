"""Settings: every FLASK_* setting the app reads is checked at start-up, in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from calculator import StartupError, create_app

from .helpers import ROOT

API = "/api/v3/assess"

BAD = [
    ("FLASK_PROXIES", "abc", "whole number from 0 to 5"),
    ("FLASK_PROXIES", "-1", "whole number from 0 to 5"),
    ("FLASK_PROXIES", "true", "whole number from 0 to 5"),
    ("FLASK_MAX_CONTENT_LENGTH", "64k", "not 64k"),
    ("FLASK_MAX_CONTENT_LENGTH", "0", "whole number from 1024"),
    ("FLASK_MAX_CONTENT_LENGTH", "null", "whole number from 1024"),
    ("FLASK_MAX_FORM_MEMORY_SIZE", "1.5", "largest form field"),
    ("FLASK_TRUSTED_HOSTS", "calc.example.org", "JSON list of host names"),
    ("FLASK_TRUSTED_HOSTS", '[""]', "JSON list of host names"),
    ("FLASK_RULES_PATH", "[]", "path of a rules file"),
    ("FLASK_CASES_PATH", "", "path of a teaching cases file"),
    ("FLASK_WTF_CSRF_TIME_LIMIT", "soon", "how many seconds a form stays valid"),
    ("FLASK_SECRET_KEY", "12345", "random text"),
    ("FLASK_WTF_CSRF_ENABLED", "no", "give true or false"),
    ("FLASK_SESSION_COOKIE_SECURE", "yes", "give true or false"),
]


@pytest.mark.parametrize(("name", "value", "advice"), BAD)
def test_a_bad_setting_stops_start_up_naming_it(monkeypatch, name, value, advice):
    monkeypatch.setenv(name, value)
    with pytest.raises(StartupError) as caught:
        create_app()
    message = str(caught.value.code)
    assert message.startswith(f"The app cannot start. {name}=")
    assert advice in message
    assert "\n" not in message


def test_the_secret_key_is_never_printed_even_when_refused(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "98765432109876")
    with pytest.raises(StartupError) as caught:
        create_app()
    assert "98765432109876" not in str(caught.value.code)
    assert "FLASK_SECRET_KEY=(withheld)" in str(caught.value.code)


def test_settings_given_in_code_are_checked_too():
    with pytest.raises(StartupError, match="PROXIES='1' is not valid"):
        create_app({"SECRET_KEY": "x", "PROXIES": "1"})


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("FLASK_MAX_CONTENT_LENGHT", "FLASK_MAX_CONTENT_LENGTH"),
        ("FLASK_RULE_PATH", "FLASK_RULES_PATH"),
    ],
)
def test_a_misspelt_setting_stops_start_up_rather_than_being_ignored(monkeypatch, typo, meant):
    monkeypatch.setenv(typo, "100000")
    with pytest.raises(StartupError) as caught:
        create_app()
    assert str(caught.value.code) == (
        f"The app cannot start. {typo} is not a setting of this app: did you mean {meant}?"
    )


def test_flasks_own_variables_are_not_taken_for_misspellings(monkeypatch):
    for name, value in {
        "FLASK_RUN_PORT": "0",
        "FLASK_APP": "calculator",
        "FLASK_SESSION_COOKIE_NAME": "s",
        "FLASK_SESSION_COOKIE_SAMESITE": "Strict",
    }.items():
        monkeypatch.setenv(name, value)
    assert create_app({"SECRET_KEY": "x"}).config["SESSION_COOKIE_NAME"] == "s"


def test_good_settings_are_used(monkeypatch):
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "2048")
    monkeypatch.setenv("FLASK_PROXIES", "1")
    monkeypatch.setenv("FLASK_WTF_CSRF_TIME_LIMIT", "3600")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 2048


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "flask", "--app", "calculator", "run", "--port", "0"],
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--preload",
            "-b",
            "127.0.0.1:0",
            "calculator:create_app()",
        ],
    ],
    ids=["flask run", "gunicorn"],
)
@pytest.mark.parametrize(
    ("name", "value"), [("FLASK_PROXIES", "abc"), ("FLASK_MAX_CONTENT_LENGTH", "64k")]
)
def test_the_servers_stop_with_one_line_and_no_traceback(command, name, value):
    result = subprocess.run(
        command,
        env={name: value, "FLASK_SECRET_KEY": "x" * 32, "PATH": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    ours = [line for line in lines if name in line]
    assert len(ours) == 1 and ours[0].startswith("The app cannot start."), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("limit", "words"),
    [(65536, "(64 KiB)"), (2048, "(2 KiB)"), (2 * 1024 * 1024, "(2 MiB)"), (5000, "(5,000 bytes)")],
)
def test_the_413_message_states_the_configured_limit(limit, words):
    client = create_app(
        {"SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": limit}
    ).test_client()
    body = {"age_at_onset": "7" * (limit + 10)}
    page = client.post("/", data=body)
    api = client.post(API, json=body)
    assert page.status_code == api.status_code == 413
    assert words in page.get_data(as_text=True)
    assert words in api.get_json()["errors"][0]["message"]
