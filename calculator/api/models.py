"""The API's answer as pydantic models: one contract for the JSON, OpenAPI and the tests."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from ..core.engine import Assessment, Finding, Status
from ..core.inputs import FIELDS, QUANTITIES
from ..core.rules import Effect, Evidence, Reference
from ..core.words import DISCLAIMER

InputName = StrEnum("InputName", {name: name for name in FIELDS})
QuantityName = StrEnum("QuantityName", {name: name for name in QUANTITIES})


class SummaryOut(BaseModel):
    """How many factors are present, by effect, and how many are not assessed: not a score."""

    adverse_present: int = Field(ge=0)
    favourable_present: int = Field(ge=0)
    not_assessed: int = Field(ge=0)


class StepOut(BaseModel):
    """One comparison that decided a status."""

    field: QuantityName
    answer: str | int | float | None = Field(description="The answer given; null when not known.")
    test: str = Field(description='The test in words: "is Present", "below 70".')
    met: bool | None = Field(description="Whether the test was met; null when not known.")


class CautionOut(BaseModel):
    """A caution that is present: when the factors may not apply. Never counted."""

    id: str
    title: str
    explanation: str
    working: list[StepOut]
    references: list[Reference]


class FactorOut(BaseModel):
    """One factor's status for the answers given, and why."""

    id: str
    title: str
    effect: Effect
    evidence: Evidence
    studied_in: str
    status: Status
    explanation: str
    caveat: str | None = None
    missing_inputs: list[InputName] = Field(
        description="The inputs whose absence left the factor not assessed."
    )
    working: list[StepOut] = Field(description="The comparisons that decided the status.")
    references: list[Reference]


class DerivedOut(BaseModel):
    """The quantities computed from the answers, in percentage points of predicted."""

    fvc_decline_past_year: float | None
    dlco_decline_past_year: float | None


class AssessmentOut(BaseModel):
    """The API's answer for one set of answers; the disclaimer is always there."""

    rules_version: str
    reviewed: str = Field(description="The date the rules were last reviewed.")
    disclaimer: str
    summary: SummaryOut
    cautions: list[CautionOut]
    derived: DerivedOut
    factors: list[FactorOut]


def _working(finding: Finding) -> list[StepOut]:
    return [
        StepOut(field=s.field, answer=s.answer_json, test=s.test, met=s.met)
        for s in finding.working
    ]


def assessment_out(assessment: Assessment) -> AssessmentOut:
    """Return the API's answer for one assessment."""
    rules = assessment.rules
    return AssessmentOut(
        rules_version=rules.version,
        reviewed=rules.reviewed.isoformat(),
        disclaimer=DISCLAIMER,
        summary=SummaryOut(**assessment.summary),
        cautions=[
            CautionOut(
                id=f.rule.id,
                title=f.rule.title,
                explanation=f.rule.explanation,
                working=_working(f),
                references=f.rule.references,
            )
            for f in assessment.cautions
        ],
        derived=DerivedOut(**assessment.derived),
        factors=[
            FactorOut(
                id=f.rule.id,
                title=f.rule.title,
                effect=f.rule.effect,
                evidence=f.rule.evidence,
                studied_in=f.rule.studied_in,
                status=f.status,
                explanation=f.rule.explanation,
                caveat=f.rule.caveat,
                missing_inputs=list(f.missing_inputs),
                working=_working(f),
                references=f.rule.references,
            )
            for f in assessment.findings
        ],
    )
