"""What an assessment says: the same words for the result page, print and the API."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from .engine import Assessment, Finding, Status
from .inputs import FIELDS, format_number
from .rules import Effect, Evidence, Reference

InputName = StrEnum("InputName", {name: name for name in FIELDS})

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


def answers(assessment: Assessment) -> list[tuple[str, str, str]]:
    """Return every input as (name, label, answer in words), "Not known" included."""
    inputs = assessment.inputs
    return [
        (name, spec.label, spec.describe(getattr(inputs, name))) for name, spec in FIELDS.items()
    ]


def known_answers(assessment: Assessment) -> dict[str, str]:
    """Return the known answers as form values, to fill the form again."""
    inputs = assessment.inputs
    found = {}
    for name, spec in FIELDS.items():
        value = getattr(inputs, name)
        if spec.is_known(value):
            found[name] = format_number(value) if spec.is_number else value.value
    return found


@dataclass(frozen=True)
class Comparison:
    """Two assessments side by side: each answer and each factor, with what differs."""

    a: Assessment
    b: Assessment

    @property
    def answers(self) -> list[tuple[str, str, str, bool]]:
        """Return (label, answer A, answer B, whether they differ) for every input."""
        rows = []
        for (_, label, first), (_, _, second) in zip(answers(self.a), answers(self.b), strict=True):
            rows.append((label, first, second, first != second))
        return rows

    @property
    def factors(self) -> list[tuple[Finding, Finding, bool]]:
        """Return (finding A, finding B, whether the status differs) for every factor."""
        return [
            (first, second, first.status is not second.status)
            for first, second in zip(self.a.findings, self.b.findings, strict=True)
        ]


class SummaryOut(BaseModel):
    """How many factors are present, by effect, and how many are not assessed."""

    adverse_present: int = Field(ge=0)
    favourable_present: int = Field(ge=0)
    not_assessed: int = Field(ge=0)


class FactorOut(BaseModel):
    """One factor's status for the answers given."""

    id: str
    title: str
    effect: Effect
    evidence: Evidence
    status: Status
    explanation: str
    missing_inputs: list[InputName] = Field(
        description="The inputs whose absence left the factor not assessed."
    )
    references: list[Reference]


class AssessmentOut(BaseModel):
    """The API's answer for one set of answers; the disclaimer is always there."""

    rules_version: str
    disclaimer: str
    summary: SummaryOut
    factors: list[FactorOut]


def as_json(assessment: Assessment) -> dict[str, Any]:
    """Return the API's answer: the contract of design.md."""
    answer = AssessmentOut(
        rules_version=assessment.rules.version,
        disclaimer=DISCLAIMER,
        summary=SummaryOut(**assessment.summary),
        factors=[
            FactorOut(
                id=f.rule.id,
                title=f.rule.title,
                effect=f.rule.effect,
                evidence=f.rule.evidence,
                status=f.status,
                explanation=f.rule.explanation,
                missing_inputs=list(f.missing_inputs),
                references=list(f.rule.references),
            )
            for f in assessment.findings
        ],
    )
    return answer.model_dump(mode="json", exclude_none=True)
