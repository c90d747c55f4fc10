"""The condition language of the rules: comparisons joined by all, any, not and at_least.

A condition is a small tree of nodes. It is data, never code: there are no
expression strings and nothing is evaluated but these nodes. Each node answers
True, False or None (unknown) under three-valued (Kleene) logic, together with
the comparisons that decided that answer: its working.

Each node has one evaluator, `check`: from the quantities (a plain dict, from
`inputs.quantities`) to the node's truth and working. The engine, the what-if
search and "what would decide it" all call it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from functools import cached_property
from itertools import chain
from typing import Annotated, Any, ClassVar, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .inputs import QUANTITIES, FieldSpec, exact, format_number

Truth = bool | None
"""True, False, or None for unknown."""


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


Why = tuple[tuple["Comparison", Step], ...]
"""The comparisons that decided a truth, each with its step: (node, step)."""


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        """Decide this condition for the quantities by name (inputs.quantities): (truth, why)."""
        raise NotImplementedError


class Comparison(_Node):
    """Compare one input field or derived quantity with a value; unknown when it is unknown."""

    op: ClassVar[str]
    words: ClassVar[str]
    compare: ClassVar[Callable[[Any, Any], bool]]  # (answer, limit) -> whether the test is met

    field: str = Field(
        json_schema_extra={"enum": list(QUANTITIES)},
        description="The name of an input field or of a derived quantity.",
    )

    @property
    def value(self) -> Any:
        """Return what the field is compared with."""
        return getattr(self, "in_" if self.op == "in" else self.op)

    def values(self) -> list[Any]:
        """Return the value or values compared with, as a list."""
        return list(self.value) if isinstance(self.value, list) else [self.value]

    @cached_property
    def spec(self) -> FieldSpec:
        """Return what is known of the compared quantity."""
        return QUANTITIES[self.field]

    @cached_property
    def named(self) -> frozenset[Any]:
        """Return the values this comparison names."""
        return frozenset(v for v in self.values() if isinstance(v, str))

    @cached_property
    def limit(self) -> Any:
        """Return the value compared with, exact for a derived (decimal) quantity."""
        if self.spec.derived and isinstance(self.value, int | float):
            return exact(self.value)
        return self.value

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        """Compare the answer, or return unknown when it is not known."""
        answer = known[self.field]
        if not self.spec.is_known(answer):
            answer, met = None, None
        elif answer in self.spec.uncertain and answer not in self.named:
            met = None  # an answer that leaves the rules not knowing, unless it is the one named
        else:
            met = self.compare(answer, self.limit)
        return met, ((self, Step(self.field, answer, self.test_words, met)),)

    @cached_property
    def test_words(self) -> str:
        """Say the test in a few words: "is Present", "below 70", "at least 5"."""
        said = [_short(self.spec, v) for v in self.values()]
        if self.spec.is_number:
            return f"{self.words} {' or '.join(said)}"
        if len(said) == 1:
            return f"is {said[0]}"
        return f"is one of {', '.join(said)}"

    def describe(self) -> dict[str, Any]:
        """Say the comparison in words, for the rule catalogue."""
        if self.spec.is_number:
            said = f"{self.words} {' or '.join(self.spec.with_unit(v) for v in self.values())}"
            return {"text": f"{self.spec.label} is {said}", "children": []}
        return {"text": f"{self.spec.label} {self.test_words}", "children": []}


def _short(spec: FieldSpec, value: Any) -> str:
    """Say a compared value briefly: a choice's short label, a number in plain digits."""
    if spec.choices is not None:
        return spec.choices(value).short
    return format_number(value)


Number = Annotated[float, Field(allow_inf_nan=False, strict=False)]
Scalar = Union[str, Number]  # noqa: UP007 - keeps the JSON Schema readable


class Eq(Comparison):
    op = "eq"
    words = "is"
    eq: Scalar
    compare = staticmethod(operator.eq)


class In(Comparison):
    op = "in"
    words = "is"
    in_: list[Scalar] = Field(alias="in", min_length=1)

    @staticmethod
    def compare(answer: Any, values: list[Any]) -> bool:
        return answer in values


class Lt(Comparison):
    op = "lt"
    words = "below"
    lt: Number
    compare = staticmethod(operator.lt)


class Le(Comparison):
    op = "le"
    words = "at most"
    le: Number
    compare = staticmethod(operator.le)


class Gt(Comparison):
    op = "gt"
    words = "above"
    gt: Number
    compare = staticmethod(operator.gt)


class Ge(Comparison):
    op = "ge"
    words = "at least"
    ge: Number
    compare = staticmethod(operator.ge)


COMPARISONS: dict[str, type[Comparison]] = {m.op: m for m in (Eq, In, Lt, Le, Gt, Ge)}


def _joined(outcomes: list[tuple[Truth, Why]]) -> Why:
    """Join the working of several outcomes."""
    return tuple(chain.from_iterable(why for _, why in outcomes))


class All(_Node):
    """True when every part is true; false when any is false; else unknown."""

    all: list[Condition] = Field(min_length=1)

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        outcomes = []
        for part in self.all:
            outcome = part.check(known)
            if outcome[0] is False:
                return outcome  # the first part that makes it false
            outcomes.append(outcome)
        unknown = [o for o in outcomes if o[0] is None]
        return (None, _joined(unknown)) if unknown else (True, _joined(outcomes))

    def parts(self) -> list[Any]:
        return self.all

    def describe(self) -> dict[str, Any]:
        return {"text": "All of these:", "children": [p.describe() for p in self.all]}


class Any_(_Node):
    """True when any part is true; false when every part is false; else unknown."""

    any: list[Condition] = Field(min_length=1)

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        outcomes = [part.check(known) for part in self.any]
        true = [o for o in outcomes if o[0] is True]
        if true:
            return True, _joined(true)
        unknown = [o for o in outcomes if o[0] is None]
        if unknown:
            return None, _joined(unknown)
        return False, _joined(outcomes)

    def parts(self) -> list[Any]:
        return self.any

    def describe(self) -> dict[str, Any]:
        return {"text": "Any of these:", "children": [p.describe() for p in self.any]}


class Not(_Node):
    """The opposite of its part; unknown stays unknown."""

    not_: Condition = Field(alias="not")

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        truth, why = self.not_.check(known)
        return (None if truth is None else not truth), why

    def parts(self) -> list[Any]:
        return [self.not_]

    def describe(self) -> dict[str, Any]:
        return {"text": "Not this:", "children": [self.not_.describe()]}


class AtLeastBody(_Node):
    """How many parts must be true, and the parts."""

    n: int = Field(ge=1, description="How many parts must be true, from 1 to the number of parts.")
    of: list[Condition] = Field(min_length=1)

    @model_validator(mode="after")
    def _n_fits(self) -> AtLeastBody:
        """Refuse an n that no answers could ever meet."""
        if self.n > len(self.of):
            raise ValueError(
                f"at_least needs n from 1 to {len(self.of)}, the number of its parts; got {self.n}"
            )
        return self


class AtLeast(_Node):
    """True when n parts are true; false when fewer than n could still be true; else unknown."""

    at_least: AtLeastBody

    def check(self, known: Mapping[str, Any]) -> tuple[Truth, Why]:
        n = self.at_least.n
        outcomes = [part.check(known) for part in self.at_least.of]
        true = [o for o in outcomes if o[0] is True]
        unknown = [o for o in outcomes if o[0] is None]
        if len(true) >= n:
            return True, _joined(true)
        if len(true) + len(unknown) < n:
            return False, _joined([o for o in outcomes if o[0] is False])
        return None, _joined(unknown)

    def parts(self) -> list[Any]:
        return self.at_least.of

    def describe(self) -> dict[str, Any]:
        return {
            "text": f"At least {self.at_least.n} of these:",
            "children": [p.describe() for p in self.at_least.of],
        }


_BRANCHES = ("all", "any", "not", "at_least")


def _node_kind(value: Any) -> str | None:
    """Tell which kind of condition a mapping is, from its keys."""
    if isinstance(value, Comparison):
        return value.op
    if isinstance(value, BaseModel):
        return {All: "all", Any_: "any", Not: "not", AtLeast: "at_least"}.get(type(value))
    if not isinstance(value, dict):
        return None
    keys = set(value)
    kinds = [k for k in _BRANCHES if k in keys]
    ops = [k for k in COMPARISONS if k in keys]
    if len(kinds) + len(ops) != 1:
        return None
    return (kinds + ops)[0]


Condition = Annotated[
    Union[  # noqa: UP007
        Annotated[All, Tag("all")],
        Annotated[Any_, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[AtLeast, Tag("at_least")],
        *(Annotated[model, Tag(op)] for op, model in COMPARISONS.items()),
    ],
    Discriminator(
        _node_kind,
        custom_error_type="condition",
        custom_error_message=(
            "A condition needs exactly one of 'all', 'any', 'not', 'at_least', "
            "or 'field' with one of 'eq', 'in', 'lt', 'le', 'gt', 'ge'"
        ),
    ),
]
for _model in (All, Any_, Not, AtLeastBody, AtLeast):
    _model.model_rebuild()


def comparisons(node: Any) -> Iterator[Comparison]:
    """Yield every comparison in a condition tree."""
    if isinstance(node, Comparison):
        yield node
    else:
        for part in node.parts():
            yield from comparisons(part)
