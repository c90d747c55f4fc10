"""The patient inputs: one model that the form, the API and the rules all share.

Every field's name, label, hint, choices and range is declared here and nowhere
else. Each choice field has exactly one "not known" answer, and an omitted
number means not known too; the engine treats both as unknown, never as "no".
"""

from __future__ import annotations

import difflib
import json
import math
import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


class Choice(StrEnum):
    """An answer to a choice question, with its label; one per enum is "not known"."""

    label: str
    not_known: bool
    what_if: str | None

    def __new__(
        cls, value: str, label: str, not_known: bool = False, what_if: str | None = None
    ) -> Choice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.not_known = not_known
        member.what_if = what_if  # the question a what-if asks, where the label reads badly
        return member

    @classmethod
    def unknown(cls) -> Choice:
        """Return the member that means "not known"."""
        return next(member for member in cls if member.not_known)


class Antibody(Choice):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    NOT_TESTED = "not_tested", "Not tested or result not known", True


class Presence(Choice):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    UNKNOWN = "unknown", "Not known", True


class IldCourse(Choice):
    NON_PROGRESSIVE = "non_progressive", "Non-progressive (stable)"
    PROGRESSIVE = "progressive", "Progressive (chronic, worsening)"
    RAPIDLY_PROGRESSIVE = "rapidly_progressive", "Rapidly progressive"
    UNKNOWN = "unknown", "Not known", True


class HrctExtent(Choice):
    LIMITED = "limited", "Limited (20% of the lungs or less)"
    EXTENSIVE = "extensive", "Extensive (more than 20% of the lungs)"
    INDETERMINATE = "indeterminate", "Indeterminate (extent hard to judge)"
    UNKNOWN = "unknown", "Not known", True


class Malignancy(Choice):
    NONE = "none", "None", False, "What if no cancer had been found?"
    WITHIN_3_YEARS = (
        "within_3_years",
        "Within 3 years before or after onset, or active",
        False,
        "What if cancer had been found within 3 years of onset?",
    )
    OUTSIDE_WINDOW = (
        "outside_window",
        "Only more than 3 years before or after onset",
        False,
        "What if cancer had been found only more than 3 years from onset?",
    )
    UNKNOWN = "unknown", "Not known", True


ILD_ONLY_FIELDS = ("ild_course", "hrct_extent")
MAX_ERRORS = 20
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|[+-]?\.[0-9]+", re.ASCII)


class Inputs(BaseModel):
    """What is known about one patient. Omitted answers mean "not known"."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        title="Inputs",
        json_schema_extra=lambda schema: _ild_rule_in_schema(schema),
    )

    age_at_onset: int | None = Field(
        default=None,
        ge=0,
        le=120,
        title="Age at onset",
        description="Age in years when the disease began. Leave empty if not known.",
        json_schema_extra={"unit": "years"},
    )
    anti_jo1: Antibody = Field(
        default=Antibody.NOT_TESTED,
        title="Anti-Jo-1 antibody",
        description="The most frequent antisynthetase antibody.",
    )
    anti_mda5: Antibody = Field(
        default=Antibody.NOT_TESTED,
        title="Anti-MDA5 antibody",
        description="Linked to rapidly progressive lung disease.",
    )
    myositis: Presence = Field(
        default=Presence.UNKNOWN,
        title="Muscle involvement (myositis)",
        description="Inflammation of the muscles, at any time in the disease.",
    )
    ild: Presence = Field(
        default=Presence.UNKNOWN,
        title="Interstitial lung disease (ILD)",
        description="Lung involvement, usually shown on high-resolution CT.",
    )
    ild_course: IldCourse = Field(
        default=IldCourse.UNKNOWN,
        title="Course of the ILD",
        description="Answer only if ILD is present.",
    )
    hrct_extent: HrctExtent = Field(
        default=HrctExtent.UNKNOWN,
        title="Extent of ILD on HRCT",
        description=(
            "Answer only if ILD is present. Share of the lungs affected on high-resolution CT."
        ),
    )
    fvc_percent_predicted: float | None = Field(
        default=None,
        ge=10,
        le=150,
        title="Forced vital capacity (FVC)",
        description="Percent of predicted, from 10 to 150. Leave empty if not known.",
        json_schema_extra={"unit": "% predicted"},
    )
    diagnostic_delay_months: float | None = Field(
        default=None,
        ge=0,
        le=600,
        title="Delay in diagnosis",
        description=(
            "Months from the first symptom to diagnosis and treatment, from 0 to 600. "
            "Leave empty if not known."
        ),
        json_schema_extra={"unit": "months"},
    )
    malignancy: Malignancy = Field(
        default=Malignancy.UNKNOWN,
        title="Cancer",
        description="Any cancer, and when it was found relative to the onset of the disease.",
    )

    @field_validator("age_at_onset", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """Accept 65.0 as the integer 65, as JSON Schema does; 65.5 stays an error."""
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        return value

    def ild_conflicts(self) -> list[str]:
        """Name the ILD-only fields answered while ILD is not present."""
        return ild_conflicts({n: getattr(self, n) for n in ("ild", *ILD_ONLY_FIELDS)})

    @model_validator(mode="after")
    def _ild_questions_need_ild(self) -> Inputs:
        """Refuse an ILD answer when ILD is not present, rather than drop it."""
        wrong = self.ild_conflicts()
        if wrong:
            raise PydanticCustomError("ild_only", ILD_ONLY_MESSAGE, {"fields": wrong})
        return self


def _ild_rule_in_schema(schema: dict[str, Any]) -> None:
    """State the cross-field rule in the JSON Schema: ILD answers need ILD present."""
    schema["if"] = {"not": {"required": ["ild"], "properties": {"ild": {"const": "present"}}}}
    schema["then"] = {
        "properties": {
            name: {"const": FIELDS[name].choices.unknown().value} for name in ILD_ONLY_FIELDS
        }
    }


ILD_ONLY_MESSAGE = "Applies only when ILD is present: answer 'Not known', or set ILD to 'Present'."


def ild_conflicts(data: dict[str, Any]) -> list[str]:
    """Name the ILD-only fields answered while ILD is not present."""
    if data.get("ild") == Presence.PRESENT.value:
        return []
    return [
        name
        for name in ILD_ONLY_FIELDS
        if name in data
        and FIELDS[name].is_valid_choice(data[name])
        and FIELDS[name].is_known(data[name])
    ]


class InputError(ValueError):
    """The answers given are not valid; `errors` names each bad field."""

    def __init__(self, errors: list[dict[str, str]], malformed: bool = False) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors
        self.malformed = malformed


def parse_json(body: bytes | str) -> Inputs:
    """Validate a JSON object of answers, strictly, as the API receives it."""
    try:
        return Inputs.model_validate_json(body, strict=True)
    except ValidationError as error:
        if error.errors()[0]["type"] == "json_invalid":
            message = error.errors()[0]["msg"].replace("Invalid JSON: ", "")
            raise InputError(
                [{"field": "body", "message": f"The body is not valid JSON: {message}."}],
                malformed=True,
            ) from None
        raise InputError(field_errors(error, _loads_or_empty(body))) from None


def parse_values(data: dict[str, Any]) -> Inputs:
    """Validate answers already turned into Python values, as the form gives them."""
    try:
        return Inputs.model_validate(data)
    except ValidationError as error:
        raise InputError(field_errors(error, data)) from None


def format_number(value: float) -> str:
    """Write a number in full and in plain digits: 65, 69.9999999, 0.00001 (never 1e-05)."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def parse_number(text: str, integer: bool) -> int | float | None:
    """Read a plain decimal number typed in ASCII digits, or return None."""
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number):
        return None
    if integer:
        return int(number) if number.is_integer() else None
    return number


def _loads_or_empty(body: bytes | str) -> dict[str, Any]:
    """Parse a JSON body for the cross-field check; anything else counts as empty."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def field_errors(error: ValidationError, data: dict[str, Any]) -> list[dict[str, str]]:
    """Turn a pydantic error into one plain message per field, in field order.

    The ILD cross-field check is added even when another field failed first,
    so that one submission shows every problem.
    """
    found: dict[str, str] = {}
    items = error.errors(include_url=False)
    for item in items[:MAX_ERRORS]:
        ctx = item.get("ctx") or {}
        where = ".".join(str(p) for p in item["loc"])
        names = ctx.get("fields") or [where if item["loc"] else "body"]  # "" is a key too
        for name in names:
            found.setdefault(name, _message(name, item))
    for name in ild_conflicts(data):
        found.setdefault(name, ILD_ONLY_MESSAGE)
    order = list(Inputs.model_fields)
    listed = [
        {"field": name, "message": found[name]}
        for name in sorted(found, key=lambda n: order.index(n) if n in order else len(order))
    ]
    if len(items) > MAX_ERRORS:
        # So that a reply is never much larger than its request.
        listed.append({"field": "body", "message": f"{len(items) - MAX_ERRORS} more not listed."})
    return listed


def _message(name: str, item: dict[str, Any]) -> str:
    """Say what is wrong with one field, and what would be valid."""
    field = Inputs.model_fields.get(name)
    kind = item["type"]
    if kind == "ild_only":
        return ILD_ONLY_MESSAGE
    if field is None:
        if kind == "extra_forbidden":
            if not name:
                return "A key is empty: name each answer, like \"age_at_onset\"."
            close = difflib.get_close_matches(name, Inputs.model_fields, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else " The fields are listed at /api."
            return f"{_brief(name)} is not a known field.{hint}"
        if kind == "model_type" or kind == "model_attributes_type":
            return 'The body must be a JSON object of answers, like {"age_at_onset": 65}.'
        return item["msg"] + "."
    choice = FIELDS[name].choices
    if choice is not None:
        values = ", ".join(repr(member.value) for member in choice)
        return f"{_brief(item.get('input'))} is not one of {values}."
    return FIELDS[name].number_message


def _brief(value: Any) -> str:
    """Show a value in a message, cut short: a reply must not grow with what was sent."""
    shown = repr(value)
    return shown if len(shown) <= 42 else shown[:40] + "…"


def _choice_type(annotation: Any) -> type[Choice] | None:
    """Return the Choice enum of a field, or None for a number field."""
    if isinstance(annotation, type) and issubclass(annotation, Choice):
        return annotation
    return None


def _bounds(name: str) -> tuple[float, float]:
    """Return the (minimum, maximum) allowed for a number field."""
    low = high = None
    for meta in Inputs.model_fields[name].metadata:
        low = getattr(meta, "ge", low) if getattr(meta, "ge", None) is not None else low
        high = getattr(meta, "le", high) if getattr(meta, "le", None) is not None else high
    return low, high


def _is_integer(name: str) -> bool:
    """Tell whether a number field takes whole numbers only."""
    return "int" in str(Inputs.model_fields[name].annotation)


class FieldSpec:
    """What the form, the rules loader and the pages need to know of one field."""

    def __init__(self, name: str) -> None:
        info = Inputs.model_fields[name]
        self.name = name
        self.label: str = info.title or name
        self.hint: str = info.description or ""
        self.choices: type[Choice] | None = _choice_type(info.annotation)
        self.is_number = self.choices is None
        self.is_integer = self.is_number and _is_integer(name)
        self.minimum, self.maximum = _bounds(name) if self.is_number else (None, None)
        self.unit: str = (info.json_schema_extra or {}).get("unit", "") if self.is_number else ""
        self.ild_only = name in ILD_ONLY_FIELDS
        # Looked up on every comparison the rules make: kept as plain values.
        self.values = frozenset(m.value for m in self.choices or ())
        self.known_choices = tuple(m for m in self.choices or () if not m.not_known)
        self.unknown_value = self.choices.unknown().value if self.choices else None

    @property
    def number_message(self) -> str:
        """Say what a number field accepts."""
        whole = "a whole number" if self.is_integer else "a number"
        return (
            f"Enter {whole} from {self.minimum:g} to {self.maximum:g} {self.unit}, "
            "or leave it empty if not known."
        )

    def describe(self, value: Any) -> str:
        """Say an answer in words, "Not known" for an unknown one."""
        if not self.is_known(value):
            return "Not known"
        if self.choices is not None:
            return self.choices(value).label
        joiner = "" if self.unit.startswith("%") else " "
        return f"{format_number(value)}{joiner}{self.unit}".strip()

    def is_valid_choice(self, value: Any) -> bool:
        """Tell whether a value is one of this choice field's answers."""
        return isinstance(value, str) and value in self.values

    def is_known(self, value: Any) -> bool:
        """Tell whether an answer is known."""
        return value is not None and value != self.unknown_value


FIELDS: dict[str, FieldSpec] = {name: FieldSpec(name) for name in Inputs.model_fields}
