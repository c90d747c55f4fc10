"""What an assessment says: the same words for the result page, print and the API."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from .conditions import comparisons
from .engine import Assessment, Finding, Status, Step
from .inputs import FIELDS, QUANTITIES, format_number, lower_first
from .rules import Effect, Evidence, Reference, Rule, RuleSet

InputName = StrEnum("InputName", {name: name for name in FIELDS})
QuantityName = StrEnum("QuantityName", {name: name for name in QUANTITIES})

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
    return status_words_of(finding.status, finding.rule.effect)


def status_words_of(status: Status, effect: Effect) -> tuple[str, str]:
    """Return a status of a factor with this effect as (symbol, words)."""
    if status is Status.ABSENT:
        return "○", "Absent"
    if status is Status.NOT_ASSESSED:
        return "?", "Not assessed"
    return _STATUS_WORDS[status, effect]


def step_words(step: Step) -> str:
    """Say one step of the working: "FVC: 65% predicted (below 70)", "Anti-MDA5: not known"."""
    spec = QUANTITIES[step.field]
    label = _short_label(spec.label)
    if step.met is None:
        return f"{label}: not known"
    answer = spec.choices(step.answer).short if spec.choices else spec.with_unit(step.answer)
    test = lower_first(step.test.removeprefix("is "))
    if spec.choices is not None:
        return f"{label}: {answer}" if step.met else f"{label}: {answer} (not {test})"
    return f"{label}: {answer} ({'' if step.met else 'not '}{test})"


def _short_label(label: str) -> str:
    """Shorten a label: "Forced vital capacity (FVC)" is "FVC"; other brackets are dropped."""
    head, _, tail = label.partition(" (")
    inside = tail.rstrip(")")
    return inside if inside.isupper() else head


_GATES = {spec.only_when[0]: spec.only_when[1] for spec in FIELDS.values() if spec.only_when}
"""Answers other questions depend on, and the answer that opens them (ILD: present).

That a gate is open goes without saying beside the answers it opens ("CRP: 14 mg/L"
needs no "ILD: present"); a gate closed, or open where the rule asks for it closed
(muscle involvement only: ILD absent), is part of the reason.
"""


def reason(finding: Finding) -> str:
    """Say why a finding has its status, from its working, in a few words."""
    if finding.status is Status.NOT_ASSESSED:
        names = [_short_label(FIELDS[name].label) for name in finding.missing_inputs]
        return "Not known: " + ", ".join(names)
    steps = [s for s in finding.working if not (s.met and _GATES.get(s.field) == s.answer)]
    return "; ".join(step_words(step) for step in steps or finding.working)


def summary_line(assessment: Assessment) -> str:
    """Say the counts in one line: "2 adverse factors present, 0 favourable, 3 not assessed"."""
    counts = assessment.summary
    adverse = counts["adverse_present"]
    return (
        f"{adverse} adverse factor{'' if adverse == 1 else 's'} present, "
        f"{counts['favourable_present']} favourable, "
        f"{counts['not_assessed']} not assessed"
    )


NOT_APPLICABLE = "Not applicable (no ILD)"


def answers(assessment: Assessment) -> list[tuple[str, str, str]]:
    """Return every input as (name, label, answer in words), "Not known" included.

    A question that applies only when ILD is present reads "Not applicable (no
    ILD)" when ILD is not present, rather than "Not known".
    """
    inputs = assessment.inputs
    rows = []
    for name, spec in FIELDS.items():
        answer = spec.describe(getattr(inputs, name))
        if spec.only_when and getattr(inputs, spec.only_when[0]) != spec.only_when[1]:
            answer = NOT_APPLICABLE
        rows.append((name, spec.label, answer))
    return rows


def would_decide(finding: Finding) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a not-assessed factor's missing inputs: (those that alone could decide it, the rest).

    "Extent of ILD on HRCT" can decide extensive lung disease by itself; the FVC
    matters only when the extent is indeterminate, so it comes second.
    """
    from .whatif import can_decide  # the what-if search knows the values worth trying

    limits = finding.rule.number_limits
    alone = tuple(
        name
        for name in finding.missing_inputs
        if can_decide(finding.rule, finding.inputs, limits, name)
    )
    rest = tuple(name for name in finding.missing_inputs if name not in alone)
    return (alone, rest) if alone else (finding.missing_inputs, ())


def short_needs(finding: Finding) -> str:
    """Say in a few words which answers alone could decide a factor not assessed."""
    return _short_needs(would_decide(finding)[0])


def _short_needs(first: tuple[str, ...]) -> str:
    return _and([_short_label(FIELDS[n].label) for n in first], "or")


def to_assess(finding: Finding) -> str:
    """Say what would decide a factor that is not assessed, the decisive answers first."""
    return _to_assess(*would_decide(finding))


def _to_assess(first: tuple[str, ...], then: tuple[str, ...]) -> str:
    said = _and([_short_label(FIELDS[n].label) for n in first], "or" if len(first) > 1 else "and")
    if then:
        said += f" (then perhaps {_and([_short_label(FIELDS[n].label) for n in then], 'and')})"
    return said


def _and(words: list[str], joiner: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joiner} {words[-1]}"


class Words:
    """The words of one page's findings, each worked out once.

    A result page says a factor's reason up to four times (summary, tile, list,
    notes) and asks twice what would decide a factor not assessed; the what-if
    search behind that answer is the costly part. The memo lives as long as the
    page's rendering: nothing outlives the request.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[str, int], tuple[Finding, Any]] = {}

    def _once(self, kind: str, finding: Finding, work: Callable[[Finding], Any]) -> Any:
        key = (kind, id(finding))
        if key not in self._memo:  # the finding is kept with its words, so its id stays its own
            self._memo[key] = (finding, work(finding))
        return self._memo[key][1]

    def reason(self, finding: Finding) -> str:
        """Return reason(finding), worked out once."""
        return self._once("reason", finding, reason)

    def would_decide(self, finding: Finding) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return would_decide(finding), worked out once."""
        return self._once("decide", finding, would_decide)

    def short_needs(self, finding: Finding) -> str:
        """Return short_needs(finding), from the memo of what would decide it."""
        return _short_needs(self.would_decide(finding)[0])

    def to_assess(self, finding: Finding) -> str:
        """Return to_assess(finding), from the memo of what would decide it."""
        return _to_assess(*self.would_decide(finding))


@dataclass(frozen=True)
class Glance:
    """What the top of a result says: the factors present by name, or what is missing."""

    present: list[Finding]
    not_assessed: list[Finding]
    total: int
    needed: list[str]  # inputs that would assess the most factors, decisive ones first

    @property
    def mostly_unknown(self) -> bool:
        """Tell whether most factors could not be assessed, which then leads the summary."""
        return len(self.not_assessed) * 2 > self.total


def glance(assessment: Assessment, words: Words | None = None) -> Glance:
    """Work out the summary that names, never counts as a score."""
    words = words or Words()
    present = assessment.where(Status.PRESENT, Effect.ADVERSE) + assessment.where(
        Status.PRESENT, Effect.FAVOURABLE
    )
    unknown = assessment.where(Status.NOT_ASSESSED)
    needed = {name for f in unknown for name in words.would_decide(f)[0]}
    return Glance(
        present,
        unknown,
        len(assessment.findings),
        [name for name in FIELDS if name in needed],
    )


def notes_text(
    assessment: Assessment,
    now: str,
    words: Words | None = None,
    *,
    what_if: Change | None = None,
    case_title: str | None = None,
) -> str:
    """Write the result as plain text for a patient's notes; the disclaimer last.

    A what-if's text says first that it is not the patient's result, and a
    teaching case's that the patient is invented.
    """
    words = words or Words()
    reason, to_assess = words.reason, words.to_assess
    rules = assessment.rules
    lines = [
        "ASyS prognostic factor calculator: documented prognostic factors (not a score)",
        f"Assessed {now}; rules version {rules.version}, reviewed {rules.reviewed.isoformat()}.",
    ]
    if case_title:
        lines.append(f"TEACHING CASE, INVENTED: NOT A REAL PATIENT. {case_title}.")
    if what_if is not None:
        label = FIELDS[what_if.field].label
        lines.append(
            f"WHAT IF, NOT THE RESULT FOR THE ANSWERS GIVEN: {label} changed from "
            f"{what_if.was} to {what_if.now}; every other answer as given."
        )
    lines.append("")
    for finding in assessment.cautions:
        lines.append(
            f"CAUTION: {finding.rule.title}. {reason(finding)}. {finding.rule.explanation}"
        )
    if assessment.cautions:
        lines.append("")
    adverse = assessment.where(Status.PRESENT, Effect.ADVERSE)
    favourable = assessment.where(Status.PRESENT, Effect.FAVOURABLE)
    for heading, found in (("Adverse factors present", adverse), ("Favourable", favourable)):
        lines.append(f"{heading}:" if found else f"{heading}: none")
        lines += [f"- {f.rule.title} (evidence: {f.rule.evidence}): {reason(f)}" for f in found]
    unknown = assessment.where(Status.NOT_ASSESSED)
    lines.append("Not assessed:" if unknown else "Not assessed: none")
    lines += [f"- {f.rule.title}: would need {to_assess(f)}" for f in unknown]
    absent = assessment.where(Status.ABSENT)
    lines.append("Absent: " + ("; ".join(f.rule.title for f in absent) if absent else "none"))
    lines += ["", "Answers:"]
    lines += [f"- {label}: {answer}" for _, label, answer in answers(assessment)]
    lines += ["", "The number of factors is not a score: factors overlap and are not weighted."]
    lines += [DISCLAIMER]
    return "\n".join(lines) + "\n"


def known_answers(assessment: Assessment) -> dict[str, str]:
    """Return the known answers as form values, to fill the form again."""
    inputs = assessment.inputs
    found = {}
    for name, spec in FIELDS.items():
        value = getattr(inputs, name)
        if spec.is_known(value):
            found[name] = format_number(value) if spec.is_number else value.value
            if spec.form_units:
                found[f"{name}_unit"] = spec.form_units[0][0]  # the unit the API uses
    return found


_STATUS_SHORT = {
    Status.PRESENT: "present",
    Status.ABSENT: "absent",
    Status.NOT_ASSESSED: "not assessed",
}


@dataclass(frozen=True)
class Change:
    """What a what-if changed: the answer, and the factors whose status moved (never a count)."""

    field: str
    was: str
    now: str
    factors: list[tuple[Finding, Finding]]  # (before, after), in file order

    @property
    def ids(self) -> frozenset[str]:
        """Return the ids of the factors whose status changed."""
        return frozenset(after.rule.id for _, after in self.factors)

    @property
    def line(self) -> str:
        """Say it in one line: "Onset after the age of 60: present → absent".

        A count of factors before and after would read like a score going up or down.
        """
        parts = [
            f"{after.rule.title}: {_STATUS_SHORT[before.status]} → {_STATUS_SHORT[after.status]}"
            for before, after in self.factors
        ]
        said = "; ".join(parts) if parts else "no factor changed its status"
        return said[0].upper() + said[1:]


def change(before: Assessment, after: Assessment, field: str) -> Change:
    """Work out what one changed answer did to the result."""
    spec = FIELDS[field]
    moved = [
        (first, then)
        for first, then in zip(before.findings, after.findings, strict=True)
        if first.status is not then.status
    ]
    return Change(
        field,
        spec.describe(getattr(before.inputs, field)),
        spec.describe(getattr(after.inputs, field)),
        moved,
    )


def tiles(assessment: Assessment, order: Assessment | None = None) -> list[Finding]:
    """Return the findings in tile order: grouped as the sections, or as `order`'s tiles were.

    A what-if keeps the original's order, so a tile that changes stays where it was.
    """
    first = order or assessment
    ids = [f.rule.id for section in sections(first) for f in section.findings]
    by_id = {f.rule.id: f for f in assessment.findings}
    return [by_id[rule_id] for rule_id in ids]


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
    """How many factors are present, by effect, and how many are not assessed: not a score."""

    adverse_present: int = Field(ge=0)
    favourable_present: int = Field(ge=0)
    not_assessed: int = Field(ge=0)


class StepOut(BaseModel):
    """One comparison that decided a status."""

    field: QuantityName
    answer: str | float | None = Field(description="The answer given; null when not known.")
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


_dumps = json.JSONEncoder(ensure_ascii=False).encode
"""json.dumps(value, ensure_ascii=False), without making an encoder on every call."""


def _references(rule: Rule) -> str:
    return _dumps([ref.model_dump(exclude_none=True) for ref in rule.references])


class JsonWriter:
    """Write the API's answer, an AssessmentOut, as JSON in UTF-8.

    What never changes for a rule is serialized once, when the rules load: a
    factor's text up to its missing inputs, for each status it can have, and
    its references; so is every step of a working that does not hold a number
    (a choice's answer, or not known). Each request adds only the missing
    inputs, the steps that compare a number, the counts and the derived values.
    The key order is that of design.md, and tests check the text against
    AssessmentOut.
    """

    def __init__(self, rules: RuleSet) -> None:
        head = (
            f'{{"rules_version":{_dumps(rules.version)},'
            f'"reviewed":{_dumps(rules.reviewed.isoformat())},'
            f'"disclaimer":{_dumps(DISCLAIMER)}'
        )
        # Kept as UTF-8 bytes, ready to join (see write).
        self._head = head.encode() + b',"summary":'
        # A factor is opened up to its missing inputs, for each status it can have, and
        # closed after its working.
        self._open: dict[tuple[str, Status], bytes] = {}
        self._close: dict[str, bytes] = {}
        for rule in rules.factors:
            about = _dumps(
                {
                    "id": rule.id,
                    "title": rule.title,
                    "effect": rule.effect,
                    "evidence": rule.evidence,
                    "studied_in": rule.studied_in,
                }
            )[:-1]
            words = f'"explanation":{_dumps(rule.explanation)},"caveat":{_dumps(rule.caveat)}'
            for status in Status:
                self._open[rule.id, status] = (
                    f'{about},"status":"{status.value}",{words},"missing_inputs":'.encode()
                )
            self._close[rule.id] = f'],"references":{_references(rule)}}}'.encode()
        self._cautions: dict[str, tuple[bytes, bytes]] = {}
        for rule in rules.cautions:
            about = _dumps({"id": rule.id, "title": rule.title, "explanation": rule.explanation})
            self._cautions[rule.id] = (
                f'{about[:-1]},"working":['.encode(),
                f'],"references":{_references(rule)}}}'.encode(),
            )
        # Every step the rules can make whatever the numbers: a choice's answer, or not known.
        self._steps = {
            step: _step_json(step)
            for rule in rules.rules
            for node in comparisons(rule.when)
            for step in node.steps
        }

    def write(self, assessment: Assessment) -> bytes:
        """Return the answer for one assessment, as UTF-8.

        The parts are joined once, as bytes, each encoded once: the text is long
        and not all ASCII, so encoding it whole on every request would cost more
        than making it.
        """
        cautions = []
        for finding in assessment.cautions:
            opened, closed = self._cautions[finding.rule.id]
            cautions.append(opened + self._working(finding) + closed)
        parts = [
            self._head,
            _dumps(assessment.summary).encode(),
            b',"cautions":[',
            b",".join(cautions),
            b'],"derived":',
            _dumps(assessment.derived).encode(),
            b',"factors":[',
        ]
        opening, closing, between = self._open, self._close, b""
        for finding in assessment.findings:
            rule_id = finding.rule.id
            parts += (
                between,
                opening[rule_id, finding.status],
                _names_json(finding.missing_inputs),
                self._working(finding),
                closing[rule_id],
            )
            between = b","
        parts.append(b"]}")
        return b"".join(parts)

    def _working(self, finding: Finding) -> bytes:
        """Serialize a finding's steps; most were written when the rules loaded."""
        written = self._steps
        return b",".join([written.get(step) or _step_json(step) for step in finding.working])


_MET = {True: "true", False: "false", None: "null"}


@cache
def _step_head(field: str, test: str) -> tuple[str, str]:
    """Serialize what a step always says: its field and its test (few distinct ones)."""
    return f'{{"field":{_dumps(field)},"answer":', f',"test":{_dumps(test)},"met":'


def _step_json(step: Step) -> bytes:
    """Serialize one step of a working."""
    head, middle = _step_head(step.field, step.test)
    return f"{head}{_answer_json(step.answer_json)}{middle}{_MET[step.met]}}}".encode()


def _answer_json(answer: Any) -> str:
    """Serialize an answer as json.dumps does: a finite number as its repr, as json writes it."""
    if type(answer) in (int, float) and math.isfinite(answer):
        return repr(answer)
    return _dumps(answer)


@cache
def _names_json(names: tuple[str, ...]) -> bytes:
    """Serialize a factor's missing inputs, and open its working (a factor reads few inputs)."""
    return json.dumps(names).encode() + b',"working":['
