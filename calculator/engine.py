"""The engine: a pure function from a rule set and the inputs to an assessment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from .inputs import FIELDS, Inputs, derived_values
from .rules import Effect, Rule, RuleSet


class Status(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not_assessed"


_STATUS = {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}


class Step(NamedTuple):
    """One comparison that decided a status: the answer given, the test, whether it was met."""

    field: str
    answer: Any  # the known answer (a choice's value or a number), or None when not known
    test: str
    met: bool | None

    @property
    def answer_json(self) -> Any:
        """Return the answer as JSON has it: a choice's value, a plain number, or None."""
        if isinstance(self.answer, str):
            return str(self.answer)
        if isinstance(self.answer, Decimal):
            return float(self.answer)
        return self.answer


@dataclass(frozen=True)
class Finding:
    """One rule's status for these inputs, why, and the inputs that would assess it."""

    rule: Rule
    status: Status
    missing_inputs: tuple[str, ...]
    working: tuple[Step, ...]
    inputs: Any = None  # the answers it was decided on


@dataclass(frozen=True)
class Assessment:
    """Every factor's finding in the order of the rules file, and every caution's."""

    rules: RuleSet
    inputs: Inputs
    findings: tuple[Finding, ...]
    caution_findings: tuple[Finding, ...] = ()

    def where(self, status: Status, effect: Effect | None = None) -> list[Finding]:
        """Return the factors' findings with a status, and an effect if one is given."""
        return [
            f
            for f in self.findings
            if f.status is status and (effect is None or f.rule.effect is effect)
        ]

    @property
    def cautions(self) -> list[Finding]:
        """Return the cautions that are present."""
        return [f for f in self.caution_findings if f.status is Status.PRESENT]

    @property
    def summary(self) -> dict[str, int]:
        """Count adverse and favourable factors present, and those not assessed."""
        return {
            "adverse_present": len(self.where(Status.PRESENT, Effect.ADVERSE)),
            "favourable_present": len(self.where(Status.PRESENT, Effect.FAVOURABLE)),
            "not_assessed": len(self.where(Status.NOT_ASSESSED)),
        }

    @cached_property
    def derived(self) -> dict[str, float | None]:
        """Return the derived quantities computed from the inputs."""
        return derived_values(self.inputs)


def status_of(rule: Rule, inputs: Any) -> Status:
    """Decide one rule's status."""
    return _STATUS[rule.when.evaluate(inputs).truth]


def finding(rule: Rule, inputs: Any) -> Finding:
    """Decide one rule's status, with its working and, when not assessed, what is missing."""
    outcome = rule.when.evaluate(inputs)
    why = outcome.why
    if len(why) > 1:
        why = tuple({id(node): (node, a, m) for node, a, m in why}.values())  # each once
    working = tuple(Step(node.field, a, node.test_words, m) for node, a, m in why)
    missing: tuple[str, ...] = ()
    if outcome.truth is None:
        unknown = {name for node, _, _ in why for name in node.spec.unknown_inputs(inputs)}
        missing = tuple(name for name in FIELDS if name in unknown)
    return Finding(rule, _STATUS[outcome.truth], missing, working, inputs)


def assess(rules: RuleSet, inputs: Inputs) -> Assessment:
    """Decide each rule's status: present, absent, or not assessed."""
    return Assessment(
        rules,
        inputs,
        tuple(finding(rule, inputs) for rule in rules.factors),
        tuple(finding(rule, inputs) for rule in rules.cautions),
    )
