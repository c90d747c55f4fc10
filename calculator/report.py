"""What an assessment says: the same words for the result page, print and the API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pydantic import BaseModel, Field

from .engine import Assessment, Finding, Status
from .inputs import FIELDS, format_number
from .rules import Effect, Evidence, Reference, RuleSet

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


_STATUS_WORDS = {
    (Status.PRESENT, Effect.ADVERSE): ("▲", "Present: adverse"),
    (Status.PRESENT, Effect.FAVOURABLE): ("▼", "Present: favourable"),
}


def status_words(finding: Finding) -> tuple[str, str]:
    """Return a finding's status as (symbol, words); the symbol repeats the words visually."""
    if finding.status is Status.ABSENT:
        return "○", "Absent"
    if finding.status is Status.NOT_ASSESSED:
        return "?", "Not assessed"
    return _STATUS_WORDS[finding.status, finding.rule.effect]


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


@cache
def _names_json(names: tuple[str, ...]) -> str:
    """Serialize a tuple of input names (few distinct ones: a factor reads few inputs)."""
    return json.dumps(names)


class JsonWriter:
    """Write the API's answer, an AssessmentOut, as JSON text.

    What never changes for a factor is serialized once, when the rules load;
    each request adds only the status and the missing inputs. The key order is
    that of design.md, and tests check the text against AssessmentOut.
    """

    def __init__(self, rules: RuleSet) -> None:
        version, disclaimer = json.dumps(rules.version), json.dumps(DISCLAIMER)
        self._head = f'{{"rules_version":{version},"disclaimer":{disclaimer}'
        self._factors = {
            rule.id: (
                json.dumps(
                    {
                        "id": rule.id,
                        "title": rule.title,
                        "effect": rule.effect,
                        "evidence": rule.evidence,
                    }
                )[:-1],
                json.dumps(rule.explanation),
                json.dumps([ref.model_dump(exclude_none=True) for ref in rule.references]),
            )
            for rule in rules.rules
        }

    def write(self, assessment: Assessment) -> str:
        """Return the answer for one assessment."""
        factors = ",".join(self._factor(f) for f in assessment.findings)
        return f'{self._head},"summary":{json.dumps(assessment.summary)},"factors":[{factors}]}}'

    def _factor(self, finding: Finding) -> str:
        head, explanation, references = self._factors[finding.rule.id]
        missing = _names_json(finding.missing_inputs)
        return (
            f'{head},"status":"{finding.status.value}","explanation":{explanation},'
            f'"missing_inputs":{missing},"references":{references}}}'
        )
