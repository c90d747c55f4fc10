"""The engine: a pure function from a rule set and the inputs to an assessment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .inputs import FIELDS, Inputs
from .rules import Effect, Rule, RuleSet


class Status(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not_assessed"


_STATUS = {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}


@dataclass(frozen=True)
class Finding:
    """One rule's status for these inputs, and the inputs that would assess it."""

    rule: Rule
    status: Status
    missing_inputs: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """Every rule's finding, in the order of the rules file."""

    rules: RuleSet
    inputs: Inputs
    findings: tuple[Finding, ...]

    def where(self, status: Status, effect: Effect | None = None) -> list[Finding]:
        """Return the findings with a status, and an effect if one is given."""
        return [
            f
            for f in self.findings
            if f.status is status and (effect is None or f.rule.effect is effect)
        ]

    @property
    def summary(self) -> dict[str, int]:
        """Count adverse and favourable factors present, and those not assessed."""
        return {
            "adverse_present": len(self.where(Status.PRESENT, Effect.ADVERSE)),
            "favourable_present": len(self.where(Status.PRESENT, Effect.FAVOURABLE)),
            "not_assessed": len(self.where(Status.NOT_ASSESSED)),
        }


def status_of(rule: Rule, inputs: Inputs) -> Status:
    """Decide one rule's status."""
    return _STATUS[rule.when.evaluate(inputs).truth]


def assess(rules: RuleSet, inputs: Inputs) -> Assessment:
    """Decide each rule's status: present, absent, or not assessed."""
    findings = []
    for rule in rules.rules:
        outcome = rule.when.evaluate(inputs)
        missing = (
            tuple(name for name in FIELDS if name in outcome.missing)
            if outcome.truth is None
            else ()
        )
        findings.append(Finding(rule, _STATUS[outcome.truth], missing))
    return Assessment(rules, inputs, tuple(findings))
