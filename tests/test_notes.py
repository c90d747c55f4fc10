"""The text for the notes: what it says for a result, a what-if and a teaching case.

Pasted into a patient's record, the text must stand alone: which factors, why, the
evidence in words that cannot be mistaken for a finding, every caution with what it
means, and whether the result is the patient's own, a what-if or an invented case.
"""

from __future__ import annotations

import html
import re

from calculator.core.engine import Status, assess
from calculator.core.inputs import Inputs
from calculator.core.rules import load_rules
from calculator.core.whatif import what_ifs
from calculator.core.words import DISCLAIMER, reason

from .helpers import RULES_PATH
from .test_teaching import BOOK

RULES = load_rules(RULES_PATH)
# Factors present, and a caution: anti-Jo-1 and any other antisynthetase antibody negative.
ANSWERS = {
    "age_at_onset": 64,
    "anti_jo1": "negative",
    "other_ars_antibody": "none_detected",
    "ild": "present",
    "hrct_extent": "extensive",
}
TYPICAL = {name: str(value) for name, value in ANSWERS.items()}  # as the form posts them


def notes_of(page: str) -> str:
    found = re.search(r'<textarea id="notes-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the result page has its text for the notes"
    return html.unescape(found.group(1))


def test_the_text_names_each_factor_present_with_its_evidence_in_words(client):
    notes = notes_of(client.post("/", data=TYPICAL).get_data(as_text=True))
    assessment = assess(RULES, Inputs(**ANSWERS))
    assert assessment.where(Status.PRESENT), "the example should have factors present"
    for finding in assessment.where(Status.PRESENT):
        assert f"- {finding.rule.title} (evidence: {finding.rule.evidence}): " in notes
    assert "WHAT IF" not in notes and "TEACHING CASE" not in notes
    assert notes.rstrip().endswith(DISCLAIMER)


def test_a_caution_in_the_text_says_what_it_means(client):
    notes = notes_of(client.post("/", data=TYPICAL).get_data(as_text=True))
    assessment = assess(RULES, Inputs(**ANSWERS))
    assert assessment.cautions, "anti-Jo-1 and every other antibody negative give a caution"
    for finding in assessment.cautions:
        assert f"CAUTION: {finding.rule.title}." in notes
        assert finding.rule.explanation in notes


def test_a_what_if_text_says_first_that_it_is_not_the_result_for_the_answers(client):
    assessment = assess(RULES, Inputs(**ANSWERS))
    offer = next(o for offers in what_ifs(assessment).values() for o in offers)
    page = client.post("/", data={**TYPICAL, "what_if": offer.token}).get_data(as_text=True)
    notes = notes_of(page)
    first_lines = notes.split("\n\n")[0]
    assert "WHAT IF, NOT THE RESULT FOR THE ANSWERS GIVEN" in first_lines
    assert "every other answer as given" in first_lines


def test_a_teaching_case_text_says_the_patient_is_invented(client):
    case = BOOK.cases[0]
    notes = notes_of(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert f"TEACHING CASE, INVENTED: NOT A REAL PATIENT. {case.title}." in notes.split("\n\n")[0]


def test_a_reason_says_a_closed_gate_but_not_an_open_one():
    without_ild = assess(
        RULES, Inputs(myositis="present", ild="absent", anti_mda5="negative", crp_mg_per_l=14)
    )
    with_ild = assess(RULES, Inputs(myositis="present", ild="present", crp_mg_per_l=14))
    said = {
        (label, f.rule.id): reason(f)
        for label, a in (("without", without_ild), ("with", with_ild))
        for f in a.findings
    }
    # Muscle involvement only is myositis *and* no ILD: both are the reason.
    assert said["without", "muscle_only"] == "Muscle involvement: Present; ILD: Absent"
    # Raised CRP counts only with ILD: ILD present goes without saying, absent is the reason.
    assert said["with", "raised_crp"] == "CRP: 14 mg/L (at least 10)"
    assert said["without", "raised_crp"] == "Does not apply (no ILD)"
