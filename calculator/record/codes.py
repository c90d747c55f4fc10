"""The codes that carry a record's data into the inputs: `codes.yaml`, its schema and loader.

Each code was seen with its display in a named LOINC, SNOMED CT or HL7 source; the
file is checked against the input model at start-up like the rules.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.datafile import DataFileError, load_items_file
from ..core.inputs import FIELDS

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


class How(StrEnum):
    QUANTITY = "quantity"
    CODED = "coded"
    PRESENCE = "presence"
    TIMING = "timing"


class Resource(StrEnum):
    OBSERVATION = "Observation"
    CONDITION = "Condition"


_RESOURCE_OF = {
    How.QUANTITY: Resource.OBSERVATION,
    How.CODED: Resource.OBSERVATION,
    How.PRESENCE: Resource.CONDITION,
    How.TIMING: Resource.CONDITION,
}


class Answer(BaseModel):
    """A coded result, seen with its display and source, and the input's answer it means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(pattern=r"^https?://\S+$")
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Code(BaseModel):
    """One verified code, and the input it fills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    system: str = Field(pattern=r"^https?://\S+$")
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)
    source: str = Field(min_length=1, description="A URL, or repo @ commit and path, where seen.")
    resource: Resource
    input: str
    how: How
    units: dict[str, float] | None = None
    year_before: str | None = None
    answers: list[Answer] | None = None
    refuted_means_absent: bool = False
    onset_gives: str | None = None
    years: int | None = Field(default=None, ge=0, le=100)
    within: str | None = None

    @model_validator(mode="after")
    def _fits_the_inputs(self) -> Code:
        """Check the input, and that each way of mapping has what it needs, and only that."""
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> list[str]:
        spec = FIELDS.get(self.input)
        if spec is None:
            return [f"unknown input {self.input!r}; inputs: {', '.join(FIELDS)}"]
        problems = []
        if self.resource is not _RESOURCE_OF[self.how]:
            problems.append(f"{self.how.value!r} reads a {_RESOURCE_OF[self.how].value}")
        wanted = {
            How.QUANTITY: {"units", "year_before"},
            How.CODED: {"answers"},
            How.PRESENCE: {"refuted_means_absent", "onset_gives"},
            How.TIMING: {"years", "within"},
        }[self.how]
        for key in ("units", "year_before", "answers", "onset_gives", "years", "within"):
            if getattr(self, key) is not None and key not in wanted:
                problems.append(f"{key!r} does not apply to {self.how.value!r}")
        if self.refuted_means_absent and self.how is not How.PRESENCE:
            problems.append("'refuted_means_absent' applies to 'presence' only")
        if self.how is How.QUANTITY:
            if not spec.is_number:
                problems.append(f"{self.input!r} takes choices, not a quantity")
            if not self.units:
                problems.append("a quantity needs 'units' (UCUM code: factor)")
            if self.year_before is not None and self.year_before not in FIELDS:
                problems.append(f"unknown input {self.year_before!r} for 'year_before'")
        else:
            if spec.choices is None:
                problems.append(f"{self.input!r} is a number: use 'quantity'")
                return problems
            needed = {
                How.CODED: [a.answer for a in self.answers or []],
                How.PRESENCE: ["present", *(["absent"] if self.refuted_means_absent else [])],
                How.TIMING: [self.within] if self.within else [],
            }[self.how]
            for value in needed:
                if not spec.is_valid_choice(value) or not spec.is_known(value):
                    known = ", ".join(repr(m.value) for m in spec.known_choices)
                    problems.append(f"{value!r} is not one of {self.input!r}'s answers {known}")
            if self.how is How.CODED and not self.answers:
                problems.append("'coded' needs 'answers'")
            if self.how is How.TIMING and (self.years is None or self.within is None):
                problems.append("'timing' needs 'years' and 'within'")
        if self.onset_gives is not None and not (
            self.onset_gives in FIELDS and FIELDS[self.onset_gives].is_integer
        ):
            problems.append(f"'onset_gives' must name the age input, not {self.onset_gives!r}")
        return problems


class CodeTable(BaseModel):
    """The whole codes file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: list[Code] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_code_once(self) -> CodeTable:
        seen: set[tuple[str, str]] = set()
        for code in self.codes:
            key = (code.system, code.code)
            if key in seen:
                raise ValueError(f"{code.system}|{code.code} is listed more than once")
            seen.add(key)
        return self

    def find(self, system: str | None, code: str | None) -> Code | None:
        """Return the entry for a coding, or None when the code is not in the file."""
        return self._index.get((system or "", code or ""))

    @cached_property
    def _index(self) -> dict[tuple[str, str], Code]:
        return {(c.system, c.code): c for c in self.codes}

    def of(self, resource: Resource) -> list[Code]:
        """Return the codes read from one resource type."""
        return [c for c in self.codes if c.resource is resource]

    @cached_property
    def reached(self) -> tuple[str, ...]:
        """Name the inputs some code can fill, in the input model's order."""
        names = {c.input for c in self.codes} | {c.year_before for c in self.codes}
        names |= {c.onset_gives for c in self.codes}
        return tuple(name for name in FIELDS if name in names)


class CodesError(DataFileError):
    """The codes file cannot be used; every problem found is listed."""

    kind = "codes file"


def load_codes(path: Path | str) -> CodeTable:
    """Read and validate the codes file, or raise CodesError listing every problem."""
    return load_items_file(
        path,
        CodeTable,
        items="codes",
        item_model=Code,
        error=CodesError,
        known_keys=[*Code.model_fields, *Answer.model_fields],
    )
