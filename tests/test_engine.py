"""The engine: three-valued logic, and every core rule in every status."""

from __future__ import annotations

import itertools

import pytest
from pydantic import TypeAdapter

from calculator import create_app, rules_of
from calculator.engine import Status, assess
from calculator.inputs import Inputs
from calculator.rules import Condition, load_rules

from .helpers import RULES_PATH

RULES = load_rules(RULES_PATH)
CONDITION = TypeAdapter(Condition)

# Each truth value as an answer to "anti-Jo-1 is positive" (and the same for anti-MDA5).
ANSWER = {True: "positive", False: "negative", None: "not_tested"}
TRUTHS = (True, False, None)


def truth(condition: dict, jo1: bool | None, mda5: bool | None = None) -> bool | None:
    """Evaluate a condition on the answers that make each comparison true, false or unknown."""
    inputs = Inputs(anti_jo1=ANSWER[jo1], anti_mda5=ANSWER[mda5])
    return CONDITION.validate_python(condition).evaluate(inputs).truth


JO1 = {"field": "anti_jo1", "eq": "positive"}
MDA5 = {"field": "anti_mda5", "eq": "positive"}


def kleene_and(a, b):
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a, b):
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRUTHS, TRUTHS)))
def test_all_follows_kleene_and(a, b):
    assert truth({"all": [JO1, MDA5]}, a, b) is kleene_and(a, b)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRUTHS, TRUTHS)))
def test_any_follows_kleene_or(a, b):
    assert truth({"any": [JO1, MDA5]}, a, b) is kleene_or(a, b)


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (None, None)])
def test_not_keeps_unknown(a, expected):
    assert truth({"not": JO1}, a) is expected


def test_unknown_parts_name_their_inputs_and_decided_parts_do_not():
    condition = CONDITION.validate_python({"all": [JO1, MDA5, {"field": "age_at_onset", "gt": 60}]})
    outcome = condition.evaluate(Inputs(anti_jo1="positive"))
    assert outcome.truth is None
    assert outcome.missing == {"anti_mda5", "age_at_onset"}


def test_a_false_part_decides_all_however_much_is_unknown():
    condition = CONDITION.validate_python({"all": [JO1, MDA5]})
    outcome = condition.evaluate(Inputs(anti_jo1="negative"))
    assert (outcome.truth, outcome.missing) == (False, frozenset())


def status(inputs: dict, rule_id: str) -> Status:
    result = assess(RULES, Inputs(**inputs))
    return next(f.status for f in result.findings if f.rule.id == rule_id)


def missing(inputs: dict, rule_id: str) -> tuple[str, ...]:
    result = assess(RULES, Inputs(**inputs))
    return next(f.missing_inputs for f in result.findings if f.rule.id == rule_id)


P, A, N = Status.PRESENT, Status.ABSENT, Status.NOT_ASSESSED
ILD = {"ild": "present"}

# (rule, inputs, expected status, expected missing inputs)
CASES = [
    ("age_over_60", {"age_at_onset": 61}, P, ()),
    ("age_over_60", {"age_at_onset": 60}, A, ()),
    ("age_over_60", {"age_at_onset": 59}, A, ()),
    ("age_over_60", {}, N, ("age_at_onset",)),
    ("extensive_ild", {**ILD, "hrct_extent": "extensive"}, P, ()),
    ("extensive_ild", {**ILD, "hrct_extent": "limited"}, A, ()),
    ("extensive_ild", {**ILD, "hrct_extent": "limited", "fvc_percent_predicted": 40}, A, ()),
    (
        "extensive_ild",
        {**ILD, "hrct_extent": "indeterminate", "fvc_percent_predicted": 69.9},
        P,
        (),
    ),
    ("extensive_ild", {**ILD, "hrct_extent": "indeterminate", "fvc_percent_predicted": 70}, A, ()),
    (
        "extensive_ild",
        {**ILD, "hrct_extent": "indeterminate", "fvc_percent_predicted": 70.1},
        A,
        (),
    ),
    ("extensive_ild", {**ILD, "hrct_extent": "indeterminate"}, N, ("fvc_percent_predicted",)),
    ("extensive_ild", {**ILD}, N, ("hrct_extent", "fvc_percent_predicted")),
    ("extensive_ild", {"ild": "absent"}, A, ()),
    ("extensive_ild", {"fvc_percent_predicted": 40}, N, ("ild", "hrct_extent")),
    ("extensive_ild", {}, N, ("ild", "hrct_extent", "fvc_percent_predicted")),
    ("progressive_ild", {**ILD, "ild_course": "progressive"}, P, ()),
    ("progressive_ild", {**ILD, "ild_course": "rapidly_progressive"}, A, ()),
    ("progressive_ild", {**ILD, "ild_course": "non_progressive"}, A, ()),
    ("progressive_ild", {**ILD}, N, ("ild_course",)),
    ("progressive_ild", {"ild": "absent"}, A, ()),
    ("progressive_ild", {}, N, ("ild", "ild_course")),
    ("rapidly_progressive_ild", {**ILD, "ild_course": "rapidly_progressive"}, P, ()),
    ("rapidly_progressive_ild", {**ILD, "ild_course": "progressive"}, A, ()),
    ("rapidly_progressive_ild", {"ild": "absent"}, A, ()),
    ("rapidly_progressive_ild", {**ILD}, N, ("ild_course",)),
    ("non_progressive_ild", {**ILD, "ild_course": "non_progressive"}, P, ()),
    ("non_progressive_ild", {**ILD, "ild_course": "progressive"}, A, ()),
    ("non_progressive_ild", {"ild": "absent"}, A, ()),
    ("non_progressive_ild", {"ild": "unknown"}, N, ("ild", "ild_course")),
    ("diagnostic_delay", {"diagnostic_delay_months": 6.5}, P, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 6}, A, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 5.9}, A, ()),
    ("diagnostic_delay", {}, N, ("diagnostic_delay_months",)),
    ("malignancy", {"malignancy": "within_3_years"}, P, ()),
    ("malignancy", {"malignancy": "outside_window"}, A, ()),
    ("malignancy", {"malignancy": "none"}, A, ()),
    ("malignancy", {"malignancy": "unknown"}, N, ("malignancy",)),
    ("jo1_negative", {"anti_jo1": "negative"}, P, ()),
    ("jo1_negative", {"anti_jo1": "positive"}, A, ()),
    ("jo1_negative", {"anti_jo1": "not_tested"}, N, ("anti_jo1",)),
    ("anti_mda5", {"anti_mda5": "positive"}, P, ()),
    ("anti_mda5", {"anti_mda5": "negative"}, A, ()),
    ("anti_mda5", {}, N, ("anti_mda5",)),
    ("muscle_only", {"myositis": "present", "ild": "absent"}, P, ()),
    ("muscle_only", {"myositis": "present", "ild": "present"}, A, ()),
    ("muscle_only", {"myositis": "absent", "ild": "absent"}, A, ()),
    ("muscle_only", {"myositis": "absent"}, A, ()),
    ("muscle_only", {"myositis": "present"}, N, ("ild",)),
    ("muscle_only", {}, N, ("myositis", "ild")),
]


@pytest.mark.parametrize(("rule_id", "inputs", "expected", "needs"), CASES)
def test_core_rule(rule_id, inputs, expected, needs):
    assert status(inputs, rule_id) is expected
    assert missing(inputs, rule_id) == needs


def test_every_core_rule_is_tested_in_every_status():
    seen = {(rule_id, expected) for rule_id, _, expected, _ in CASES}
    for rule in RULES.rules:
        assert {(rule.id, s) for s in Status} <= seen, rule.id


def test_the_core_rule_ids_are_the_contract():
    assert [r.id for r in RULES.rules] == [
        "age_over_60",
        "extensive_ild",
        "progressive_ild",
        "rapidly_progressive_ild",
        "non_progressive_ild",
        "diagnostic_delay",
        "malignancy",
        "jo1_negative",
        "anti_mda5",
        "muscle_only",
    ]


def test_nothing_known_assesses_nothing_and_flags_nothing():
    result = assess(RULES, Inputs())
    assert result.summary == {"adverse_present": 0, "favourable_present": 0, "not_assessed": 10}


def test_summary_counts_present_factors_by_effect():
    result = assess(
        RULES,
        Inputs(age_at_onset=70, anti_mda5="positive", ild="present", ild_course="non_progressive"),
    )
    assert result.summary == {"adverse_present": 2, "favourable_present": 1, "not_assessed": 4}


def test_the_app_assesses_with_the_rules_it_loaded():
    app = create_app({"SECRET_KEY": "x", "RULES_PATH": str(RULES_PATH)})
    assert rules_of(app) == RULES
