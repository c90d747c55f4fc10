"""The condition language of the rules: comparisons joined by all, any, not and at_least.

A condition is a small tree of nodes. It is data, never code: there are no
expression strings and nothing is evaluated but these nodes. Each node answers
True, False or None (unknown) under three-valued (Kleene) logic, together with
the comparisons that decided that answer: its working.

Each node is compiled once, when the rules load, into a `check`: a function of
the quantities (a plain dict, from `inputs.quantities`) that returns the
node's truth and working. The engine calls the checks; `evaluate` is the same
check on an Inputs (or on any object with the answers as attributes).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from functools import cached_property
from itertools import chain
from typing import Annotated, Any, ClassVar, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .inputs import QUANTITIES, FieldSpec, exact, format_number, quantities

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

Check = Callable[[Mapping[str, Any]], tuple[Truth, Why]]
"""A compiled condition: from the quantities by name, to (truth, why)."""

Decide = Callable[[Mapping[str, Any]], Truth]
"""A compiled condition that gives only its truth, for the many what-ifs that need no more."""


class Outcome(NamedTuple):
    """A condition's truth, and the comparisons that decided it, each as (node, answer, met)."""

    truth: Truth
    why: tuple[tuple[Comparison, Any, Truth], ...] = ()


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def evaluate(self, inputs: Any) -> Outcome:
        """Decide this condition for the inputs: an Inputs, or an object with its attributes."""
        truth, why = self.check(quantities(inputs))
        return Outcome(truth, tuple((node, step.answer, step.met) for node, step in why))

    @cached_property
    def check(self) -> Check:
        """Return this condition compiled: a function of the quantities, to (truth, why)."""
        return self._compile()

    @cached_property
    def decide(self) -> Decide:
        """Return this condition compiled to its truth alone: `check(known)[0]`, made quicker."""
        return self._compile_truth()

    def _compile(self) -> Check:
        raise NotImplementedError

    def _compile_truth(self) -> Decide:
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
    def limit(self) -> Any:
        """Return the value compared with, exact for a derived (decimal) quantity."""
        if self.spec.derived and isinstance(self.value, int | float):
            return exact(self.value)
        return self.value

    def answer(self, inputs: Any) -> Any:
        """Return the answer this comparison reads; None when it is not known."""
        answer = self.spec.read(inputs)
        return answer if self.spec.is_known(answer) else None

    def _decide(self, answer: Any) -> tuple[Truth, Why]:
        """Compare an answer, or return unknown when it is unknown."""
        if answer is None or answer == self.spec.unknown_value:
            answer, met = None, None
        else:
            met = self.compare(answer, self.limit)
        return met, ((self, Step(self.field, answer, self.test_words, met)),)

    @property
    def steps(self) -> list[Step]:
        """Return the step of each answer that is not a number: not known, and each choice."""
        return [self._decide(answer)[1][0][1] for answer in (None, *(self.spec.choices or ()))]

    def _compile(self) -> Check:
        # The outcomes are kept in the closure, not on the node: they refer to the
        # node, and pydantic compares nodes by their __dict__.
        name, not_known = self.field, self._decide(None)
        if self.spec.choices is not None:
            # A choice has only a few answers: each is decided here, once, and
            # deciding is then a look-up.
            decide, outcomes = self._decide, self._choice_outcomes()

            def check(known: Mapping[str, Any]) -> tuple[Truth, Why]:
                answer = known[name]
                try:
                    return outcomes[answer]
                except (KeyError, TypeError):  # not one of the choices
                    return decide(answer)

            return check

        words, limit, compare = self.test_words, self.limit, self.compare

        def check_number(known: Mapping[str, Any]) -> tuple[Truth, Why]:
            answer = known[name]
            if answer is None:  # a number's only unknown answer
                return not_known
            met = compare(answer, limit)
            return met, ((self, Step(name, answer, words, met)),)

        return check_number

    def _choice_outcomes(self) -> dict[Any, tuple[Truth, Why]]:
        """Decide not known and each of a choice field's answers, once, when compiling."""
        return {answer: self._decide(answer) for answer in (None, *self.spec.choices)}

    def _compile_truth(self) -> Decide:
        name, check = self.field, self.check
        if self.spec.choices is not None:
            truths = {answer: outcome[0] for answer, outcome in self._choice_outcomes().items()}

            def decide(known: Mapping[str, Any]) -> Truth:
                answer = known[name]
                try:
                    return truths[answer]
                except (KeyError, TypeError):  # not known, or not one of the choices
                    return check(known)[0]

            return decide
        limit, compare = self.limit, self.compare

        def decide_number(known: Mapping[str, Any]) -> Truth:
            answer = known[name]
            return None if answer is None else compare(answer, limit)

        return decide_number

    def test(self, answer: Any) -> bool:
        """Compare a known answer with the value."""
        return self.compare(answer, self.limit)

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


def _kleene(parts: list[Decide], decisive: bool) -> Decide:
    """Compile "all" (decisive: False) or "any" (decisive: True) to its truth alone.

    One part with the decisive truth settles it; else any part unknown makes it
    unknown; else it is the other truth.
    """

    def decide(known: Mapping[str, Any]) -> Truth:
        truth: Truth = not decisive
        for part in parts:
            found = part(known)
            if found is decisive:
                return decisive
            if found is None:
                truth = None
        return truth

    return decide


class All(_Node):
    """True when every part is true; false when any is false; else unknown."""

    all: list[Condition] = Field(min_length=1)

    def _compile(self) -> Check:
        parts = [part.check for part in self.all]

        def check(known: Mapping[str, Any]) -> tuple[Truth, Why]:
            true: Why = ()
            unknown: Why | None = None  # the working of the unknown parts, once there is one
            for part in parts:
                outcome = part(known)
                truth = outcome[0]
                if truth is False:
                    return outcome  # the first part that makes it false
                if truth is None:
                    unknown = outcome[1] if unknown is None else unknown + outcome[1]
                else:
                    true += outcome[1]
            if unknown is not None:
                return None, unknown
            return True, true

        return check

    def _compile_truth(self) -> Decide:
        return _kleene([part.decide for part in self.all], decisive=False)

    def parts(self) -> list[Any]:
        return self.all

    def describe(self) -> dict[str, Any]:
        return {"text": "All of these:", "children": [p.describe() for p in self.all]}


class Any_(_Node):
    """True when any part is true; false when every part is false; else unknown."""

    any: list[Condition] = Field(min_length=1)

    def _compile(self) -> Check:
        parts = [part.check for part in self.any]

        def check(known: Mapping[str, Any]) -> tuple[Truth, Why]:
            outcomes = [part(known) for part in parts]
            true = [o for o in outcomes if o[0] is True]
            if true:
                return True, _joined(true)
            unknown = [o for o in outcomes if o[0] is None]
            if unknown:
                return None, _joined(unknown)
            return False, _joined(outcomes)

        return check

    def _compile_truth(self) -> Decide:
        return _kleene([part.decide for part in self.any], decisive=True)

    def parts(self) -> list[Any]:
        return self.any

    def describe(self) -> dict[str, Any]:
        return {"text": "Any of these:", "children": [p.describe() for p in self.any]}


class Not(_Node):
    """The opposite of its part; unknown stays unknown."""

    not_: Condition = Field(alias="not")

    def _compile(self) -> Check:
        part = self.not_.check

        def check(known: Mapping[str, Any]) -> tuple[Truth, Why]:
            truth, why = part(known)
            return (None if truth is None else not truth), why

        return check

    def _compile_truth(self) -> Decide:
        part = self.not_.decide

        def decide(known: Mapping[str, Any]) -> Truth:
            truth = part(known)
            return None if truth is None else not truth

        return decide

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

    def _compile(self) -> Check:
        parts, n = [part.check for part in self.at_least.of], self.at_least.n

        def check(known: Mapping[str, Any]) -> tuple[Truth, Why]:
            outcomes = [part(known) for part in parts]
            true = [o for o in outcomes if o[0] is True]
            unknown = [o for o in outcomes if o[0] is None]
            if len(true) >= n:
                return True, _joined(true)
            if len(true) + len(unknown) < n:
                return False, _joined([o for o in outcomes if o[0] is False])
            return None, _joined(unknown)

        return check

    def _compile_truth(self) -> Decide:
        parts, n = [part.decide for part in self.at_least.of], self.at_least.n

        def decide(known: Mapping[str, Any]) -> Truth:
            truths = [part(known) for part in parts]
            true = truths.count(True)
            if true >= n:
                return True
            return False if true + truths.count(None) < n else None

        return decide

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
