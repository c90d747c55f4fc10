"""Loading rules.yaml: the real file loads; every broken file is refused with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from calculator import RulesError, StartupError, create_app
from calculator.cli import rules_schema_text
from calculator.core.rules import load_rules

from .helpers import ROOT, RULES_PATH

GOOD_RULE = """\
  - id: age_over_60
    title: Onset after 60
    effect: adverse
    evidence: consistent
    studied_in: myositis with ILD, Japan, 497 patients
    when: {field: age_at_onset, gt: 60}
    explanation: Older onset goes with shorter survival. It is well documented.
    references:
      - citation: Aggarwal R et al. Ann Rheum Dis 2014;73:227-32.
        pmid: "23422076"
"""
HEADER = 'version: "1"\nreviewed: 2026-01-01\nrules:\n'


def write(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def broken(old: str, new: str) -> str:
    """The good file with one piece changed."""
    assert old in GOOD_RULE
    return HEADER + GOOD_RULE.replace(old, new)


BROKEN = [
    # (what is wrong, file text, fragments the message must contain)
    (
        "unknown field, with a suggestion",
        broken("field: age_at_onset", "field: age_at_onsett"),
        ["rule 'age_over_60'", "unknown field 'age_at_onsett'", "did you mean 'age_at_onset'"],
    ),
    (
        "value not among the field's choices",
        broken("{field: age_at_onset, gt: 60}", "{field: anti_jo1, eq: postive}"),
        ["rule 'age_over_60'", "'postive' is not one of 'anti_jo1'", "did you mean 'positive'"],
    ),
    (
        "comparing with the 'not known' answer",
        broken("{field: age_at_onset, gt: 60}", "{field: anti_jo1, eq: not_tested}"),
        ["'not known' answer", "can never be true"],
    ),
    (
        "ordering operator on a choice field",
        broken("{field: age_at_onset, gt: 60}", "{field: ild, gt: 1}"),
        ["operator 'gt' does not fit 'ild'", "use 'eq' or 'in'"],
    ),
    (
        "text compared with a number field",
        broken("{field: age_at_onset, gt: 60}", "{field: age_at_onset, eq: old}"),
        ["'age_at_onset' is a number, but is compared with 'old'"],
    ),
    (
        "threshold outside the field's range",
        broken("gt: 60", "gt: 600"),
        ["600 is outside the range of 'age_at_onset' (0 to 120)"],
    ),
    (
        "ordering operator given text",
        broken("gt: 60", "gt: sixty"),
        ["rule 'age_over_60'", "when.gt.gt", "valid number"],
    ),
    (
        "two operators in one comparison",
        broken("gt: 60}", "gt: 60, lt: 90}"),
        ["A condition needs exactly one of"],
    ),
    (
        "unknown operator",
        broken("gt: 60", "gte: 60"),
        ["A condition needs exactly one of"],
    ),
    (
        "missing explanation",
        broken(
            "    explanation: Older onset goes with shorter survival. It is well documented.\n", ""
        ),
        ["rule 'age_over_60'", "explanation: this is required but missing"],
    ),
    (
        "no references",
        broken(
            "    references:\n      - citation: Aggarwal R et al. Ann Rheum Dis 2014;73:227-32.\n"
            '        pmid: "23422076"\n',
            "    references: []\n",
        ),
        ["rule 'age_over_60'", "references", "at least 1 item"],
    ),
    (
        "a reference with a malformed PMID",
        broken('pmid: "23422076"', "pmid: PMID23422076"),
        ["references.0.pmid", "should match pattern"],
    ),
    (
        "misspelt key, with a suggestion",
        broken("explanation:", "explanaton:"),
        ["unknown key 'explanaton'", "did you mean 'explanation'"],
    ),
    (
        "effect not among its choices",
        broken("effect: adverse", "effect: bad"),
        ["effect", "'adverse', 'favourable' or 'caution'"],
    ),
    (
        "a factor without studied_in",
        broken("    studied_in: myositis with ILD, Japan, 497 patients\n", ""),
        ["rule 'age_over_60'", "a factor needs 'studied_in'"],
    ),
    (
        "a factor without evidence",
        broken("    evidence: consistent\n", ""),
        ["rule 'age_over_60'", "a factor needs 'evidence'"],
    ),
    (
        "a caution with evidence",
        broken("effect: adverse", "effect: caution"),
        ["a caution is not a factor: it takes no 'evidence'"],
    ),
    (
        "evidence not among its words",
        broken("evidence: consistent", "evidence: strong"),
        ["evidence", "'consistent', 'mixed' or 'limited'"],
    ),
    (
        "at_least asking for more parts than it has",
        broken(
            "{field: age_at_onset, gt: 60}",
            "{at_least: {n: 3, of: [{field: age_at_onset, gt: 60}, {field: ild, eq: present}]}}",
        ),
        ["rule 'age_over_60'", "at_least needs n from 1 to 2", "got 3"],
    ),
    (
        "at_least with n of zero",
        broken(
            "{field: age_at_onset, gt: 60}",
            "{at_least: {n: 0, of: [{field: age_at_onset, gt: 60}]}}",
        ),
        ["rule 'age_over_60'", "at_least.n", "greater than or equal to 1"],
    ),
    (
        "a misspelt derived quantity, with a suggestion",
        broken("field: age_at_onset", "field: fvc_decline_past_yr"),
        ["unknown field 'fvc_decline_past_yr'", "did you mean 'fvc_decline_past_year'"],
    ),
    (
        "a decline threshold outside its range",
        broken("field: age_at_onset, gt: 60", "field: fvc_decline_past_year, ge: 500"),
        ["500 is outside the range of 'fvc_decline_past_year'"],
    ),
    (
        "duplicate id",
        HEADER + GOOD_RULE + GOOD_RULE,
        ["duplicate id 'age_over_60'", "rule 1 has it too"],
    ),
    (
        "YAML aliases",
        HEADER + "  - &a {id: x}\n  - *a\n",
        ["aliases (*a) are not allowed"],
    ),
    ("not YAML at all", "rules: [unclosed\n", ["not valid YAML"]),
    ("not a mapping", "- 1\n- 2\n", ["must be a mapping"]),
    ("no rules", 'version: "1"\nreviewed: 2026-01-01\n', ["'rules' must be a list"]),
    ("a bad date", 'version: "1"\nreviewed: someday\nrules:\n' + GOOD_RULE, ["reviewed"]),
]


@pytest.mark.parametrize(("text", "fragments"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_rules_file_is_refused_with_a_clear_message(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_every_problem_is_reported_together(tmp_path):
    second = GOOD_RULE.replace("id: age_over_60", "id: second").replace("eq", "eq")
    text = (
        HEADER
        + GOOD_RULE.replace("field: age_at_onset", "field: agee")
        + second.replace("effect: adverse", "effect: bad")
    )
    with pytest.raises(RulesError) as caught:
        load_rules(write(tmp_path, text))
    assert len(caught.value.problems) == 2
    assert "rule 'age_over_60' (rule 1, line 4)" in caught.value.problems[0]
    assert "rule 'second' (rule 2, line 14)" in caught.value.problems[1]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "nowhere.yaml")


def test_the_real_rules_file_loads():
    rules = load_rules(RULES_PATH)
    written = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))["rules"]
    assert [rule.id for rule in rules.rules] == [item["id"] for item in written]
    assert rules.factors and all(rule.studied_in for rule in rules.factors)


def test_the_real_rules_have_explanations_of_two_to_five_sentences():
    for rule in load_rules(RULES_PATH).rules:
        sentences = [s for s in rule.explanation.replace("e.g.", "eg").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 5, (rule.id, len(sentences))


def test_the_real_rules_each_cite_a_pmid_doi_or_address():
    """Every rule can be checked: at least one reference with an identifier or a publisher page."""
    for rule in load_rules(RULES_PATH).rules:
        assert any(ref.pmid or ref.doi or ref.url for ref in rule.references), rule.id


def test_the_app_refuses_to_start_on_a_broken_file(tmp_path):
    path = write(tmp_path, broken("field: age_at_onset", "field: age"))
    with pytest.raises(StartupError, match="rule 'age_over_60'"):
        create_app({"SECRET_KEY": "x", "RULES_PATH": str(path)})


def test_flask_run_stops_with_the_message_and_no_traceback(tmp_path):
    path = write(tmp_path, broken("field: age_at_onset", "field: age"))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "calculator", "routes"],
        env={"FLASK_RULES_PATH": str(path), "FLASK_SECRET_KEY": "x", "PATH": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert str(path) in result.stderr
    assert "unknown field 'age'; did you mean 'age_at_onset'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_published_schema_is_current():
    assert (ROOT / "static" / "rules.schema.json").read_text(
        encoding="utf-8"
    ) == rules_schema_text()


def test_the_real_rules_file_matches_the_published_schema():
    data = json.loads(
        json.dumps(yaml.safe_load(RULES_PATH.read_text(encoding="utf-8")), default=str)
    )
    jsonschema.validate(data, json.loads(rules_schema_text()))
    assert RULES_PATH.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=static/rules.schema.json"
    )


def test_the_good_rule_of_the_table_loads(tmp_path):
    assert load_rules(write(tmp_path, HEADER + GOOD_RULE)).rules[0].id == "age_over_60"
