"""The engine: three-valued logic, working, every threshold, and every rule in every status."""

from __future__ import annotations

import itertools

import pytest
from pydantic import TypeAdapter, ValidationError

from calculator import create_app
from calculator.core.engine import Status, assess
from calculator.core.inputs import Inputs, quantities
from calculator.core.rules import Condition, load_rules
from calculator.loaded import rules_of

from .helpers import RULES_PATH

RULES = load_rules(RULES_PATH)
CONDITION = TypeAdapter(Condition)
BY_ID = {rule.id: rule for rule in RULES.rules}

# Each truth value as an answer to "anti-Jo-1 is positive" (and the same for the others).
ANSWER = {True: "positive", False: "negative", None: "not_tested"}
TRUTHS = (True, False, None)


def truth(condition: dict, jo1: bool | None, mda5: bool | None = None, ro52=None) -> bool | None:
    """Evaluate a condition on the answers that make each comparison true, false or unknown.

    The engine, the what-if search and "what would decide it" all use this one check.
    """
    inputs = Inputs(anti_jo1=ANSWER[jo1], anti_mda5=ANSWER[mda5], anti_ro52=ANSWER[ro52])
    node = CONDITION.validate_python(condition)
    return node.check(quantities(inputs))[0]


JO1 = {"field": "anti_jo1", "eq": "positive"}
MDA5 = {"field": "anti_mda5", "eq": "positive"}
RO52 = {"field": "anti_ro52", "eq": "positive"}


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


def at_least_expected(n: int, parts: tuple) -> bool | None:
    """design.md: true when n parts are true, false when fewer than n could still be true."""
    true = parts.count(True)
    could = true + parts.count(None)
    if true >= n:
        return True
    return False if could < n else None


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("parts", list(itertools.product(TRUTHS, repeat=3)))
def test_at_least_follows_its_truth_table(n, parts):
    condition = {"at_least": {"n": n, "of": [JO1, MDA5, RO52]}}
    assert truth(condition, *parts) is at_least_expected(n, parts)


def test_at_least_two_of_three_in_words():
    """Spot checks of the table, as design.md words them."""
    two = {"at_least": {"n": 2, "of": [JO1, MDA5, RO52]}}
    assert truth(two, True, True, None) is True
    assert truth(two, True, False, False) is False
    assert truth(two, True, False, None) is None
    assert truth(two, None, None, False) is None
    assert truth(two, False, False, None) is False


@pytest.mark.parametrize("n", [0, 4, -1])
def test_at_least_refuses_an_n_outside_one_to_the_number_of_parts(n):
    with pytest.raises(ValidationError):
        CONDITION.validate_python({"at_least": {"n": n, "of": [JO1, MDA5, RO52]}})


def fields_of(outcome) -> list[str]:
    return [node.field for node, _ in outcome[1]]


def evaluate(node, inputs):
    return node.check(quantities(inputs))


def test_an_unknown_outcome_names_only_the_unknown_parts():
    condition = CONDITION.validate_python({"all": [JO1, MDA5, {"field": "age_at_onset", "gt": 60}]})
    outcome = evaluate(condition, Inputs(anti_jo1="positive"))
    assert outcome[0] is None
    assert fields_of(outcome) == ["anti_mda5", "age_at_onset"]


def test_a_false_part_decides_all_however_much_is_unknown():
    condition = CONDITION.validate_python({"all": [JO1, MDA5]})
    outcome = evaluate(condition, Inputs(anti_jo1="negative"))
    assert (outcome[0], fields_of(outcome)) == (False, ["anti_jo1"])


def test_a_true_any_is_decided_by_its_true_parts():
    condition = CONDITION.validate_python({"any": [JO1, MDA5, RO52]})
    outcome = evaluate(condition, Inputs(anti_jo1="positive", anti_mda5="negative"))
    assert (outcome[0], fields_of(outcome)) == (True, ["anti_jo1"])


def result(inputs: dict, rule_id: str):
    found = assess(RULES, Inputs(**inputs))
    return next(f for f in found.findings + found.caution_findings if f.rule.id == rule_id)


P, A, N = Status.PRESENT, Status.ABSENT, Status.NOT_ASSESSED
ILD = {"ild": "present", "respiratory_muscle_weakness": "absent"}
# The rules' statuses, case by case, are in test_rules_v3.py; here, the working and the summary.


def steps(found) -> list[tuple]:
    return [(s.field, s.answer_json, s.test, s.met) for s in found.working]


def test_the_working_of_a_present_factor_is_every_part_that_made_it_true():
    found = result(
        {**ILD, "hrct_extent": "indeterminate", "fvc_percent_predicted": 65}, "extensive_ild"
    )
    assert steps(found) == [
        ("ild", "present", "is Present", True),
        ("hrct_extent", "indeterminate", "is Indeterminate", True),
        ("fvc_percent_predicted", 65, "below 70", True),
        ("fvc_reflects_lung", "yes", "is Yes", True),
    ]


def test_the_working_of_an_absent_factor_is_a_part_that_made_it_false():
    found = result({"ild": "absent", "hrct_extent": "unknown"}, "extensive_ild")
    assert steps(found) == [("ild", "absent", "is Present", False)]
    assert found.applies is False


def test_the_working_of_a_factor_not_assessed_is_the_parts_still_unknown():
    found = result({**ILD, "hrct_extent": "indeterminate"}, "extensive_ild")
    assert steps(found) == [("fvc_percent_predicted", None, "below 70", None)]


def test_the_working_of_a_derived_quantity_gives_its_value():
    inputs = {**ILD, "fibrosis_on_ct": "present", "symptoms_worse_past_year": "yes"}
    found = result(
        {**inputs, "fvc_percent_predicted_year_before": 75.1, "fvc_percent_predicted": 70.1},
        "ppf_2022",
    )
    assert ("fvc_decline_past_year", 5.0, "at least 5", True) in steps(found)


def test_the_contract_ids_are_those_of_docs_design_md():
    """The ids are a contract: tests and API clients use them."""
    factors = [
        "age_over_60", "extensive_ild", "severe_lung_function", "worsening_past_year",
        "ild_without_myositis", "progressive_ild", "rapidly_progressive_ild",
        "non_progressive_ild", "ppf_2022", "pulmonary_hypertension", "respiratory_failure",
        "diagnostic_delay", "malignancy", "jo1_negative", "anti_mda5", "anti_ro52",
        "raised_crp", "high_kl6", "high_ferritin_mda5", "muscle_only",
    ]  # fmt: skip
    cautions = [
        "mda5_phenotype", "no_ars_antibody", "double_positive", "course_conflict",
        "breathing_muscle_weakness", "cancer_outside_window", "juvenile_onset",
    ]  # fmt: skip
    assert factors == [r.id for r in RULES.factors if r.id in factors]
    assert set(factors) <= {r.id for r in RULES.factors}
    assert cautions == [r.id for r in RULES.cautions if r.id in cautions]
    assert set(cautions) <= {r.id for r in RULES.cautions}


def test_nothing_known_assesses_nothing_and_flags_nothing():
    outcome = assess(RULES, Inputs())
    assert outcome.summary == {
        "adverse_present": 0,
        "favourable_present": 0,
        "not_assessed": len(RULES.factors),
        "set_aside": 0,
    }
    assert outcome.cautions == []


def test_the_summary_counts_factors_by_effect_and_never_cautions():
    outcome = assess(
        RULES,
        Inputs(age_at_onset=70, anti_mda5="positive", ild="present", ild_course="non_progressive"),
    )
    present = {f.rule.id for f in outcome.where(P)}
    assert {"age_over_60", "anti_mda5"} <= present
    assert outcome.summary["set_aside"] == 3  # the three course factors, in anti-MDA5 disease
    assert [f.rule.id for f in outcome.cautions] == ["mda5_phenotype"]
    assert outcome.summary["adverse_present"] == len(outcome.where(P, RULES.factors[0].effect))
    assert outcome.summary["favourable_present"] == sum(
        f.rule.effect.value == "favourable" for f in outcome.where(P)
    )


def test_the_app_assesses_with_the_rules_it_loaded():
    app = create_app({"SECRET_KEY": "x", "RULES_PATH": str(RULES_PATH)})
    assert rules_of(app) == RULES
