"""The engine: a pure function from a rule set and the inputs to an assessment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from .conditions import Step, Why
from .inputs import FIELDS, Inputs, derived_values, quantities
from .rules import Effect, Rule, RuleSet


class Status(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not_assessed"


STATUS = {True: Status.PRESENT, False: Status.ABSENT, None: Status.NOT_ASSESSED}


class Finding(NamedTuple):
    """One rule's status for these inputs, why, and the inputs that would assess it.

    `applies` is whether the factor's scope holds (None: not known); `set_aside_by`
    names the caution that set aside its reassurance, if one did.
    """

    rule: Rule
    status: Status
    missing_inputs: tuple[str, ...]
    working: tuple[Step, ...]
    inputs: Any = None  # the answers it was decided on
    applies: bool | None = True
    set_aside_by: str | None = None
    scope: tuple[Step, ...] = ()  # the working of its scope alone

    @property
    def does_not_apply(self) -> bool:
        """Tell whether the factor is outside the patients it is defined for."""
        return self.applies is False


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
        """Count the factors present by effect, those not assessed and those set aside."""
        return {
            "adverse_present": len(self.where(Status.PRESENT, Effect.ADVERSE)),
            "favourable_present": len(self.where(Status.PRESENT, Effect.FAVOURABLE)),
            "not_assessed": len(self.where(Status.NOT_ASSESSED)),
            "set_aside": sum(1 for f in self.findings if f.set_aside_by),
        }

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Return the derived quantities computed from the inputs."""
        return derived_values(self.inputs)


class Decision(NamedTuple):
    """A rule's status for some answers, before its working is put into words."""

    status: Status
    applies: bool | None
    set_aside_by: str | None
    truth: bool | None
    why: Why
    scope: Why = ()  # the working of the scope alone


def reassures(rule: Rule, status: Status) -> bool:
    """Tell whether a status reassures: a favourable factor present, or an adverse one absent."""
    if rule.effect is Effect.FAVOURABLE:
        return status is Status.PRESENT
    return rule.effect is Effect.ADVERSE and status is Status.ABSENT


def decide(
    rule: Rule, known: Mapping[str, Any], present: Callable[[str], bool] | None = None
) -> Decision:
    """Decide one rule for the quantities of some answers; `present` tells if a caution is
    (by default, worked out from the answers).

    The status is that of all of the rule's scope and condition. A present caution the
    rule lists in set_aside_by removes only reassurance: a factor that does not apply,
    a present adverse factor and an absent favourable one are never touched.
    """
    truth, why = rule.condition.check(known)
    applies, scope = (True, ()) if rule.applies_when is None else rule.applies_when.check(known)
    status = STATUS[truth]
    if applies is not False and reassures(rule, status) and rule.set_aside_by:
        present = present or rule.caution_present(known)
        for caution in rule.set_aside_by:
            if present(caution):
                return Decision(Status.NOT_ASSESSED, applies, caution, truth, why, scope)
    return Decision(status, applies, None, truth, why, scope)


def _finding(rule: Rule, inputs: Any, known: dict[str, Any], present: Callable) -> Finding:
    """Decide one rule, with its working and, when not assessed, what would assess it."""
    decision = decide(rule, known, present)
    why = decision.why
    if len(why) == 1:
        working = (why[0][1],)
    else:
        working = tuple({id(node): step for node, step in why}.values())  # each comparison once
    missing: tuple[str, ...] = ()
    if decision.truth is None:
        unknown = {name for node, _ in why for name in node.spec.unknown_inputs(known)}
        missing = tuple(name for name in FIELDS if name in unknown)
    scope: tuple[Step, ...] = ()
    if decision.applies is False:
        scope = tuple(step for _, step in decision.scope)
    return Finding(
        rule,
        decision.status,
        missing,
        working,
        inputs,
        decision.applies,
        decision.set_aside_by,
        scope,
    )


def assess(rules: RuleSet, inputs: Inputs) -> Assessment:
    """Decide each rule's status: present, absent, or not assessed; cautions first."""
    known = quantities(inputs)
    cautions = tuple([_finding(rule, inputs, known, _none) for rule in rules.cautions])
    present = {f.rule.id for f in cautions if f.status is Status.PRESENT}
    return Assessment(
        rules,
        inputs,
        tuple([_finding(rule, inputs, known, present.__contains__) for rule in rules.factors]),
        cautions,
    )


def _none(caution: str) -> bool:
    return False
