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
ILD = {"ild": "present"}
# The 2022 criteria's gate: ILD with fibrosis, and no other explanation.
PPF = {**ILD, "fibrosis_on_ct": "present", "other_cause_excluded": "yes"}
SYMPTOMS = {"symptoms_worse_past_year": "yes"}
CT = {"ct_progression_past_year": "yes"}
NO_SYMPTOMS = {"symptoms_worse_past_year": "no"}
NO_CT = {"ct_progression_past_year": "no"}


def fvc(before: float, now: float) -> dict:
    return {"fvc_percent_predicted_year_before": before, "fvc_percent_predicted": now}


def dlco(before: float, now: float) -> dict:
    return {"dlco_percent_predicted_year_before": before, "dlco_percent_predicted": now}


ARS = ("pl7", "pl12", "ej", "oj", "ks", "zo", "ha", "other")

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
    # The 2022 criteria: two of three domains; the function domain by FVC or DLCO.
    ("ppf_2022", {**PPF, **SYMPTOMS, **CT}, P, ()),
    ("ppf_2022", {**PPF, **SYMPTOMS, **fvc(75, 70)}, P, ()),
    ("ppf_2022", {**PPF, **SYMPTOMS, **fvc(32.3, 27.3)}, P, ()),  # 32.3 - 27.3 < 5 in binary
    ("ppf_2022", {**PPF, **SYMPTOMS, **fvc(75.1, 70.1)}, P, ()),
    ("ppf_2022", {**PPF, **SYMPTOMS, **NO_CT, **fvc(75, 70.1), **dlco(60, 60)}, A, ()),  # 4.9
    ("ppf_2022", {**PPF, **SYMPTOMS, **fvc(75.1, 70)}, P, ()),  # 5.1 points
    ("ppf_2022", {**PPF, **CT, **dlco(20.4, 10.4)}, P, ()),  # 20.4 - 10.4 < 10 in binary
    ("ppf_2022", {**PPF, **CT, **dlco(64.3, 54.3)}, P, ()),
    ("ppf_2022", {**PPF, **CT, **NO_SYMPTOMS, **fvc(70, 70), **dlco(64.3, 54.4)}, A, ()),  # 9.9
    ("ppf_2022", {**PPF, **CT, **dlco(64.3, 54.2)}, P, ()),  # 10.1 points
    (
        "ppf_2022",
        {**PPF, **CT, **fvc(75, 74), **dlco(60, 55), "symptoms_worse_past_year": "no"},
        A,
        (),
    ),
    (
        "ppf_2022",
        {**PPF, **SYMPTOMS},
        N,
        (
            "fvc_percent_predicted",
            "dlco_percent_predicted",
            "fvc_percent_predicted_year_before",
            "dlco_percent_predicted_year_before",
            "ct_progression_past_year",
        ),
    ),
    (
        "ppf_2022",
        {**PPF, **SYMPTOMS, "fvc_percent_predicted": 70},
        N,
        (
            "dlco_percent_predicted",
            "fvc_percent_predicted_year_before",
            "dlco_percent_predicted_year_before",
            "ct_progression_past_year",
        ),
    ),
    ("ppf_2022", {**ILD, **SYMPTOMS, **CT, "fibrosis_on_ct": "absent"}, A, ()),
    (
        "ppf_2022",
        {**ILD, **SYMPTOMS, **CT, "fibrosis_on_ct": "present", "other_cause_excluded": "no"},
        A,
        (),
    ),
    (
        "ppf_2022",
        {**ILD, **SYMPTOMS, **CT, "fibrosis_on_ct": "present"},
        N,
        ("other_cause_excluded",),
    ),
    ("ppf_2022", {"ild": "absent"}, A, ()),
    ("respiratory_failure", {**ILD, "respiratory_failure": "present"}, P, ()),
    ("respiratory_failure", {**ILD, "respiratory_failure": "absent"}, A, ()),
    ("respiratory_failure", {"ild": "absent"}, A, ()),
    ("respiratory_failure", {**ILD}, N, ("respiratory_failure",)),
    ("diagnostic_delay", {"diagnostic_delay_months": 6.5}, P, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 6}, A, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 5.9}, A, ()),
    ("diagnostic_delay", {}, N, ("diagnostic_delay_months",)),
    ("malignancy", {"malignancy": "within_3_years"}, P, ()),
    ("malignancy", {"malignancy": "outside_window"}, A, ()),
    ("malignancy", {"malignancy": "none_found"}, A, ()),
    ("malignancy", {"malignancy": "not_known"}, N, ("malignancy",)),
    *(("jo1_negative", {"anti_jo1": "negative", "other_ars_antibody": a}, P, ()) for a in ARS),
    ("jo1_negative", {"anti_jo1": "negative", "other_ars_antibody": "none_detected"}, A, ()),
    ("jo1_negative", {"anti_jo1": "positive", "other_ars_antibody": "pl7"}, A, ()),
    ("jo1_negative", {"anti_jo1": "positive"}, A, ()),
    ("jo1_negative", {"anti_jo1": "negative"}, N, ("other_ars_antibody",)),
    ("jo1_negative", {"other_ars_antibody": "pl12"}, N, ("anti_jo1",)),
    ("jo1_negative", {"anti_jo1": "negative", "anti_mda5": "positive"}, N, ("other_ars_antibody",)),
    ("anti_mda5", {"anti_mda5": "positive"}, P, ()),
    ("anti_mda5", {"anti_mda5": "negative"}, A, ()),
    ("anti_mda5", {}, N, ("anti_mda5",)),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 800}, P, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 799.9}, A, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 800.1}, P, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "negative", "ferritin_ng_per_ml": 5000}, A, ()),
    (
        "high_ferritin_mda5",
        {"ild": "absent", "anti_mda5": "positive", "ferritin_ng_per_ml": 5000},
        A,
        (),
    ),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive"}, N, ("ferritin_ng_per_ml",)),
    ("anti_ro52", {"anti_ro52": "positive"}, P, ()),
    ("anti_ro52", {"anti_ro52": "negative"}, A, ()),
    ("anti_ro52", {}, N, ("anti_ro52",)),
    ("raised_crp", {**ILD, "crp_mg_per_l": 10}, P, ()),
    ("raised_crp", {**ILD, "crp_mg_per_l": 9.9}, A, ()),
    ("raised_crp", {**ILD, "crp_mg_per_l": 10.1}, P, ()),
    ("raised_crp", {"ild": "absent", "crp_mg_per_l": 80}, A, ()),
    ("raised_crp", {"crp_mg_per_l": 80}, N, ("ild",)),
    ("raised_crp", {**ILD}, N, ("crp_mg_per_l",)),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 1000}, P, ()),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 999}, A, ()),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 1001}, P, ()),
    ("high_kl6", {"ild": "absent", "kl6_u_per_ml": 3000}, A, ()),
    ("high_kl6", {**ILD}, N, ("kl6_u_per_ml",)),
    ("muscle_only", {"myositis": "present", "ild": "absent"}, P, ()),
    ("muscle_only", {"myositis": "present", "ild": "present"}, A, ()),
    ("muscle_only", {"myositis": "absent", "ild": "absent"}, A, ()),
    ("muscle_only", {"myositis": "absent"}, A, ()),
    ("muscle_only", {"myositis": "present"}, N, ("ild",)),
    ("muscle_only", {}, N, ("myositis", "ild")),
    # Cautions
    ("mda5_phenotype", {"anti_mda5": "positive"}, P, ()),
    ("mda5_phenotype", {"anti_mda5": "negative"}, A, ()),
    ("mda5_phenotype", {}, N, ("anti_mda5",)),
    ("no_ars_antibody", {"anti_jo1": "negative", "other_ars_antibody": "none_detected"}, P, ()),
    ("no_ars_antibody", {"anti_jo1": "negative", "other_ars_antibody": "pl7"}, A, ()),
    ("no_ars_antibody", {"anti_jo1": "positive"}, A, ()),
    ("no_ars_antibody", {"anti_jo1": "negative"}, N, ("other_ars_antibody",)),
    ("double_positive", {"anti_mda5": "positive", "anti_jo1": "positive"}, P, ()),
    ("double_positive", {"anti_mda5": "positive", "other_ars_antibody": "ej"}, P, ()),
    (
        "double_positive",
        {"anti_mda5": "positive", "anti_jo1": "negative", "other_ars_antibody": "none_detected"},
        A,
        (),
    ),
    ("double_positive", {"anti_mda5": "negative", "anti_jo1": "positive"}, A, ()),
    ("double_positive", {"anti_mda5": "positive"}, N, ("anti_jo1", "other_ars_antibody")),
    ("course_conflict", {**PPF, **SYMPTOMS, **CT, "ild_course": "non_progressive"}, P, ()),
    ("course_conflict", {**PPF, **SYMPTOMS, **CT, "ild_course": "progressive"}, A, ()),
    (
        "course_conflict",
        {
            **PPF,
            **SYMPTOMS,
            "ild_course": "non_progressive",
            "ct_progression_past_year": "no",
            **fvc(70, 68),
            **dlco(50, 45),
        },
        A,
        (),
    ),
    ("course_conflict", {**PPF, **SYMPTOMS, **CT}, N, ("ild_course",)),
    ("juvenile_onset", {"age_at_onset": 17}, P, ()),
    ("juvenile_onset", {"age_at_onset": 18}, A, ()),
    ("juvenile_onset", {"age_at_onset": 19}, A, ()),
    ("juvenile_onset", {}, N, ("age_at_onset",)),
]


@pytest.mark.parametrize(("rule_id", "inputs", "expected", "needs"), CASES)
def test_rule(rule_id, inputs, expected, needs):
    found = result(inputs, rule_id)
    assert found.status is expected
    assert found.missing_inputs == needs


def test_every_rule_is_tested_in_every_status():
    seen = {(rule_id, expected) for rule_id, _, expected, _ in CASES}
    for rule in RULES.rules:
        assert {(rule.id, s) for s in Status} <= seen, rule.id


def _thresholds() -> list[tuple[str, str, float]]:
    """Every (rule, field, value) a rule compares a number with, read from rules.yaml."""
    from calculator.core.conditions import comparisons

    return [
        (rule.id, node.field, value)
        for rule in RULES.rules
        for node in comparisons(rule.when)
        if node.spec.is_number
        for value in node.values()
    ]


def test_every_threshold_is_tested_at_below_and_above():
    """A new threshold in rules.yaml needs cases at, below and above it, for a rule using it."""
    tested: dict[tuple[str, float], set[str]] = {}
    for rule_id, inputs, _, _ in CASES:
        for field, value in _quantities(inputs).items():
            for rule, limit_field, limit in _thresholds():
                if (rule, limit_field) == (rule_id, field):
                    where = "at" if value == limit else "below" if value < limit else "above"
                    tested.setdefault((field, limit), set()).add(where)
    for _, field, limit in _thresholds():
        assert tested.get((field, limit), set()) >= {"at", "below", "above"}, (field, limit)


def _quantities(inputs: dict) -> dict:
    from calculator.core.inputs import QUANTITIES

    model = Inputs(**inputs)
    found = {}
    for name, spec in QUANTITIES.items():
        value = spec.read(model)
        if spec.is_number and value is not None:
            found[name] = value
    return found


def test_declines_are_exact_to_the_decimals_entered():
    model = Inputs(ild="present", **fvc(32.3, 27.3), **dlco(20.4, 10.4))
    assert 32.3 - 27.3 < 5 and 20.4 - 10.4 < 10  # what binary floating point would say
    assert result(model.model_dump(), "ppf_2022").working  # the model is valid as such
    from calculator.core.inputs import derived_values

    assert derived_values(model) == {"fvc_decline_past_year": 5.0, "dlco_decline_past_year": 10.0}


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
    ]


def test_the_working_of_an_absent_factor_is_a_part_that_made_it_false():
    found = result({"ild": "absent", "hrct_extent": "unknown"}, "extensive_ild")
    assert steps(found) == [("ild", "absent", "is Present", False)]


def test_the_working_of_a_factor_not_assessed_is_the_parts_still_unknown():
    found = result({**ILD, "hrct_extent": "indeterminate"}, "extensive_ild")
    assert steps(found) == [("fvc_percent_predicted", None, "below 70", None)]


def test_the_working_of_a_derived_quantity_gives_its_value():
    found = result({**PPF, **SYMPTOMS, **fvc(75.1, 70.1)}, "ppf_2022")
    assert ("fvc_decline_past_year", 5.0, "at least 5", True) in steps(found)


def test_the_contract_ids_come_in_the_order_of_design_md():
    """design.md's ids, as an ordered subset: new rules may be added anywhere."""
    factors = [
        "age_over_60",
        "extensive_ild",
        "progressive_ild",
        "rapidly_progressive_ild",
        "non_progressive_ild",
        "ppf_2022",
        "diagnostic_delay",
        "malignancy",
        "jo1_negative",
        "anti_mda5",
        "anti_ro52",
        "respiratory_failure",
        "raised_crp",
        "high_kl6",
        "high_ferritin_mda5",
        "muscle_only",
    ]
    cautions = [
        "mda5_phenotype",
        "no_ars_antibody",
        "double_positive",
        "course_conflict",
        "juvenile_onset",
    ]
    assert set(factors) <= {r.id for r in RULES.factors}
    assert cautions == [r.id for r in RULES.cautions if r.id in cautions]
    assert len(set(cautions)) == len(cautions) and set(cautions) <= {r.id for r in RULES.cautions}


def test_nothing_known_assesses_nothing_and_flags_nothing():
    outcome = assess(RULES, Inputs())
    assert outcome.summary == {
        "adverse_present": 0,
        "favourable_present": 0,
        "not_assessed": len(RULES.factors),
    }
    assert outcome.cautions == []


def test_the_summary_counts_factors_by_effect_and_never_cautions():
    outcome = assess(
        RULES,
        Inputs(age_at_onset=70, anti_mda5="positive", ild="present", ild_course="non_progressive"),
    )
    present = {f.rule.id for f in outcome.where(P)}
    assert {"age_over_60", "anti_mda5", "non_progressive_ild"} <= present
    assert [f.rule.id for f in outcome.cautions] == ["mda5_phenotype"]
    assert outcome.summary["adverse_present"] == len(outcome.where(P, RULES.factors[0].effect))
    assert outcome.summary["favourable_present"] == sum(
        f.rule.effect.value == "favourable" for f in outcome.where(P)
    )


def test_the_app_assesses_with_the_rules_it_loaded():
    app = create_app({"SECRET_KEY": "x", "RULES_PATH": str(RULES_PATH)})
    assert rules_of(app) == RULES


# --------------------------------------------------------------------------- compiled conditions

VARIED = [
    Inputs(),
    Inputs(age_at_onset=70, anti_jo1="negative", other_ars_antibody="pl7", anti_mda5="positive"),
    Inputs(
        ild="present",
        hrct_extent="indeterminate",
        fvc_percent_predicted=65.5,
        fvc_percent_predicted_year_before=71,
        dlco_percent_predicted=40,
        dlco_percent_predicted_year_before=50,
        fibrosis_on_ct="present",
        other_cause_excluded="yes",
        symptoms_worse_past_year="no",
        ferritin_ng_per_ml=800,
    ),
    Inputs(ild="absent", myositis="present", malignancy="within_3_years", crp_mg_per_l=9.99),
]


