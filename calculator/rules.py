"""The rule set: its schema, its conditions, and the loader for `rules.yaml`.

A condition is a small tree of `all`, `any`, `not` and comparisons on named
input fields. It is data, never code: there are no expression strings and
nothing is evaluated but these nodes. Each node answers True, False or None
(unknown) under three-valued (Kleene) logic.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar, NamedTuple, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from .datafile import DataFileError, load_items_file
from .inputs import FIELDS, Inputs

Truth = bool | None
"""True, False, or None for unknown."""


class Outcome(NamedTuple):
    """A condition's truth, and the unknown inputs that left it unknown."""

    truth: Truth
    missing: frozenset[str] = frozenset()


TRUE, FALSE = Outcome(True), Outcome(False)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Comparison(_Node):
    """Compare one input field with a value; unknown when the input is unknown."""

    op: ClassVar[str]
    words: ClassVar[str]

    field: str = Field(
        json_schema_extra={"enum": list(Inputs.model_fields)},
        description="The name of an input field.",
    )

    @property
    def value(self) -> Any:
        """Return what the field is compared with."""
        return getattr(self, "in_" if self.op == "in" else self.op)

    def values(self) -> list[Any]:
        """Return the value or values compared with, as a list."""
        return list(self.value) if isinstance(self.value, list) else [self.value]

    @cached_property
    def _unknown(self) -> Outcome:
        return Outcome(None, frozenset({self.field}))

    def evaluate(self, inputs: Inputs) -> Outcome:
        """Compare, or return unknown naming the field when its answer is unknown."""
        answer = getattr(inputs, self.field)
        if not FIELDS[self.field].is_known(answer):
            return self._unknown
        return TRUE if self.test(answer) else FALSE

    def test(self, answer: Any) -> bool:
        """Compare a known answer with the value."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Say the comparison in words."""
        spec = FIELDS[self.field]
        said = " or ".join(spec.describe(v) for v in self.values())
        return {"text": f"{spec.label} {self.words} {said}", "children": []}


Number = Annotated[float, Field(allow_inf_nan=False, strict=False)]
Scalar = Union[str, Number]  # noqa: UP007 - keeps the JSON Schema readable


class Eq(Comparison):
    op = "eq"
    words = "is"
    eq: Scalar

    def test(self, answer: Any) -> bool:
        return answer == self.eq


class In(Comparison):
    op = "in"
    words = "is"
    in_: list[Scalar] = Field(alias="in", min_length=1)

    def test(self, answer: Any) -> bool:
        return answer in self.in_


class Lt(Comparison):
    op = "lt"
    words = "is below"
    lt: Number

    def test(self, answer: Any) -> bool:
        return answer < self.lt


class Le(Comparison):
    op = "le"
    words = "is at most"
    le: Number

    def test(self, answer: Any) -> bool:
        return answer <= self.le


class Gt(Comparison):
    op = "gt"
    words = "is greater than"
    gt: Number

    def test(self, answer: Any) -> bool:
        return answer > self.gt


class Ge(Comparison):
    op = "ge"
    words = "is at least"
    ge: Number

    def test(self, answer: Any) -> bool:
        return answer >= self.ge


COMPARISONS: dict[str, type[Comparison]] = {m.op: m for m in (Eq, In, Lt, Le, Gt, Ge)}


class All(_Node):
    """True when every part is true; false when any is false; else unknown."""

    all: list[Condition] = Field(min_length=1)

    def evaluate(self, inputs: Inputs) -> Outcome:
        outcomes = [part.evaluate(inputs) for part in self.all]
        if FALSE in outcomes:
            return FALSE
        return _unknown_or(outcomes, True)

    def describe(self) -> dict[str, Any]:
        return {"text": "All of these:", "children": [p.describe() for p in self.all]}


class Any_(_Node):
    """True when any part is true; false when every part is false; else unknown."""

    any: list[Condition] = Field(min_length=1)

    def evaluate(self, inputs: Inputs) -> Outcome:
        outcomes = [part.evaluate(inputs) for part in self.any]
        if TRUE in outcomes:
            return TRUE
        return _unknown_or(outcomes, False)

    def describe(self) -> dict[str, Any]:
        return {"text": "Any of these:", "children": [p.describe() for p in self.any]}


class Not(_Node):
    """The opposite of its part; unknown stays unknown."""

    not_: Condition = Field(alias="not")

    def evaluate(self, inputs: Inputs) -> Outcome:
        inner = self.not_.evaluate(inputs)
        return Outcome(None if inner.truth is None else not inner.truth, inner.missing)

    def describe(self) -> dict[str, Any]:
        return {"text": "Not this:", "children": [self.not_.describe()]}


def _unknown_or(outcomes: list[Outcome], otherwise: bool) -> Outcome:
    """Return unknown with the missing inputs of the unknown parts, if any; else `otherwise`."""
    unknown = [o for o in outcomes if o.truth is None]
    if not unknown:
        return TRUE if otherwise else FALSE
    return Outcome(None, frozenset().union(*(o.missing for o in unknown)))


def _node_kind(value: Any) -> str | None:
    """Tell which kind of condition a mapping is, from its keys."""
    if isinstance(value, Comparison):
        return value.op
    if isinstance(value, BaseModel):
        return type(value).__name__.lower().rstrip("_")
    if not isinstance(value, dict):
        return None
    keys = set(value)
    kinds = [k for k in ("all", "any", "not") if k in keys]
    ops = [k for k in COMPARISONS if k in keys]
    if len(kinds) + len(ops) != 1:
        return None
    return (kinds + ops)[0]


Condition = Annotated[
    Union[  # noqa: UP007
        Annotated[All, Tag("all")],
        Annotated[Any_, Tag("any")],
        Annotated[Not, Tag("not")],
        *(Annotated[model, Tag(op)] for op, model in COMPARISONS.items()),
    ],
    Discriminator(
        _node_kind,
        custom_error_type="condition",
        custom_error_message=(
            "A condition needs exactly one of 'all', 'any', 'not', "
            "or 'field' with one of 'eq', 'in', 'lt', 'le', 'gt', 'ge'"
        ),
    ),
]
for _model in (All, Any_, Not):
    _model.model_rebuild()


class Effect(StrEnum):
    ADVERSE = "adverse"
    FAVOURABLE = "favourable"


class Evidence(StrEnum):
    CONSISTENT = "consistent"
    MIXED = "mixed"


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
    """One documented prognostic factor and when it is present."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="Stable id; tests and the API use it."
    )
    title: str = Field(min_length=1)
    effect: Effect
    evidence: Evidence
    when: Condition
    explanation: str = Field(min_length=1)
    caveat: str | None = Field(default=None, min_length=1)
    references: list[Reference] = Field(min_length=1)
    source: Source | None = None

    @model_validator(mode="after")
    def _fits_the_inputs(self) -> Rule:
        """Check every comparison against the input field it names."""
        problems = [p for node in comparisons(self.when) for p in _check(node)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Name the input fields this rule reads, in form order."""
        used = {node.field for node in comparisons(self.when)}
        return tuple(name for name in FIELDS if name in used)


class RuleSet(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="ASyS prognostic rules")

    version: str = Field(min_length=1)
    reviewed: datetime.date
    rules: list[Rule] = Field(min_length=1)

    @cached_property
    def number_limits(self) -> dict[str, list[float]]:
        """Collect, per number field, the values the rules compare it with."""
        found: dict[str, list[float]] = {}
        for rule in self.rules:
            for node in comparisons(rule.when):
                if FIELDS[node.field].is_number:
                    found.setdefault(node.field, []).extend(node.values())
        return found

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used more than once")
            seen.add(rule.id)
        return self


def comparisons(node: Any) -> Iterator[Comparison]:
    """Yield every comparison in a condition tree."""
    if isinstance(node, Comparison):
        yield node
    elif isinstance(node, All):
        for part in node.all:
            yield from comparisons(part)
    elif isinstance(node, Any_):
        for part in node.any:
            yield from comparisons(part)
    elif isinstance(node, Not):
        yield from comparisons(node.not_)


def _check(node: Comparison) -> list[str]:
    """Say what is wrong with one comparison, if anything."""
    name = node.field
    spec = FIELDS.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, FIELDS, n=1) or [
            known for known in FIELDS if known.startswith(name)
        ]
        hint = f"; did you mean {close[0]!r}?" if close else f"; known fields: {', '.join(FIELDS)}"
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
        known_keys=[*Rule.model_fields, "field", *Reference.model_fields],
    )
