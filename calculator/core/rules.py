"""The rule set: the schema of `rules.yaml`, its checks against the inputs, and its loader.

The conditions themselves (all, any, not, at_least and comparisons) are in
`conditions.py`.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from .conditions import All, Comparison, Condition, comparisons
from .datafile import DataFileError, load_items_file
from .inputs import FIELDS, QUANTITIES


class Effect(StrEnum):
    ADVERSE = "adverse"
    FAVOURABLE = "favourable"
    CAUTION = "caution"  # shown above the factors when present; never counted, never a factor


class Evidence(StrEnum):
    CONSISTENT = "consistent"
    MIXED = "mixed"
    LIMITED = "limited"


class Source(StrEnum):
    """The project's three seed documents."""

    GARD = "GARD"
    KUWANA = "Kuwana"
    DISEASEMAPS = "DiseaseMaps"


class Reference(BaseModel):
    """A citation, with a PMID, a DOI or a URL to find it by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str = Field(min_length=1)
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$")
    doi: str | None = Field(default=None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    url: str | None = Field(default=None, pattern=r"^https://\S+$")

    @model_serializer(mode="wrap")
    def _without_nones(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out the identifiers a citation does not have."""
        return {key: value for key, value in handler(self).items() if value is not None}

    @property
    def links(self) -> list[tuple[str, str]]:
        """Return (label, address) pairs for each identifier."""
        found = []
        if self.pmid:
            found.append((f"PMID {self.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"))
        if self.doi:
            found.append((f"doi:{self.doi}", f"https://doi.org/{self.doi}"))
        if self.url:
            found.append(("link", self.url))
        return found


class Rule(BaseModel):
    """One documented prognostic factor, or a caution, and when it is present."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="Stable id; tests and the API use it."
    )
    title: str = Field(min_length=1)
    effect: Effect
    evidence: Evidence | None = Field(
        default=None, description="How consistent the evidence is; required for a factor only."
    )
    studied_in: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "The population and size of the main evidence, e.g. 'myositis with ILD, Japan, "
            "497 patients'; required for a factor."
        ),
    )
    applies_when: Condition | None = Field(
        default=None,
        description=(
            "The patients the factor is defined for. When false it 'does not apply' (never "
            "'absent'); the status is that of all of applies_when and when."
        ),
    )
    when: Condition
    set_aside_by: list[str] = Field(
        default_factory=list,
        description=(
            "Cautions that, when present, set aside this factor's reassurance: a favourable "
            "factor present, or an adverse factor absent, becomes not assessed."
        ),
    )
    explanation: str = Field(min_length=1)
    _set_aside_rules: dict[str, Rule] = PrivateAttr(default_factory=dict)  # by id, from the file
    caveat: str | None = Field(default=None, min_length=1)
    references: list[Reference] = Field(min_length=1)
    source: Source | None = None

    @model_validator(mode="after")
    def _fits_the_inputs(self) -> Rule:
        """Check every comparison against the quantity it names, and what each effect needs."""
        problems = [p for node in self.comparisons for p in _check(node)]
        if self.is_caution:
            problems += [
                f"a caution is not a factor: it takes no {key!r}"
                for key in ("evidence", "applies_when", "set_aside_by")
                if getattr(self, key)
            ]
        if not self.is_caution:
            problems += [
                f"a factor needs {key!r}"
                for key in ("evidence", "studied_in")
                if getattr(self, key) is None
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_caution(self) -> bool:
        """Tell whether this rule is a caution rather than a factor."""
        return self.effect is Effect.CAUTION

    @cached_property
    def condition(self) -> Condition:
        """Return the condition the status is decided by: all of applies_when and when."""
        if self.applies_when is None:
            return self.when
        return All(all=[self.applies_when, self.when])

    def set_aside_rule(self, caution: str) -> Rule:
        """Return one of the cautions that set this rule aside."""
        return self._set_aside_rules[caution]

    def caution_present(self, known: Mapping[str, Any]) -> Callable[[str], bool]:
        """Return a test of whether one of the cautions that set this rule aside is present."""
        cautions = self._set_aside_rules
        return lambda caution: cautions[caution].condition.check(known)[0] is True

    @cached_property
    def scope_fields(self) -> frozenset[str]:
        """Name the quantities the rule's scope reads (ILD, for an ILD factor)."""
        if self.applies_when is None:
            return frozenset()
        return frozenset(node.field for node in comparisons(self.applies_when))

    @property
    def comparisons(self) -> list[Comparison]:
        """Return every comparison of the rule, its scope's first."""
        return list(comparisons(self.condition))

    @cached_property
    def number_limits(self) -> dict[str, list[float]]:
        """Collect, per number input, the values this rule compares it with."""
        found: dict[str, list[float]] = {}
        for node in self.comparisons:
            if node.field in FIELDS and FIELDS[node.field].is_number:
                found.setdefault(node.field, []).extend(node.values())
        return found

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Name the input fields this rule reads, derived quantities through their inputs."""
        used = {name for node in self.comparisons for name in node.spec.inputs}
        return tuple(name for name in FIELDS if name in used)


class RuleSet(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="ASyS prognostic rules")

    version: str = Field(min_length=1)
    reviewed: datetime.date
    rules: list[Rule] = Field(min_length=1)

    @cached_property
    def factors(self) -> list[Rule]:
        """Return the factors, in file order."""
        return [rule for rule in self.rules if not rule.is_caution]

    @cached_property
    def cautions(self) -> list[Rule]:
        """Return the cautions, in file order."""
        return [rule for rule in self.rules if rule.is_caution]

    @cached_property
    def number_limits(self) -> dict[str, list[float]]:
        """Collect, per number input, the values the rules compare it with."""
        found: dict[str, list[float]] = {}
        for rule in self.rules:
            for name, values in rule.number_limits.items():
                found.setdefault(name, []).extend(values)
        return found

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used more than once")
            seen.add(rule.id)
        if not self.factors:
            raise ValueError("the rules file needs at least one factor, not only cautions")
        cautions = [rule.id for rule in self.cautions]
        wrong = [
            f"rule {rule.id!r} is set aside by {name!r}, which is not a caution of this file"
            f" (the cautions: {', '.join(cautions)})"
            for rule in self.rules
            for name in rule.set_aside_by
            if name not in cautions
        ]
        if wrong:
            raise ValueError("; ".join(wrong))
        for rule in self.rules:
            rule._set_aside_rules = {name: self.by_id[name] for name in rule.set_aside_by}
        return self

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        """Return every rule by its id."""
        return {rule.id: rule for rule in self.rules}


def _check(node: Comparison) -> list[str]:
    """Say what is wrong with one comparison, if anything."""
    name = node.field
    spec = QUANTITIES.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, QUANTITIES, n=1) or [
            known for known in QUANTITIES if known.startswith(name)
        ]
        hint = (
            f"; did you mean {close[0]!r}?" if close else f"; known fields: {', '.join(QUANTITIES)}"
        )
        return [f"unknown field {name!r}{hint}"]
    problems = []
    if spec.choices is not None:
        if node.op not in ("eq", "in"):
            return [
                f"operator {node.op!r} does not fit {name!r}, which takes choices; use 'eq' or 'in'"
            ]
        valid = [m.value for m in spec.choices if not m.not_known]
        for value in node.values():
            if value not in valid:
                close = difflib.get_close_matches(str(value), valid, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if isinstance(value, bool):
                    hint = ' (write "yes" and "no" in quotes: YAML reads them as true and false)'
                if value == spec.choices.unknown().value:
                    problems.append(
                        f"{name!r} compared with {value!r}, its 'not known' answer: "
                        "an unknown answer leaves a rule not assessed, so this can never be true"
                    )
                else:
                    problems.append(
                        f"{value!r} is not one of {name!r}'s choices "
                        f"{', '.join(map(repr, valid))}{hint}"
                    )
        return problems
    for value in node.values():
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(f"{name!r} is a number, but is compared with {value!r}")
        elif not spec.minimum <= value <= spec.maximum:
            problems.append(
                f"{value:g} is outside the range of {name!r} ({spec.minimum:g} to {spec.maximum:g})"
            )
    return problems


class RulesError(DataFileError):
    """The rules file cannot be used; every problem found is listed."""

    kind = "rules file"


def load_rules(path: Path | str) -> RuleSet:
    """Read, parse and validate a rules file, or raise RulesError listing every problem."""
    return load_items_file(
        path,
        RuleSet,
        items="rules",
        item_model=Rule,
        error=RulesError,
        known_keys=[*Rule.model_fields, "field", "at_least", "n", "of", *Reference.model_fields],
    )
