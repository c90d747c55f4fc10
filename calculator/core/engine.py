"""The engine: a pure function from a rule set and the inputs to an assessment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from .conditions import Step
from .inputs import FIELDS, Inputs, derived_values, quantities
from .rules import Effect, Rule, RuleSet


class Status(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not_assessed"


STATUS = {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}


class Finding(NamedTuple):
    """One rule's status for these inputs, why, and the inputs that would assess it.

    Immutable, like the frozen dataclass it was; a named tuple because an
    assessment makes one per rule and a tuple is several times quicker to make.
    """

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


def _finding(rule: Rule, inputs: Any, known: dict[str, Any]) -> Finding:
    """Decide one rule's status from the quantities already computed from the inputs."""
    truth, why = rule.when.check(known)
    if len(why) == 1:
        working = (why[0][1],)
    else:
        working = tuple({id(node): step for node, step in why}.values())  # each comparison once
    missing: tuple[str, ...] = ()
    if truth is None:
        unknown = {name for node, _ in why for name in node.spec.unknown_inputs(inputs)}
        missing = tuple(name for name in FIELDS if name in unknown)
    return Finding(rule, STATUS[truth], missing, working, inputs)


def assess(rules: RuleSet, inputs: Inputs) -> Assessment:
    """Decide each rule's status: present, absent, or not assessed."""
    known = quantities(inputs)
    return Assessment(
        rules,
        inputs,
        tuple([_finding(rule, inputs, known) for rule in rules.factors]),
        tuple([_finding(rule, inputs, known) for rule in rules.cautions]),
    )
