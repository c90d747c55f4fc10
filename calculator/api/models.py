"""The API's answers as pydantic models: one contract for the JSON, OpenAPI and the tests.

An assessment carries statuses, reasons and workings; every text that never
changes for a rule lives in the catalogue, fetched once per rules version.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from ..core.engine import Assessment, Finding, Status
from ..core.inputs import FIELDS, QUANTITIES
from ..core.rules import Effect, Evidence, Reference, Rule, RuleSet
from ..core.words import DISCLAIMER, reason

InputName = StrEnum("InputName", {name: name for name in FIELDS})
QuantityName = StrEnum("QuantityName", {name: name for name in QUANTITIES})
CATALOGUE = "/api/v3/rules"


class SummaryOut(BaseModel):
    """Factors present by effect, not assessed, and set aside: never a score."""

    adverse_present: int = Field(ge=0)
    favourable_present: int = Field(ge=0)
    not_assessed: int = Field(ge=0, description="Set-aside factors included.")
    set_aside: int = Field(ge=0)


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
    reason: str
    working: list[StepOut]


class FactorOut(BaseModel):
    """One factor's status for the answers given, and why; its texts are in the catalogue."""

    id: str
    title: str
    effect: Effect
    evidence: Evidence
    status: Status
    applies: bool | None = Field(
        description="Whether the factor's scope holds: false 'does not apply', null not known."
    )
    reason: str = Field(description="The one line the result page shows.")
    set_aside_by: str | None = Field(
        description="The caution that set aside this factor's reassurance, if one did."
    )
    missing_inputs: list[InputName] = Field(
        description="The inputs whose absence left the factor not assessed."
    )
    working: list[StepOut] = Field(description="The comparisons that decided the status.")


class DerivedOut(BaseModel):
    """What the answers imply: declines in points of predicted; reflects-lung true or null."""

    fvc_decline_past_year: float | None
    dlco_decline_past_year: float | None
    fvc_reflects_lung: bool | None = Field(description="True, or null when not known; never false.")
    dlco_reflects_lung: bool | None = Field(
        description="True, or null when not known; never false."
    )


class AssessmentOut(BaseModel):
    """The API's answer for one set of answers; the disclaimer is always there."""

    rules_version: str
    reviewed: str = Field(description="The date the rules were last reviewed.")
    disclaimer: str
    catalogue: str = Field(description="Where the rules' texts are: fetch once per version.")
    summary: SummaryOut
    cautions: list[CautionOut]
    derived: DerivedOut
    factors: list[FactorOut]


class Condition(BaseModel):
    """A condition in words: a line, and the parts under it."""

    text: str
    children: list[Condition]


class RuleOut(BaseModel):
    """Everything that never changes for a factor or a caution."""

    id: str
    title: str
    effect: Effect
    evidence: Evidence | None
    studied_in: str | None
    applies_when: Condition | None = Field(description="The patients the factor is defined for.")
    condition: Condition = Field(description="When it is present, in words.")
    set_aside_by: list[str]
    explanation: str
    caveat: str | None
    references: list[Reference]
    source: str | None


class CatalogueOut(BaseModel):
    """Every factor and caution with its texts, evidence and references, for one rules version."""

    rules_version: str
    reviewed: str
    disclaimer: str
    factors: list[RuleOut]
    cautions: list[RuleOut]


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
        catalogue=CATALOGUE,
        summary=SummaryOut(**assessment.summary),
        cautions=[
            CautionOut(id=f.rule.id, title=f.rule.title, reason=reason(f), working=_working(f))
            for f in assessment.cautions
        ],
        derived=DerivedOut(**assessment.derived),
        factors=[
            FactorOut(
                id=f.rule.id,
                title=f.rule.title,
                effect=f.rule.effect,
                evidence=f.rule.evidence,
                status=f.status,
                applies=f.applies,
                reason=reason(f),
                set_aside_by=f.set_aside_by,
                missing_inputs=list(f.missing_inputs),
                working=_working(f),
            )
            for f in assessment.findings
        ],
    )


def _rule_out(rule: Rule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        title=rule.title,
        effect=rule.effect,
        evidence=rule.evidence,
        studied_in=rule.studied_in,
        applies_when=rule.applies_when.describe() if rule.applies_when else None,
        condition=rule.when.describe(),
        set_aside_by=rule.set_aside_by,
        explanation=rule.explanation,
        caveat=rule.caveat,
        references=rule.references,
        source=rule.source.value if rule.source else None,
    )


def catalogue_out(rules: RuleSet) -> CatalogueOut:
    """Return the rule catalogue: every text of every rule, for one rules version."""
    return CatalogueOut(
        rules_version=rules.version,
        reviewed=rules.reviewed.isoformat(),
        disclaimer=DISCLAIMER,
        factors=[_rule_out(rule) for rule in rules.factors],
        cautions=[_rule_out(rule) for rule in rules.cautions],
    )

