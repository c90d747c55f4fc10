"""Contract v3 rule by rule: statuses, scope ("does not apply"), set aside, and the thresholds.

Expected statuses are written as a clinician reads them; the thresholds and the rules tested
are read from rules.yaml, so a new rule or threshold trips only the guards meant for it.
"""

from __future__ import annotations

import itertools

import pytest

from calculator.core.conditions import comparisons
from calculator.core.engine import Status, assess
from calculator.core.inputs import DERIVED, FIELDS, Inputs, derived_values, quantities
from calculator.core.rules import RuleSet
from calculator.core.words import reason

from .helpers import RULES_PATH

RULES = __import__("calculator.core.rules", fromlist=["load_rules"]).load_rules(RULES_PATH)

P, A, N = "present", "absent", "not_assessed"
DNA = "does not apply"  # status absent, applies false


def outcome(inputs: dict, rule_id: str) -> tuple[str, tuple[str, ...]]:
    """Return a rule's outcome as a clinician reads it, and its missing inputs."""
    found = assess(RULES, Inputs(**inputs))
    finding = next(f for f in found.findings + found.caution_findings if f.rule.id == rule_id)
    if finding.does_not_apply:
        assert finding.status is Status.ABSENT
        return DNA, finding.missing_inputs
    if finding.set_aside_by:
        assert finding.status is Status.NOT_ASSESSED and not finding.missing_inputs
        return f"set aside by {finding.set_aside_by}", ()
    return finding.status.value, finding.missing_inputs


ILD = {"ild": "present"}
LUNG_FVC = {"respiratory_muscle_weakness": "absent"}  # the FVC reflects the lung
PPF = {**ILD, **LUNG_FVC, "fibrosis_on_ct": "present"}
SYMPTOMS = {"symptoms_worse_past_year": "yes"}
CT = {"ct_progression_past_year": "yes"}
STABLE = {**ILD, "ild_course": "non_progressive"}


def fvc(before: float, now: float) -> dict:
    return {"fvc_percent_predicted_year_before": before, "fvc_percent_predicted": now}


def dlco(before: float, now: float) -> dict:
    return {"dlco_percent_predicted_year_before": before, "dlco_percent_predicted": now}


ARS = ("pl7", "pl12", "ej", "oj", "ks", "zo", "ha", "other")
NONE_FOUND = {"pulmonary_hypertension": "not_found"}

# (rule, inputs, expected, expected missing inputs)
CASES = [
    ("age_over_60", {"age_at_onset": 61}, P, ()),
    ("age_over_60", {"age_at_onset": 60}, A, ()),
    ("age_over_60", {"age_at_onset": 59}, A, ()),
    ("age_over_60", {}, N, ("age_at_onset",)),
    ("extensive_ild", {**ILD, "hrct_extent": "extensive"}, P, ()),
    ("extensive_ild", {**ILD, "hrct_extent": "limited", "fvc_percent_predicted": 40}, A, ()),
    (
        "extensive_ild",
        {**ILD, **LUNG_FVC, "hrct_extent": "indeterminate", "fvc_percent_predicted": 69.9},
        P,
        (),
    ),
    (
        "extensive_ild",
        {**ILD, **LUNG_FVC, "hrct_extent": "indeterminate", "fvc_percent_predicted": 70},
        A,
        (),
    ),
    (
        "extensive_ild",
        {**ILD, **LUNG_FVC, "hrct_extent": "indeterminate", "fvc_percent_predicted": 70.1},
        A,
        (),
    ),
    # Weak breathing muscles: a low FVC no longer stages an indeterminate CT (audit finding 3).
    (
        "extensive_ild",
        {
            **ILD,
            "respiratory_muscle_weakness": "present",
            "hrct_extent": "indeterminate",
            "fvc_percent_predicted": 60,
        },
        N,
        ("respiratory_muscle_weakness",),
    ),
    # ... but a high FVC still excludes a low one.
    (
        "extensive_ild",
        {
            **ILD,
            "respiratory_muscle_weakness": "present",
            "hrct_extent": "indeterminate",
            "fvc_percent_predicted": 85,
        },
        A,
        (),
    ),
    (
        "extensive_ild",
        {**ILD, "myositis": "absent", "hrct_extent": "indeterminate", "fvc_percent_predicted": 60},
        P,
        (),
    ),
    ("extensive_ild", {"ild": "absent"}, DNA, ()),
    (
        "extensive_ild",
        {},
        N,
        ("respiratory_muscle_weakness", "ild", "hrct_extent", "fvc_percent_predicted"),
    ),
    ("severe_lung_function", {**ILD, "dlco_percent_predicted": 35}, P, ()),
    (
        "severe_lung_function",
        {**ILD, "dlco_percent_predicted": 35.1, **LUNG_FVC, "fvc_percent_predicted": 80},
        A,
        (),
    ),
    ("severe_lung_function", {**ILD, "dlco_percent_predicted": 34.9}, P, ()),
    ("severe_lung_function", {**ILD, **LUNG_FVC, "fvc_percent_predicted": 49.9}, P, ()),
    (
        "severe_lung_function",
        {**ILD, **LUNG_FVC, "fvc_percent_predicted": 50, "dlco_percent_predicted": 60},
        A,
        (),
    ),
    (
        "severe_lung_function",
        {**ILD, **LUNG_FVC, "fvc_percent_predicted": 50.1, "dlco_percent_predicted": 60},
        A,
        (),
    ),
    (
        "severe_lung_function",
        {**ILD, "dlco_could_not_perform": "yes", **LUNG_FVC, "fvc_percent_predicted": 80},
        P,
        (),
    ),
    # A DLCO value given means the test was performed: the arm is decided, not unknown.
    (
        "severe_lung_function",
        {**ILD, "dlco_percent_predicted": 60, **LUNG_FVC, "fvc_percent_predicted": 80},
        A,
        (),
    ),
    (
        "severe_lung_function",
        {
            **ILD,
            "respiratory_muscle_weakness": "present",
            "fvc_percent_predicted": 45,
            "dlco_percent_predicted": 60,
        },
        N,
        ("respiratory_muscle_weakness",),
    ),
    ("severe_lung_function", {"ild": "absent", "dlco_percent_predicted": 20}, DNA, ()),
    ("worsening_past_year", {**ILD, **LUNG_FVC, **fvc(75, 70)}, P, ()),
    ("worsening_past_year", {**ILD, **LUNG_FVC, **fvc(32.3, 27.3)}, P, ()),
    (
        "worsening_past_year",
        {
            **ILD,
            **LUNG_FVC,
            **fvc(75, 70.1),
            **NONE_FOUND,
            **dlco(60, 60),
            "ct_progression_past_year": "no",
        },
        A,
        (),
    ),
    ("worsening_past_year", {**ILD, **LUNG_FVC, **fvc(75.1, 70), **NONE_FOUND}, P, ()),
    ("worsening_past_year", {**ILD, **NONE_FOUND, **dlco(20.4, 10.4)}, P, ()),
    (
        "worsening_past_year",
        {
            **ILD,
            **LUNG_FVC,
            **fvc(70, 70),
            **NONE_FOUND,
            **dlco(64.3, 54.4),
            "ct_progression_past_year": "no",
        },
        A,
        (),
    ),
    ("worsening_past_year", {**ILD, **NONE_FOUND, **dlco(64.3, 54.2)}, P, ()),
    ("worsening_past_year", {**ILD, **CT}, P, ()),
    # A DLCO fall with pulmonary hypertension confirmed is not read as the lung worsening.
    (
        "worsening_past_year",
        {
            **ILD,
            **LUNG_FVC,
            **fvc(70, 70),
            **dlco(60, 40),
            "pulmonary_hypertension": "confirmed",
            "ct_progression_past_year": "no",
        },
        N,
        ("pulmonary_hypertension",),
    ),
    ("worsening_past_year", {"ild": "absent"}, DNA, ()),
    ("ild_without_myositis", {**ILD, "myositis": "absent"}, P, ()),
    ("ild_without_myositis", {**ILD, "myositis": "present"}, A, ()),
    ("ild_without_myositis", {**ILD}, N, ("myositis",)),
    ("ild_without_myositis", {"ild": "absent", "myositis": "absent"}, DNA, ()),
    ("progressive_ild", {**ILD, "ild_course": "progressive"}, P, ()),
    ("progressive_ild", {**ILD, "ild_course": "rapidly_progressive"}, A, ()),
    ("progressive_ild", {**ILD}, N, ("ild_course",)),
    ("progressive_ild", {"ild": "absent"}, DNA, ()),
    ("progressive_ild", {**STABLE, **CT}, "set aside by course_conflict", ()),
    (
        "progressive_ild",
        {**ILD, "ild_course": "non_progressive", "anti_mda5": "positive"},
        "set aside by mda5_phenotype",
        (),
    ),
    # A present adverse factor is never set aside, whatever caution is present.
    ("progressive_ild", {**ILD, "ild_course": "progressive", "anti_mda5": "positive"}, P, ()),
    ("rapidly_progressive_ild", {**ILD, "ild_course": "rapidly_progressive"}, P, ()),
    ("rapidly_progressive_ild", {**ILD, "ild_course": "progressive"}, A, ()),
    ("rapidly_progressive_ild", {**ILD}, N, ("ild_course",)),
    ("rapidly_progressive_ild", {"ild": "absent"}, DNA, ()),
    ("rapidly_progressive_ild", {**STABLE, **SYMPTOMS}, "set aside by course_conflict", ()),
    (
        "rapidly_progressive_ild",
        {**STABLE, "anti_mda5": "positive"},
        "set aside by mda5_phenotype",
        (),
    ),
    ("non_progressive_ild", {**STABLE}, P, ()),
    ("non_progressive_ild", {**ILD, "ild_course": "progressive"}, A, ()),
    ("non_progressive_ild", {"ild": "unknown"}, N, ("ild", "ild_course")),
    ("non_progressive_ild", {"ild": "absent"}, DNA, ()),
    ("non_progressive_ild", {**STABLE, **SYMPTOMS}, "set aside by course_conflict", ()),
    ("non_progressive_ild", {**STABLE, "anti_mda5": "positive"}, "set aside by mda5_phenotype", ()),
    ("non_progressive_ild", {**STABLE, **fvc(80, 75)}, "set aside by course_conflict", ()),
    # An absent favourable factor is never set aside.
    ("non_progressive_ild", {**ILD, "ild_course": "progressive", "anti_mda5": "positive"}, A, ()),
    # The 2022 criteria: two of three, each "explained otherwise" leaving its criterion open.
    ("ppf_2022", {**PPF, **SYMPTOMS, **CT}, P, ()),
    ("ppf_2022", {**PPF, **SYMPTOMS, **fvc(75, 70)}, P, ()),
    (
        "ppf_2022",
        {
            **PPF,
            **SYMPTOMS,
            **fvc(75, 70.1),
            **NONE_FOUND,
            **dlco(60, 60),
            "ct_progression_past_year": "no",
        },
        A,
        (),
    ),
    ("ppf_2022", {**PPF, **CT, **NONE_FOUND, **dlco(64.3, 54.3)}, P, ()),
    (
        "ppf_2022",
        {
            **PPF,
            **CT,
            **fvc(75, 74),
            **NONE_FOUND,
            **dlco(60, 55),
            "symptoms_worse_past_year": "no",
        },
        A,
        (),
    ),
    (
        "ppf_2022",
        {
            **PPF,
            **SYMPTOMS,
            "ct_progression_past_year": "explained_otherwise",
            **fvc(70, 70),
            **NONE_FOUND,
            **dlco(60, 60),
        },
        N,
        ("ct_progression_past_year",),
    ),
    # Weak breathing muscles explain only the FVC fall: CT and symptoms still meet it (finding 2).
    (
        "ppf_2022",
        {
            **ILD,
            "fibrosis_on_ct": "present",
            "respiratory_muscle_weakness": "present",
            **SYMPTOMS,
            **CT,
            **fvc(80, 65),
        },
        P,
        (),
    ),
    ("ppf_2022", {**ILD, **SYMPTOMS, **CT, "fibrosis_on_ct": "absent"}, DNA, ()),
    ("ppf_2022", {"ild": "absent"}, DNA, ()),
    ("pulmonary_hypertension", {"pulmonary_hypertension": "confirmed"}, P, ()),
    ("pulmonary_hypertension", {"pulmonary_hypertension": "not_found"}, A, ()),
    (
        "pulmonary_hypertension",
        {"pulmonary_hypertension": "suspected"},
        N,
        ("pulmonary_hypertension",),
    ),
    ("pulmonary_hypertension", {}, N, ("pulmonary_hypertension",)),
    ("respiratory_failure", {**ILD, "respiratory_failure": "present"}, P, ()),
    ("respiratory_failure", {**ILD, "respiratory_failure": "absent"}, A, ()),
    (
        "respiratory_failure",
        {**ILD, "respiratory_failure": "muscular_or_mixed"},
        N,
        ("respiratory_failure",),
    ),
    ("respiratory_failure", {"ild": "absent"}, DNA, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 6.5}, P, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 6}, A, ()),
    ("diagnostic_delay", {"diagnostic_delay_months": 5.9}, A, ()),
    ("diagnostic_delay", {}, N, ("diagnostic_delay_months",)),
    ("malignancy", {"malignancy": "within_3_years"}, P, ()),
    ("malignancy", {"malignancy": "outside_window_inactive"}, A, ()),
    ("malignancy", {"malignancy": "outside_window_active"}, N, ("malignancy",)),
    ("malignancy", {"malignancy": "none_found"}, A, ()),
    ("malignancy", {"malignancy": "not_known"}, N, ("malignancy",)),
    *(("jo1_negative", {"anti_jo1": "negative", "other_ars_antibody": a}, P, ()) for a in ARS),
    ("jo1_negative", {"anti_jo1": "negative", "other_ars_antibody": "none_detected"}, A, ()),
    ("jo1_negative", {"anti_jo1": "positive"}, A, ()),
    ("jo1_negative", {"anti_jo1": "negative"}, N, ("other_ars_antibody",)),
    ("anti_mda5", {"anti_mda5": "positive"}, P, ()),
    ("anti_mda5", {"anti_mda5": "negative"}, A, ()),
    ("anti_mda5", {}, N, ("anti_mda5",)),
    ("anti_ro52", {"anti_ro52": "positive"}, P, ()),
    ("anti_ro52", {"anti_ro52": "negative"}, A, ()),
    ("anti_ro52", {}, N, ("anti_ro52",)),
    ("raised_crp", {**ILD, "crp_mg_per_l": 10}, P, ()),
    ("raised_crp", {**ILD, "crp_mg_per_l": 9.9}, A, ()),
    ("raised_crp", {**ILD, "crp_mg_per_l": 10.1}, P, ()),
    ("raised_crp", {"ild": "absent", "crp_mg_per_l": 80}, DNA, ()),
    ("raised_crp", {"crp_mg_per_l": 80}, N, ("ild",)),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 1000}, P, ()),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 999}, A, ()),
    ("high_kl6", {**ILD, "kl6_u_per_ml": 1001}, P, ()),
    ("high_kl6", {"ild": "absent", "kl6_u_per_ml": 3000}, DNA, ()),
    ("high_kl6", {**ILD}, N, ("kl6_u_per_ml",)),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 800}, P, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 799.9}, A, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive", "ferritin_ng_per_ml": 800.1}, P, ()),
    # Ferritin not known in a patient without anti-MDA5: "does not apply", never "absent".
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "negative"}, DNA, ()),
    ("high_ferritin_mda5", {**ILD, "anti_mda5": "positive"}, N, ("ferritin_ng_per_ml",)),
    ("muscle_only", {"anti_mda5": "negative", "myositis": "present", "ild": "absent"}, P, ()),
    ("muscle_only", {"anti_mda5": "negative", "myositis": "present", "ild": "present"}, A, ()),
    ("muscle_only", {"anti_mda5": "positive", "myositis": "present", "ild": "absent"}, DNA, ()),
    ("muscle_only", {"myositis": "present", "ild": "absent"}, N, ("anti_mda5",)),
    (
        "muscle_only",
        {
            "anti_mda5": "negative",
            "myositis": "present",
            "ild": "absent",
            "respiratory_muscle_weakness": "present",
        },
        "set aside by breathing_muscle_weakness",
        (),
    ),
    # Cautions
    ("mda5_phenotype", {"anti_mda5": "positive"}, P, ()),
    ("mda5_phenotype", {"anti_mda5": "negative"}, A, ()),
    ("mda5_phenotype", {}, N, ("anti_mda5",)),
    ("no_ars_antibody", {"anti_jo1": "negative", "other_ars_antibody": "none_detected"}, P, ()),
    ("no_ars_antibody", {"anti_jo1": "positive"}, A, ()),
    ("no_ars_antibody", {"anti_jo1": "negative"}, N, ("other_ars_antibody",)),
    ("double_positive", {"anti_mda5": "positive", "anti_jo1": "positive"}, P, ()),
    ("double_positive", {"anti_mda5": "positive", "other_ars_antibody": "ej"}, P, ()),
    ("double_positive", {"anti_jo1": "positive", "other_ars_antibody": "pl12"}, P, ()),
    (
        "double_positive",
        {"anti_mda5": "negative", "anti_jo1": "positive", "other_ars_antibody": "none_detected"},
        A,
        (),
    ),
    ("double_positive", {"anti_mda5": "positive"}, N, ("anti_jo1", "other_ars_antibody")),
    ("course_conflict", {**STABLE, **CT}, P, ()),
    ("course_conflict", {**STABLE, "ct_progression_past_year": "explained_otherwise"}, P, ()),
    ("course_conflict", {**STABLE, **fvc(75, 70)}, P, ()),
    ("course_conflict", {**STABLE, **dlco(60, 50)}, P, ()),
    (
        "course_conflict",
        {
            **STABLE,
            **fvc(75, 70.1),
            **dlco(60, 50.1),
            "ct_progression_past_year": "no",
            "symptoms_worse_past_year": "no",
        },
        A,
        (),
    ),
    ("course_conflict", {**ILD, "ild_course": "progressive", **CT}, A, ()),
    ("course_conflict", {**ILD, **CT}, N, ("ild_course",)),
    ("breathing_muscle_weakness", {"respiratory_muscle_weakness": "present"}, P, ()),
    ("breathing_muscle_weakness", {"respiratory_muscle_weakness": "absent"}, A, ()),
    ("breathing_muscle_weakness", {}, N, ("respiratory_muscle_weakness",)),
    ("cancer_outside_window", {"malignancy": "outside_window_active"}, P, ()),
    ("cancer_outside_window", {"malignancy": "outside_window_inactive"}, P, ()),
    ("cancer_outside_window", {"malignancy": "within_3_years"}, A, ()),
    ("cancer_outside_window", {}, N, ("malignancy",)),
    ("juvenile_onset", {"age_at_onset": 17}, P, ()),
    ("juvenile_onset", {"age_at_onset": 18}, A, ()),
    ("juvenile_onset", {"age_at_onset": 19}, A, ()),
    ("juvenile_onset", {}, N, ("age_at_onset",)),
]


@pytest.mark.parametrize(("rule_id", "inputs", "expected", "needs"), CASES)
def test_rule(rule_id, inputs, expected, needs):
    assert outcome(inputs, rule_id) == (expected, needs)


def test_every_rule_is_tested_present_absent_and_not_assessed():
    seen = {(rule_id, expected) for rule_id, _, expected, _ in CASES}
    for rule in RULES.rules:
        assert {(rule.id, s) for s in (P, A, N)} <= seen, rule.id
        if rule.applies_when is not None:
            assert (rule.id, DNA) in seen, f"{rule.id}: 'does not apply' is not tested"
        for caution in rule.set_aside_by:
            assert (rule.id, f"set aside by {caution}") in seen, (rule.id, caution)


def _thresholds() -> list[tuple[str, str, float]]:
    """Every (rule, quantity, value) a rule compares a number with, read from rules.yaml."""
    return [
        (rule.id, node.field, value)
        for rule in RULES.rules
        for node in comparisons(rule.condition)
        if node.spec.is_number
        for value in node.values()
    ]


def test_every_threshold_is_tested_at_below_and_above():
    """A new threshold in rules.yaml needs cases at, below and above it, for a rule using it."""
    tested: dict[tuple[str, float], set[str]] = {}
    for rule_id, inputs, _, _ in CASES:
        known = quantities(Inputs(**inputs))
        for rule, field, limit in _thresholds():
            value = known.get(field)
            if rule == rule_id and value is not None and not isinstance(value, str):
                where = "at" if value == limit else "below" if value < limit else "above"
                tested.setdefault((field, limit), set()).add(where)
    for _, field, limit in _thresholds():
        assert tested.get((field, limit), set()) >= {"at", "below", "above"}, (field, limit)


def test_declines_are_exact_to_the_decimals_entered():
    """32.3 - 27.3 and 20.4 - 10.4 fall short in binary floating point; not here."""
    assert 32.3 - 27.3 < 5 and 20.4 - 10.4 < 10
    model = Inputs(ild="present", **fvc(32.3, 27.3), **dlco(20.4, 10.4))
    derived = derived_values(model)
    assert (derived["fvc_decline_past_year"], derived["dlco_decline_past_year"]) == (5.0, 10.0)


# ---------------------------------------------------------------- derived: reflects the lung


@pytest.mark.parametrize(
    ("myositis", "weakness"), list(itertools.product(("present", "absent", "unknown"), repeat=2))
)
def test_fvc_reflects_the_lung_is_yes_or_not_known_never_no(myositis, weakness):
    derived = derived_values(Inputs(myositis=myositis, respiratory_muscle_weakness=weakness))
    expected = weakness == "absent" or (weakness == "unknown" and myositis == "absent")
    assert derived["fvc_reflects_lung"] is (True if expected else None)


@pytest.mark.parametrize("ph", ["confirmed", "suspected", "not_found", "not_assessed"])
def test_dlco_reflects_the_lung_unless_pulmonary_hypertension_is_confirmed_or_suspected(ph):
    derived = derived_values(Inputs(pulmonary_hypertension=ph))
    assert derived["dlco_reflects_lung"] is (None if ph in ("confirmed", "suspected") else True)


def test_no_derived_quantity_reads_a_plain_not_known_answer_as_no():
    for name, spec in DERIVED.items():
        if not spec.is_number:
            assert set(spec.values) == {"yes", "unknown"}, name


# --------------------------------------------------------------- the rule language, in small


def small_rules(**factor) -> RuleSet:
    """A rules file of one caution (anti-MDA5 positive) and one factor, for truth tables."""
    return RuleSet.model_validate(
        {
            "version": "t",
            "reviewed": "2026-12-04",
            "rules": [
                {
                    "id": "c",
                    "title": "C",
                    "effect": "caution",
                    "explanation": "x",
                    "references": [{"citation": "x"}],
                    "when": {"field": "anti_mda5", "eq": "positive"},
                },
                {
                    "id": "f",
                    "title": "F",
                    "evidence": "limited",
                    "studied_in": "x",
                    "explanation": "x",
                    "references": [{"citation": "x"}],
                    **factor,
                },
            ],
        }
    )


TRUTH_ANSWER = {True: "positive", False: "negative", None: "not_tested"}
JO1 = {"field": "anti_jo1", "eq": "positive"}
RO52 = {"field": "anti_ro52", "eq": "positive"}


@pytest.mark.parametrize(("scope", "when"), list(itertools.product((True, False, None), repeat=2)))
def test_applies_when_is_the_status_of_all_of_scope_and_condition(scope, when):
    rules = small_rules(effect="adverse", applies_when=JO1, when=RO52)
    found = assess(rules, Inputs(anti_jo1=TRUTH_ANSWER[scope], anti_ro52=TRUTH_ANSWER[when]))
    finding = found.findings[0]
    both = False if False in (scope, when) else None if None in (scope, when) else True
    assert (
        finding.status
        is {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}[both]
    )
    assert finding.applies is scope
    if scope is False:
        assert reason(finding).startswith("Does not apply (anti-Jo-1 negative")


@pytest.mark.parametrize("effect", ["adverse", "favourable"])
@pytest.mark.parametrize(
    ("when", "caution"), list(itertools.product((True, False, None), repeat=2))
)
def test_set_aside_removes_only_reassurance(effect, when, caution):
    rules = small_rules(effect=effect, when=RO52, set_aside_by=["c"])
    finding = assess(
        rules, Inputs(anti_ro52=TRUTH_ANSWER[when], anti_mda5=TRUTH_ANSWER[caution])
    ).findings[0]
    status = {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}[when]
    reassuring = (effect, when) in (("favourable", True), ("adverse", False))
    if reassuring and caution is True:
        assert (finding.status, finding.set_aside_by, finding.missing_inputs) == (
            Status.NOT_ASSESSED,
            "c",
            (),
        )
        assert reason(finding) == "Set aside: C"
    else:
        assert (finding.status, finding.set_aside_by) == (status, None)


def test_set_aside_never_touches_a_factor_that_does_not_apply():
    rules = small_rules(effect="adverse", applies_when=JO1, when=RO52, set_aside_by=["c"])
    finding = assess(rules, Inputs(anti_jo1="negative", anti_mda5="positive")).findings[0]
    assert (finding.status, finding.applies, finding.set_aside_by) == (Status.ABSENT, False, None)


def test_set_aside_must_name_a_caution_of_the_file():
    with pytest.raises(ValueError, match="not a caution of this file"):
        small_rules(effect="adverse", when=RO52, set_aside_by=["nothing"])


def test_a_caution_takes_no_scope_and_sets_nothing_aside():
    with pytest.raises(ValueError, match="takes no 'applies_when'"):
        RuleSet.model_validate(
            {
                "version": "t",
                "reviewed": "2026-12-04",
                "rules": [
                    {
                        "id": "c",
                        "title": "C",
                        "effect": "caution",
                        "explanation": "x",
                        "references": [{"citation": "x"}],
                        "when": JO1,
                        "applies_when": RO52,
                    },
                ],
            }
        )


def test_an_uncertain_answer_is_unknown_unless_the_comparison_names_it():
    named = {"field": "ct_progression_past_year", "in": ["yes", "explained_otherwise"]}
    rules = small_rules(effect="adverse", when={"any": [named]})
    finding = assess(rules, Inputs(ild="present", ct_progression_past_year="explained_otherwise"))
    assert finding.findings[0].status is Status.PRESENT
    rules = small_rules(effect="adverse", when={"field": "ct_progression_past_year", "eq": "yes"})
    finding = assess(rules, Inputs(ild="present", ct_progression_past_year="explained_otherwise"))
    assert finding.findings[0].status is Status.NOT_ASSESSED
    assert "not known for this rule" in reason(finding.findings[0])


def test_every_field_has_exactly_one_plain_not_known_answer():
    for name, spec in FIELDS.items():
        if spec.choices is not None:
            assert sum(1 for m in spec.choices if m.not_known) == 1, name
