"""The specialist audit of rules v2026.11.3, finding by finding, as patients a clinician would know.

Each test is the guard of a hazard in docs/hazard-log.md: the calculator must never reassure
where the answers show worsening or severe disease. Asked through the API, as a record would.
"""

from __future__ import annotations

import pytest

API = "/api/v3/assess"


def answer(client, **answers) -> dict:
    response = client.post(API, json=answers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def factor(body: dict, rule_id: str) -> dict:
    return next(f for f in body["factors"] if f["id"] == rule_id)


def cautions(body: dict) -> set[str]:
    return {c["id"] for c in body["cautions"]}


def reassuring(body: dict) -> list[str]:
    """Name what reads as reassurance: favourable factors present."""
    return [
        f["id"] for f in body["factors"] if f["effect"] == "favourable" and f["status"] == "present"
    ]


def test_finding_1_stable_course_with_fvc_fall_and_ct_progression_does_not_reassure(client):
    """'Stable', FVC down 15 points, CT progressed, symptoms worse, no fibrosis on CT (H1)."""
    body = answer(
        client,
        ild="present",
        ild_course="non_progressive",
        fibrosis_on_ct="absent",
        symptoms_worse_past_year="yes",
        ct_progression_past_year="yes",
        fvc_percent_predicted_year_before=80,
        fvc_percent_predicted=65,
    )
    assert "course_conflict" in cautions(body)
    stable = factor(body, "non_progressive_ild")
    assert (stable["status"], stable["set_aside_by"]) == ("not_assessed", "course_conflict")
    assert stable["reason"].startswith("Set aside")
    assert factor(body, "worsening_past_year")["status"] == "present"
    assert reassuring(body) == []
    assert body["summary"]["adverse_present"] >= 1 and body["summary"]["set_aside"] >= 1


def test_finding_2_muscle_weakness_explaining_only_the_fvc_fall_leaves_ppf_present(client):
    """Weak breathing muscles explain the FVC fall; CT progression and symptoms remain (H2)."""
    body = answer(
        client,
        myositis="present",
        respiratory_muscle_weakness="present",
        ild="present",
        fibrosis_on_ct="present",
        symptoms_worse_past_year="yes",
        ct_progression_past_year="yes",
        fvc_percent_predicted_year_before=78,
        fvc_percent_predicted=62,
    )
    assert factor(body, "ppf_2022")["status"] == "present"
    assert "breathing_muscle_weakness" in cautions(body)
    assert body["derived"]["fvc_reflects_lung"] is None


def test_finding_3_weak_breathing_muscles_keep_an_fvc_of_60_from_staging_the_ct(client):
    """Indeterminate CT, FVC 60 %, weak breathing muscles: extent not assessed (H3)."""
    body = answer(
        client,
        myositis="present",
        respiratory_muscle_weakness="present",
        ild="present",
        hrct_extent="indeterminate",
        fvc_percent_predicted=60,
    )
    extensive = factor(body, "extensive_ild")
    assert extensive["status"] == "not_assessed"
    assert "respiratory_muscle_weakness" in extensive["missing_inputs"]


def test_finding_4_severe_lung_function_with_a_limited_ct_is_an_adverse_factor(client):
    """FVC 55 %, DLCO 28 %, limited CT: severe lung function present (H4)."""
    body = answer(
        client,
        ild="present",
        hrct_extent="limited",
        fvc_percent_predicted=55,
        dlco_percent_predicted=28,
    )
    severe = factor(body, "severe_lung_function")
    assert severe["status"] == "present"
    assert "28" in severe["reason"]
    assert factor(body, "extensive_ild")["status"] == "absent"


def test_finding_4_catheter_confirmed_pulmonary_hypertension_is_an_adverse_factor(client):
    body = answer(client, pulmonary_hypertension="confirmed")
    assert factor(body, "pulmonary_hypertension")["status"] == "present"
    suspected = answer(client, pulmonary_hypertension="suspected")
    assert factor(suspected, "pulmonary_hypertension")["status"] == "not_assessed"


@pytest.mark.parametrize("when", ["outside_window_active", "outside_window_inactive"])
def test_finding_5_cancer_outside_the_window_is_said_never_silently_absent(client, when):
    """Cancer outside the 3-year window: a caution, and never a plain 'no cancer factor' (H5)."""
    body = answer(client, malignancy=when)
    assert "cancer_outside_window" in cautions(body)
    status = factor(body, "malignancy")["status"]
    assert status == ("not_assessed" if when == "outside_window_active" else "absent")


def test_finding_6_muscle_only_is_not_favourable_in_anti_mda5_disease(client):
    body = answer(client, anti_mda5="positive", myositis="present", ild="absent")
    muscle = factor(body, "muscle_only")
    assert (muscle["status"], muscle["applies"]) == ("absent", False)
    assert muscle["reason"] == "Does not apply (anti-MDA5 positive)"


def test_finding_6_the_favourable_course_is_not_counted_while_the_course_caution_fires(client):
    body = answer(
        client, ild="present", ild_course="non_progressive", symptoms_worse_past_year="yes"
    )
    assert "course_conflict" in cautions(body)
    assert body["summary"]["favourable_present"] == 0


def test_finding_6_no_treatment_advice_and_no_unproven_survival_claim_in_any_text(rules):
    words = (
        "antifibrotic",
        "should be treated",
        "consider treat",
        "may be considered",
        "not linked with survival",
        "recommend",
    )
    for rule in rules.rules:
        text = " ".join(filter(None, (rule.title, rule.explanation, rule.caveat))).lower()
        for phrase in words:
            assert phrase not in text, (rule.id, phrase)


def test_finding_6_the_double_antibody_caution_does_not_rest_on_the_juvenile_cohort(rules):
    double = next(rule for rule in rules.cautions if rule.id == "double_positive")
    assert all(ref.pmid != "28663002" for ref in double.references)
    juvenile = next(rule for rule in rules.cautions if rule.id == "juvenile_onset")
    assert any(ref.pmid == "28663002" for ref in juvenile.references)


def test_finding_6_evidence_words_follow_the_written_policy(rules):
    by_id = {rule.id: rule for rule in rules.factors}
    for rule_id in ("progressive_ild", "non_progressive_ild", "ppf_2022"):
        assert by_id[rule_id].evidence == "limited", rule_id
    assert by_id["respiratory_failure"].evidence == "consistent"


def test_an_unknown_is_never_shown_as_absent(client):
    """Nothing known: nothing present, nothing absent but what does not apply (H7)."""
    body = answer(client)
    for found in body["factors"]:
        assert found["status"] == "not_assessed", found["id"]
    assert body["cautions"] == []


def test_a_factor_outside_its_scope_says_does_not_apply_never_absent(client):
    """ILD absent: the ILD factors do not apply (H8)."""
    body = answer(client, ild="absent")
    for found in body["factors"]:
        if found["applies"] is False:
            assert found["reason"] == "Does not apply (no ILD)", found["id"]
    assert factor(body, "raised_crp")["applies"] is False
    page = client.post("/", data={"ild": "absent", "age_at_onset": "50"}).get_data(as_text=True)
    assert "Does not apply" in page
