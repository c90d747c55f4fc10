"""What if one answer were different? Offer, for each factor, the one-answer changes that flip it.

The candidates come from the rules themselves: every other choice of a choice
field, and the values on either side of each threshold a rule sets on a number
field. Nothing here knows any particular rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from .engine import Assessment, Finding, Status, decide
from .inputs import (
    FIELDS,
    ONLY_WHEN_INVOLVING,
    QUANTITIES,
    InputError,
    Inputs,
    derive,
    format_number,
    lower_first,
    only_when_conflicts,
    parse_number,
    parse_values,
)
from .rules import Rule

MOST_PER_FACTOR = 2


@dataclass(frozen=True)
class WhatIf:
    """One answer changed, and the factor's status it would give."""

    field: str
    value: Any
    status: Status

    @property
    def token(self) -> str:
        """The change as the form sends it back: "field=value"."""
        spec = FIELDS[self.field]
        value = format_number(self.value) if spec.is_number else self.value
        return f"{self.field}={value}"

    @property
    def question(self) -> str:
        """Ask it in words: "What if age at onset were 61 years?"."""
        spec = FIELDS[self.field]
        asked = getattr(self.value, "what_if", None)
        answer = lower_first(spec.describe(self.value))
        return asked or f"What if {lower_first(spec.label)} were {answer}?"


def candidates(limits: dict[str, list[float]], inputs: Inputs, name: str) -> list[Any]:
    """List the other answers worth trying for one field, nearest first."""
    spec = FIELDS[name]
    current = getattr(inputs, name)
    if spec.choices is not None:
        return [m for m in spec.known_choices if m is not current]
    values: set[float] = set()
    for limit in limits.get(name, []):
        values.update({limit - 1, limit, limit + 1})
    inside = [v for v in values if spec.minimum <= v <= spec.maximum and v != current]
    if spec.is_integer:
        inside = [int(v) for v in inside if float(v).is_integer()]
    anchor = current if current is not None else min(limits.get(name, [0]))
    return sorted(inside, key=lambda v: (abs(v - anchor), v))


def tries(
    rule: Rule, inputs: Inputs, limits: dict[str, list[float]], name: str
) -> Iterator[tuple[Any, Status]]:
    """Yield (value, the rule's status) for each other answer worth trying for one input.

    An answer that would contradict another (an ILD answer without ILD) is not tried.
    """
    for value, changed in variants(inputs, limits, name):
        yield value, decide(rule, changed).status


def variants(
    inputs: Inputs, limits: dict[str, list[float]], name: str
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield (value, the quantities with that answer) for each other answer worth trying.

    Each changes one answer and works out the derived quantities again. The answers
    given agree with each other, so only the "only when" rules the changed answer is
    part of can be broken, and a DLCO that could not be performed beside a DLCO value.
    """
    involved = ONLY_WHEN_INVOLVING[name]
    answers = vars(inputs)
    for value in candidates(limits, inputs, name):
        changed = {**answers, name: value}
        if involved and only_when_conflicts(changed, involved):
            continue
        if (
            changed["dlco_could_not_perform"] == "yes"
            and changed["dlco_percent_predicted"] is not None
        ):
            continue  # a DLCO value says the test was performed
        yield value, derive(changed)


def worth_changing(finding: Finding) -> tuple[str, ...]:
    """Name the inputs whose change could change a finding's status, in the rule's order.

    A decided finding's working is a certificate: the comparisons in it settle the
    answer whatever the other inputs are (one false part of "all", the true parts
    of "any", and so on), so only their inputs can change it. A finding not
    assessed has no such certificate: any input may decide it.
    """
    if finding.status is Status.NOT_ASSESSED:
        return finding.rule.inputs
    named = {name for step in finding.working for name in QUANTITIES[step.field].inputs}
    return tuple(name for name in finding.rule.inputs if name in named)


def what_ifs(
    assessment: Assessment, findings: Iterable[Finding] | None = None
) -> dict[str, list[WhatIf]]:
    """For each factor (or each of `findings`), the one-answer changes that would change it."""
    limits = assessment.rules.number_limits
    tried: dict[str, list[tuple[Any, dict[str, Any]]]] = {}  # each answer's variants, made once
    offers: dict[str, list[WhatIf]] = {}
    for finding in assessment.findings if findings is None else findings:
        found: dict[Status, WhatIf] = {}
        for name in worth_changing(finding):
            if len(found) == MOST_PER_FACTOR:
                break  # one offer for each other status found: the rest would not be shown
            if name not in tried:
                tried[name] = list(variants(assessment.inputs, limits, name))
            for value, changed in tried[name]:
                status = decide(finding.rule, changed).status
                if status is not finding.status and status not in found:
                    found[status] = WhatIf(name, value, status)
        offers[finding.rule.id] = list(found.values())[:MOST_PER_FACTOR]
    return offers


def apply(inputs: Inputs, token: str) -> tuple[Inputs, str]:
    """Change one answer as a what-if button asks ("field=value"); return it and the field.

    Raises InputError when the change is not a valid answer.
    """
    name, _, text = token.partition("=")
    spec = FIELDS.get(name)
    if spec is None:
        raise InputError([{"field": "what_if", "message": f"{name!r} is not a known field."}])
    value = parse_number(text, spec.is_integer) if spec.is_number else text
    if value is None or value == spec.unknown_value:
        message = spec.number_message if spec.is_number else "A what-if needs a known answer."
        raise InputError([{"field": name, "message": message}])
    return parse_values({**inputs.model_dump(), name: value}), name


def can_decide(rule: Rule, inputs: Inputs, limits: dict[str, list[float]], name: str) -> bool:
    """Tell whether answering this one input, with some value, would decide the rule."""
    return any(status is not Status.NOT_ASSESSED for _, status in tries(rule, inputs, limits, name))


class Askable(NamedTuple):
    """A field the "What if … were …" form offers: its choices, or None for a number."""

    name: str
    label: str
    choices: list[tuple[str, str]] | None  # (value, label) of each other known answer
    unit: str = ""


_OPTIONS = {
    name: tuple((member, member.value, member.label) for member in spec.known_choices)
    for name, spec in FIELDS.items()
}
"""Each field's known answers as (answer, value, label), read once rather than per page."""


def askable(inputs: Inputs) -> list[Askable]:
    """List the answers a what-if may change, each with the values that would be valid.

    A question that does not apply (an ILD-only one without ILD) is left out, and
    so is an answer that would contradict others (ILD absent while ILD answers are given).
    """
    answers = vars(inputs)  # read, never changed: no copy of the answers
    found = []
    for name, spec in FIELDS.items():
        if spec.only_when and answers.get(spec.only_when[0]) != spec.only_when[1]:
            continue
        if spec.is_number:
            found.append(Askable(name, spec.label, None, spec.unit))
            continue
        current, involved = answers[name], ONLY_WHEN_INVOLVING[name]
        options = [
            (value, label)
            for member, value, label in _OPTIONS[name]
            if member is not current
            and not (involved and only_when_conflicts({**answers, name: member}, involved))
        ]
        if options:
            found.append(Askable(name, spec.label, options))
    return found


def token_of(name: str, value: str) -> str:
    """Join a field and a value typed or chosen in the what-if form as apply() reads them."""
    return f"{name.strip()}={value.strip()}"


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


def change_of(before: Assessment, after: Assessment, field: str) -> Change:
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
