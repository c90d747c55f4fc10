"""The words of a result: statuses, reasons, what would decide a factor, the answers in words.

The result page, the printout, the notes, the API, FHIR and CDS Hooks all say a
finding in these words, so that each says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .engine import Assessment, Finding, Status, Step
from .inputs import FIELDS, QUANTITIES, FieldSpec, exact, format_number, lower_first
from .rules import Effect, Evidence
from .whatif import can_decide

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


EVIDENCE_ORDER = {Evidence.CONSISTENT: 0, Evidence.MIXED: 1, Evidence.LIMITED: 2}


def ranked(findings: list[Finding]) -> list[Finding]:
    """Order findings as a reader weighs them: adverse before favourable, then the strongest
    evidence first (consistent, mixed, limited), then as in the rules file."""
    return sorted(
        findings,
        key=lambda f: (f.rule.effect is not Effect.ADVERSE, EVIDENCE_ORDER[f.rule.evidence]),
    )


def sections(assessment: Assessment) -> list[Section]:
    """Group the findings in the order of the result page."""
    return [
        Section(
            "adverse",
            "Adverse factors present",
            "Documented factors linked to a worse prognosis that these answers show.",
            ranked(assessment.where(Status.PRESENT, Effect.ADVERSE)),
        ),
        Section(
            "favourable",
            "Favourable factors present",
            "Documented factors linked to a better prognosis that these answers show.",
            ranked(assessment.where(Status.PRESENT, Effect.FAVOURABLE)),
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
            [f for f in assessment.where(Status.ABSENT) if not f.does_not_apply],
        ),
        Section(
            "does_not_apply",
            "Factors that do not apply",
            "These factors are defined for other patients (for example, only with ILD).",
            [f for f in assessment.findings if f.does_not_apply],
        ),
    ]


_STATUS_WORDS = {
    (Status.PRESENT, Effect.ADVERSE): ("▲", "Present: adverse"),
    (Status.PRESENT, Effect.FAVOURABLE): ("▼", "Present: favourable"),
}


DOES_NOT_APPLY = ("–", "Does not apply")
SET_ASIDE = ("?", "Set aside")


def status_words(finding: Finding) -> tuple[str, str]:
    """Return a finding's status as (symbol, words); the symbol repeats the words visually."""
    if finding.does_not_apply:
        return DOES_NOT_APPLY
    if finding.set_aside_by:
        return SET_ASIDE
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
        if step.answer is not None:  # an answer that leaves the rules not knowing
            return f"{label}: {spec.choices(step.answer).short} (not known for this rule)"
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


def _goes_without_saying(finding: Finding, step: Step) -> bool:
    """Tell whether a step need not be said: an open gate, a measurement that reflects the
    lung (said only when in doubt), or an answer the model worked out rather than was given."""
    spec = QUANTITIES[step.field]
    if step.met and (_GATES.get(step.field) == step.answer or spec.derived and not spec.is_number):
        return True
    if step.met and step.field in finding.rule.scope_fields:
        return True  # the scope holds: said only when it fails ("Does not apply")
    given = getattr(finding.inputs, step.field, step.answer) if not spec.derived else step.answer
    return step.answer is not None and given != step.answer


def _merged(steps: list[Step]) -> list[Step]:
    """Join the steps that test one answer several ways: "Limited (not extensive or ...)"."""
    merged: list[Step] = []
    for step in steps:
        last = merged[-1] if merged else None
        if last and (last.field, last.answer, last.met) == (step.field, step.answer, step.met):
            merged[-1] = last._replace(test=f"{last.test} or {lower_first(step.test[3:])}")
        else:
            merged.append(step)
    return merged


def reason(finding: Finding) -> str:
    """Say why a finding has its status, from its working, in a few words."""
    if finding.does_not_apply:
        return f"Does not apply ({scope_words(finding)})"
    if finding.set_aside_by:
        caution = finding.rule.set_aside_rule(finding.set_aside_by)
        return f"Set aside: {lower_first(caution.title)}"
    if finding.status is Status.NOT_ASSESSED:
        doubts = [s for s in finding.working if s.met is None and s.answer is not None]
        said = {s.field for s in doubts}
        names = [_short_label(FIELDS[n].label) for n in finding.missing_inputs if n not in said]
        parts = (["Not known: " + ", ".join(names)] if names else []) + [
            step_words(s) for s in _merged(doubts)
        ]
        return "; ".join(parts)
    steps = [s for s in finding.working if not _goes_without_saying(finding, s)]
    return "; ".join(step_words(step) for step in _merged(steps or list(finding.working)))


def scope_words(finding: Finding) -> str:
    """Say which part of a factor's scope failed: "no ILD", "anti-MDA5 positive"."""
    said = []
    for step in finding.scope:
        if step.met is not False:
            continue
        spec = QUANTITIES[step.field]
        label = _short_label(spec.label).removesuffix(" antibody")
        if step.answer == "absent":
            said.append(f"no {lower_first(label)}")
        else:
            said.append(f"{lower_first(label)} {spec.choices(step.answer).short.lower()}")
    return ", ".join(said)


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


Units = dict[str, str]
"""The unit each number was entered in, by field name ({"crp_mg_per_l": "mg_per_dl"}): display
only, carried in the page's forms so that an answer reads as it was entered; the engine, the API
and the rules work in each field's own unit."""


def entered_unit(spec: FieldSpec, units: Units | None) -> tuple[str, str, int] | None:
    """Return the form unit (code, label, factor) a number was entered in, if not the field's."""
    code = units.get(spec.name) if units else None
    return next((unit for unit in spec.form_units[1:] if unit[0] == code), None)


def described(spec: FieldSpec, value: Any, units: Units | None = None) -> str:
    """Say an answer in words, a number in the unit it was entered in and then in the unit the
    rules use: "1.8 mg/dL (18 mg/L)"."""
    unit = entered_unit(spec, units)
    if unit is None or not spec.is_known(value):
        return spec.describe(value)
    return f"{format_number(exact(value) / unit[2])} {unit[1]} ({spec.describe(value)})"


def answers(assessment: Assessment, units: Units | None = None) -> list[tuple[str, str, str]]:
    """Return every input as (name, label, answer in words), "Not known" included.

    A question that applies only when ILD is present reads "Not applicable (no
    ILD)" when ILD is not present, rather than "Not known". A number reads in the
    unit it was entered in (`units`), then in the rules' unit.
    """
    inputs = assessment.inputs
    rows = []
    for name, spec in FIELDS.items():
        answer = described(spec, getattr(inputs, name), units)
        if spec.only_when and getattr(inputs, spec.only_when[0]) != spec.only_when[1]:
            answer = NOT_APPLICABLE
        rows.append((name, spec.label, answer))
    return rows


def would_decide(finding: Finding) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a not-assessed factor's missing inputs: (those that alone could decide it, the rest).

    "Extent of ILD on HRCT" can decide extensive lung disease by itself; the FVC
    matters only when the extent is indeterminate, so it comes second.
    """
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

    def scope(self, finding: Finding) -> str:
        """Return scope_words(finding): the part of its scope that failed."""
        return scope_words(finding)

    def tile_reason(self, finding: Finding) -> str:
        """Say a finding in a tile: its reason, or briefly what it needs."""
        if finding.status is Status.NOT_ASSESSED and not finding.set_aside_by:
            return f"Needs: {self.short_needs(finding)}"
        return self.reason(finding)

    def article_reason(self, finding: Finding) -> str:
        """Say a finding under its heading: its reason, or what would decide it."""
        if finding.status is Status.NOT_ASSESSED and not finding.set_aside_by:
            return self.to_assess(finding)
        return self.reason(finding)


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
    present = ranked(assessment.where(Status.PRESENT))
    unknown = assessment.where(Status.NOT_ASSESSED)
    needed = {name for f in unknown for name in words.would_decide(f)[0]}
    return Glance(
        present,
        unknown,
        len(assessment.findings),
        [name for name in FIELDS if name in needed],
    )


def known_answers(assessment: Assessment, units: Units | None = None) -> dict[str, str]:
    """Return the known answers as form values, to fill the form again: a number in the unit
    it was entered in (`units`), else in the unit the API uses."""
    inputs = assessment.inputs
    found = {}
    for name, spec in FIELDS.items():
        value = getattr(inputs, name)
        if spec.is_known(value):
            found[name] = format_number(value) if spec.is_number else value.value
            if spec.form_units:
                code, _, factor = entered_unit(spec, units) or spec.form_units[0]
                found[name] = format_number(exact(value) / factor)
                found[f"{name}_unit"] = code
    return found


def tiles(assessment: Assessment, order: Assessment | None = None) -> list[Finding]:
    """Return the findings in tile order: grouped as the sections, or as `order`'s tiles were.

    A what-if keeps the original's order, so a tile that changes stays where it was.
    """
    first = order or assessment
    ids = [f.rule.id for section in sections(first) for f in section.findings]
    by_id = {f.rule.id: f for f in assessment.findings}
    return [by_id[rule_id] for rule_id in ids]
