"""Data files: a repeated key, deep nesting or a huge file stops start-up, naming file and line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from calculator import StartupError, create_app
from calculator.core.cases import CasesError, load_cases
from calculator.core.rules import RulesError, load_rules

from .helpers import ROOT, RULES_PATH

CASES_PATH = ROOT / "calculator" / "cases.yaml"
FIRST_WHEN = "    when: {field: age_at_onset, gt: 60}\n"


def rules_with_a_second_when(tmp_path):
    """The real rules file with a second `when:` under age_over_60, as found."""
    text = RULES_PATH.read_text(encoding="utf-8")
    assert FIRST_WHEN in text
    line = text[: text.index(FIRST_WHEN)].count("\n") + 1
    text = text.replace(FIRST_WHEN, FIRST_WHEN + "    when: {field: age_at_onset, gt: 0}\n", 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line


def test_a_repeated_key_in_the_rules_stops_start_up_naming_the_lines(tmp_path):
    path, line = rules_with_a_second_when(tmp_path)
    with pytest.raises(StartupError) as caught:
        create_app({"SECRET_KEY": "x", "RULES_PATH": str(path)})
    message = str(caught.value.code)
    assert str(path) in message
    assert f"line {line + 1}: key 'when' is given twice (first on line {line})" in message


def test_every_repeated_key_is_listed_at_once(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("version: '1'\nversion: '2'\nrules:\n  - {id: a, id: b}\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.problems == [
        "line 2: key 'version' is given twice (first on line 1); YAML would silently keep the last",
        "line 4: key 'id' is given twice (first on line 4); YAML would silently keep the last",
    ]


def test_a_repeated_key_in_the_cases_is_refused(tmp_path):
    text = CASES_PATH.read_text(encoding="utf-8")
    text = text.replace("    title: ", "    title: A title given twice\n    title: ", 1)
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CasesError, match=r"line \d+: key 'title' is given twice"):
        load_cases(path)


DEEP = {
    "flow": "version: '1'\nrules: " + "[" * 600 + "]" * 600 + "\n",
    "block": "version: '1'\nrules:\n" + "".join(" " * i + "-\n" for i in range(1, 600)),
    "mappings": "version: '1'\nrules:\n" + "".join(" " * i + "a:\n" for i in range(1, 600)),
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_stops_start_up_naming_the_file_and_line(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StartupError) as caught:
        create_app({"SECRET_KEY": "x", "RULES_PATH": str(path)})
    message = str(caught.value.code)
    assert str(path) in message
    assert "nested more than 40 levels deep" in message
    assert "line " in message


def test_nesting_as_deep_as_a_real_condition_is_fine(tmp_path):
    condition = "{field: age_at_onset, gt: 60}"
    for _ in range(10):
        condition = f"{{not: {condition}}}"
    text = RULES_PATH.read_text(encoding="utf-8").replace(FIRST_WHEN, f"    when: {condition}\n")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    assert "age_over_60" in [rule.id for rule in load_rules(path).rules]


def test_a_file_over_the_size_limit_is_refused_at_once(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("# padding\n" * 30000, encoding="utf-8")
    with pytest.raises(RulesError, match="is larger than 256 KiB"):
        load_rules(path)


def test_an_endless_file_is_refused_rather_than_read(tmp_path):
    with pytest.raises(RulesError, match="(?s)/dev/zero: 1 problem .*larger than 256 KiB"):
        load_rules("/dev/zero")


@pytest.mark.parametrize("command", ["flask", "gunicorn"])
@pytest.mark.parametrize("problem", ["repeated key", "deep nesting"])
def test_the_servers_stop_with_the_message_and_no_traceback(tmp_path, command, problem):
    if problem == "repeated key":
        path, _ = rules_with_a_second_when(tmp_path)
        expected = "key 'when' is given twice"
    else:
        path = tmp_path / "rules.yaml"
        path.write_text(DEEP["flow"], encoding="utf-8")
        expected = "nested more than 40 levels deep"
    argv = {
        "flask": ["flask", "--app", "calculator", "run", "--port", "0"],
        "gunicorn": ["gunicorn", "--preload", "-b", "127.0.0.1:0", "calculator:create_app()"],
    }[command]
    result = subprocess.run(
        [sys.executable, "-m", *argv],
        env={"FLASK_RULES_PATH": str(path), "FLASK_SECRET_KEY": "x" * 32, "PATH": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert str(path) in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) < 10
