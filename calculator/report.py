"""What an assessment says: the same words for the result page, print and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine import Assessment, Finding, Status
from .inputs import FIELDS
from .rules import Effect

DISCLAIMER = (
    "Not medical advice. This calculator lists documented prognostic factors of "
    "antisynthetase syndrome for education and to support clinical review. It gives "
    "no diagnosis, no treatment advice and no probability of any outcome, and it does "
    "not replace the judgement of a clinician who knows the patient."
)


@dataclass(frozen=True)
class Section:
    """A group of findings on the result page."""

    key: str
    heading: str
    intro: str
    findings: list[Finding]


def sections(assessment: Assessment) -> list[Section]:
    """Group the findings in the order of the result page."""
    return [
        Section(
            "adverse",
            "Adverse factors present",
            "Documented factors linked to a worse prognosis that these answers show.",
            assessment.where(Status.PRESENT, Effect.ADVERSE),
        ),
        Section(
            "favourable",
            "Favourable factors present",
            "Documented factors linked to a better prognosis that these answers show.",
            assessment.where(Status.PRESENT, Effect.FAVOURABLE),
        ),
        Section(
            "not_assessed",
            "Not assessed",
            "These factors could not be decided because an answer they need is not known.",
            assessment.where(Status.NOT_ASSESSED),
        ),
        Section(
            "absent",
            "Factors absent",
            "These answers show that these factors are not present.",
            assessment.where(Status.ABSENT),
        ),
    ]


def summary_line(assessment: Assessment) -> str:
    """Say the counts in one line: "2 adverse factors present, 0 favourable, 3 not assessed"."""
    counts = assessment.summary
    adverse = counts["adverse_present"]
    return (
        f"{adverse} adverse factor{'' if adverse == 1 else 's'} present, "
        f"{counts['favourable_present']} favourable, "
        f"{counts['not_assessed']} not assessed"
    )


def answers(assessment: Assessment) -> list[tuple[str, str]]:
    """Return every input as (label, answer in words), "Not known" included."""
    inputs = assessment.inputs
    return [(spec.label, spec.describe(getattr(inputs, name))) for name, spec in FIELDS.items()]


def known_answers(assessment: Assessment) -> dict[str, str]:
    """Return the known answers as form values, to fill the form again."""
    inputs = assessment.inputs
    found = {}
    for name, spec in FIELDS.items():
        value = getattr(inputs, name)
        if spec.is_known(value):
            found[name] = f"{value:g}" if spec.is_number else value.value
    return found


def as_json(assessment: Assessment) -> dict[str, Any]:
    """Return the API's answer: the contract of design.md."""
    return {
        "rules_version": assessment.rules.version,
        "disclaimer": DISCLAIMER,
        "summary": assessment.summary,
        "factors": [
            {
                "id": f.rule.id,
                "title": f.rule.title,
                "effect": f.rule.effect.value,
                "evidence": f.rule.evidence.value,
                "status": f.status.value,
                "explanation": f.rule.explanation,
                "missing_inputs": list(f.missing_inputs),
                "references": [ref.model_dump(exclude_none=True) for ref in f.rule.references],
            }
            for f in assessment.findings
        ],
    }
