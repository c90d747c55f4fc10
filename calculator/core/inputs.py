"""The patient inputs: one model that the form, the API and the rules all share.

Every field's name, label, hint, choices, range, group on the form and "only
when" rule is declared here and nowhere else. Each choice field has exactly
one "not known" answer, and an omitted number means not known too; the engine
treats both as unknown, never as "no". Derived quantities (the declines in lung
function over a year) are computed here, exactly, never typed in.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

NOT_KNOWN_VALUES = frozenset({"unknown", "not_tested", "not_known", "not_assessed"})
UNCERTAIN_VALUES = frozenset(
    {"explained_otherwise", "suspected", "outside_window_active", "muscular_or_mixed"}
)
"""Answers that are real answers but leave the rules not knowing: a comparison on one is
unknown unless it names that very value (a caution about cancer outside the window may)."""


class Choice(StrEnum):
    """An answer to a choice question, with its label; one per enum is "not known"."""

    label: str
    short: str
    not_known: bool
    uncertain: bool
    what_if: str | None

    def __new__(
        cls, value: str, label: str, short: str | None = None, what_if: str | None = None
    ) -> Choice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.short = short or label  # said in a reason: "HRCT extent is Indeterminate"
        member.not_known = value in NOT_KNOWN_VALUES
        member.uncertain = value in UNCERTAIN_VALUES
        member.what_if = what_if  # the question a what-if asks, where the label reads badly
        return member

    @classmethod
    def unknown(cls) -> Choice:
        """Return the member that means "not known"."""
        return next(member for member in cls if member.not_known)


class Antibody(Choice):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    NOT_TESTED = "not_tested", "Not tested or result not known", "Not tested"


class OtherArs(Choice):
    PL7 = "pl7", "Anti-PL-7"
    PL12 = "pl12", "Anti-PL-12"
    EJ = "ej", "Anti-EJ"
    OJ = "oj", "Anti-OJ"
    KS = "ks", "Anti-KS"
    ZO = "zo", "Anti-Zo"
    HA = "ha", "Anti-Ha"
    OTHER = "other", "Another antisynthetase antibody", "Another ARS antibody"
    NONE_DETECTED = (
        "none_detected",
        "None detected (a panel covering at least PL-7, PL-12, EJ and OJ was negative)",
        "None detected",
    )
    NOT_TESTED = (
        "not_tested",
        "Not tested (only anti-Jo-1 was tested), or not known",
        "Not tested",
    )


class Presence(Choice):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    UNKNOWN = "unknown", "Not known"


class YesNo(Choice):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Symptoms(Choice):
    YES = "yes", "Yes, from the lung disease", "Yes"
    EXPLAINED_OTHERWISE = (
        "explained_otherwise",
        "Worse, but another cause may explain it (infection, heart failure, anaemia, "
        "pulmonary hypertension, deconditioning, muscle weakness)",
        "Worse, perhaps from another cause",
    )
    NO = "no", "No, or fully explained by another cause", "No"
    UNKNOWN = "unknown", "Not known"


class CtProgression(Choice):
    YES = "yes", "Yes", "Yes"
    EXPLAINED_OTHERWISE = (
        "explained_otherwise",
        "Yes, but another cause may explain it (infection, aspiration, drug toxicity, "
        "heart failure)",
        "Yes, perhaps from another cause",
    )
    NO = "no", "No, or fully explained by another cause", "No"
    UNKNOWN = "unknown", "Not known"


class RespiratoryFailure(Choice):
    PRESENT = "present", "Present, from the lung disease", "From the lung disease"
    MUSCULAR_OR_MIXED = (
        "muscular_or_mixed",
        "From breathing-muscle weakness, or mixed (hypercapnia, non-invasive ventilation)",
        "Muscular or mixed",
    )
    ABSENT = "absent", "Absent"
    UNKNOWN = "unknown", "Not known"


class PulmonaryHypertension(Choice):
    CONFIRMED = (
        "confirmed",
        "Confirmed: pre-capillary, by right-heart catheterisation",
        "Confirmed by catheter",
    )
    SUSPECTED = "suspected", "Suspected on echocardiography only", "Suspected on echo"
    NOT_FOUND = (
        "not_found",
        "Not found: catheterisation without PH, or an echocardiogram with a low probability",
        "Not found",
    )
    NOT_ASSESSED = (
        "not_assessed",
        "Not assessed, or an inconclusive echocardiogram",
        "Not assessed",
    )


class Reflects(Choice):
    """Whether a measurement can be read as a measure of the lung: yes, or not known; never no."""

    YES = "yes", "Yes"
    UNKNOWN = "unknown", "Not known"


class IldCourse(Choice):
    NON_PROGRESSIVE = "non_progressive", "Stable (non-progressive)", "Stable"
    PROGRESSIVE = "progressive", "Progressive (chronic, worsening)", "Progressive"
    RAPIDLY_PROGRESSIVE = (
        "rapidly_progressive",
        "Rapidly progressive (worse over weeks to a few months)",
        "Rapidly progressive",
    )
    UNKNOWN = "unknown", "Not known"


class HrctExtent(Choice):
    LIMITED = "limited", "Limited: clearly 20% of the lungs or less", "Limited"
    EXTENSIVE = "extensive", "Extensive: clearly more than 20% of the lungs", "Extensive"
    INDETERMINATE = (
        "indeterminate",
        "Indeterminate: hard to judge whether more or less than 20%",
        "Indeterminate",
    )
    UNKNOWN = "unknown", "Not known"


class Malignancy(Choice):
    NONE_FOUND = (
        "none_found",
        "Screened, none found so far",
        None,
        "What if screening had found no cancer?",
    )
    WITHIN_3_YEARS = (
        "within_3_years",
        "Cancer found within 3 years before or after onset",
        "Within 3 years of onset",
        "What if cancer had been found within 3 years of onset?",
    )
    OUTSIDE_WINDOW_ACTIVE = (
        "outside_window_active",
        "Cancer more than 3 years from onset, but still active at onset",
        "Outside the window, active at onset",
        "What if cancer outside the 3-year window had still been active at onset?",
    )
    OUTSIDE_WINDOW_INACTIVE = (
        "outside_window_inactive",
        "Only cancer more than 3 years from onset, not active at onset",
        "Only outside the window, not active at onset",
        "What if the only cancer had been more than 3 years from onset, not active then?",
    )
    NOT_KNOWN = "not_known", "Not screened, or not known", "Not known"


@dataclass(frozen=True)
class Meta:
    """What the form and the rules need to know of a field, beyond its type and range."""

    group: str
    unit: str = ""
    only_when: tuple[str, str] | None = None  # (field, value): answered only then
    asked_unless: tuple[str, str] | None = None  # (field, value): the form hides it then (JS)
    form_units: tuple[tuple[str, str, int], ...] = ()  # (code, label, factor to this unit)


ILD_ONLY = ("ild", "present")
CRP_UNITS = (("mg_per_l", "mg/L", 1), ("mg_per_dl", "mg/dL", 10))  # the first is the API's
GROUPS = {
    "patient": "The patient",
    "antibodies": "Antibodies",
    "lungs": "The lungs",
    "progression": "Progression in the past year (2022 criteria)",
    "blood": "Blood tests",
    "history": "History",
}
GROUP_HINTS = {
    "progression": (
        "The 2022 international definition of progressive pulmonary fibrosis: with fibrosis on "
        "CT and no other explanation, at least two of worse symptoms, a fall in lung function "
        "and radiological progression within the past year."
    ),
    "blood": "Values at diagnosis, before treatment, and not during an infection.",
}


MAX_ERRORS = 20


class Inputs(BaseModel):
    """What is known about one patient. Omitted answers mean "not known"."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        title="Inputs",
        json_schema_extra=lambda schema: _only_when_in_schema(schema),
    )

    age_at_onset: Annotated[int | None, Meta("patient", unit="years")] = Field(
        default=None,
        ge=0,
        le=120,
        title="Age at onset",
        description=(
            "Age in years when the disease began, not the age today. Leave empty if not known."
        ),
    )
    myositis: Annotated[Presence, Meta("patient")] = Field(
        default=Presence.UNKNOWN,
        title="Muscle involvement (myositis)",
        description="Inflammation of the muscles, at any time in the disease.",
    )
    respiratory_muscle_weakness: Annotated[
        Presence, Meta("patient", asked_unless=("myositis", "absent"))
    ] = Field(
        default=Presence.UNKNOWN,
        title="Breathing-muscle weakness",
        description=(
            "Could weak breathing muscles be lowering the FVC? Your judgement, supported by "
            "low maximal inspiratory or expiratory pressures, a fall of more than 25% in vital "
            "capacity lying down, breathlessness lying flat, or a raised CO2. Asked when muscle "
            "involvement is present or not known."
        ),
    )
    anti_jo1: Annotated[Antibody, Meta("antibodies")] = Field(
        default=Antibody.NOT_TESTED,
        title="Anti-Jo-1 antibody",
        description="The most frequent antisynthetase antibody.",
    )
    other_ars_antibody: Annotated[OtherArs, Meta("antibodies")] = Field(
        default=OtherArs.NOT_TESTED,
        title="Another antisynthetase antibody",
        description=(
            "From an extended myositis panel. Routine testing for the antibodies other than "
            "anti-Jo-1 is not available everywhere: answer 'Not tested' when only anti-Jo-1 "
            "was tested."
        ),
    )
    anti_mda5: Annotated[Antibody, Meta("antibodies")] = Field(
        default=Antibody.NOT_TESTED,
        title="Anti-MDA5 antibody",
        description=(
            "Usually found in dermatomyositis, often without muscle weakness, rather than in "
            "antisynthetase syndrome."
        ),
    )
    anti_ro52: Annotated[Antibody, Meta("antibodies")] = Field(
        default=Antibody.NOT_TESTED,
        title="Anti-Ro52 antibody",
        description="Anti-Ro52 (TRIM21) itself, not a result for 'SSA/Ro' as a whole.",
    )
    ild: Annotated[Presence, Meta("lungs")] = Field(
        default=Presence.UNKNOWN,
        title="Interstitial lung disease (ILD)",
        description="Lung involvement, usually shown on high-resolution CT (HRCT).",
    )
    ild_course: Annotated[IldCourse, Meta("lungs", only_when=ILD_ONLY)] = Field(
        default=IldCourse.UNKNOWN,
        title="Course of the ILD",
        description="Your judgement of how the lung disease has behaved.",
    )
    hrct_extent: Annotated[HrctExtent, Meta("lungs", only_when=ILD_ONLY)] = Field(
        default=HrctExtent.UNKNOWN,
        title="Extent of ILD on HRCT",
        description="Share of the lungs affected on high-resolution CT.",
    )
    fvc_percent_predicted: Annotated[float | None, Meta("lungs", unit="% predicted")] = Field(
        default=None,
        ge=10,
        le=150,
        title="Forced vital capacity (FVC)",
        description=(
            "Percent of predicted, from 10 to 150: the most recent test. In myositis a low FVC "
            "can come from weak breathing muscles rather than the lungs."
        ),
    )
    dlco_percent_predicted: Annotated[float | None, Meta("lungs", unit="% predicted")] = Field(
        default=None,
        ge=5,
        le=150,
        title="Diffusing capacity (DLCO)",
        description=(
            "Corrected for haemoglobin, percent of predicted, from 5 to 150: the most recent test."
        ),
    )
    dlco_could_not_perform: Annotated[YesNo, Meta("lungs", only_when=ILD_ONLY)] = Field(
        default=YesNo.UNKNOWN,
        title="DLCO could not be performed",
        description=(
            "Yes if the patient could not do the DLCO test because of the lung disease (not "
            "simply not done). A DLCO value given means No."
        ),
    )
    respiratory_failure: Annotated[RespiratoryFailure, Meta("lungs", only_when=ILD_ONLY)] = Field(
        default=RespiratoryFailure.UNKNOWN,
        title="Respiratory failure",
        description=(
            "From the lung disease: for example PaO2 below 60 mmHg (8 kPa) breathing air, or "
            "oxygen needed. Failure from weak breathing muscles, or mixed, is answered apart."
        ),
    )
    pulmonary_hypertension: Annotated[PulmonaryHypertension, Meta("lungs")] = Field(
        default=PulmonaryHypertension.NOT_ASSESSED,
        title="Pulmonary hypertension (PH)",
        description=(
            "Pre-capillary PH confirmed by right-heart catheterisation, or only suspected on "
            "echocardiography (which over-calls it)."
        ),
    )
    fibrosis_on_ct: Annotated[Presence, Meta("progression", only_when=ILD_ONLY)] = Field(
        default=Presence.UNKNOWN,
        title="Fibrosis on CT",
        description="Radiological evidence of pulmonary fibrosis.",
    )
    symptoms_worse_past_year: Annotated[Symptoms, Meta("progression", only_when=ILD_ONLY)] = Field(
        default=Symptoms.UNKNOWN,
        title="Respiratory symptoms worse in the past year",
        description="'Another cause may explain it' leaves this criterion undecided.",
    )
    fvc_percent_predicted_year_before: Annotated[
        float | None, Meta("progression", unit="% predicted", only_when=ILD_ONLY)
    ] = Field(
        default=None,
        ge=10,
        le=150,
        title="FVC up to a year before",
        description=(
            "Percent of predicted, from 10 to 150: the earliest test no more than 12 months "
            "before the most recent one, with the same reference equations."
        ),
    )
    dlco_percent_predicted_year_before: Annotated[
        float | None, Meta("progression", unit="% predicted", only_when=ILD_ONLY)
    ] = Field(
        default=None,
        ge=5,
        le=150,
        title="DLCO up to a year before",
        description=(
            "Percent of predicted, from 5 to 150, corrected for haemoglobin like the most "
            "recent one: the earliest test no more than 12 months before it."
        ),
    )
    ct_progression_past_year: Annotated[CtProgression, Meta("progression", only_when=ILD_ONLY)] = (
        Field(
            default=CtProgression.UNKNOWN,
            title="Radiological progression in the past year",
            description=(
                "Any of: more extensive or more severe traction bronchiectasis or "
                "bronchiolectasis; new ground-glass with traction bronchiectasis; new fine "
                "reticulation; more extensive or coarser reticulation; new or more honeycombing; "
                "more lobar volume loss. 'Another cause may explain it' leaves it undecided."
            ),
        )
    )
    crp_mg_per_l: Annotated[
        float | None,
        Meta("blood", unit="mg/L", form_units=CRP_UNITS),
    ] = Field(
        default=None,
        ge=0,
        le=1000,
        title="C-reactive protein (CRP)",
        description="From 0 to 1000 mg/L (100 mg/dL). 1 mg/dL is 10 mg/L.",
    )
    kl6_u_per_ml: Annotated[float | None, Meta("blood", unit="U/mL")] = Field(
        default=None,
        ge=0,
        le=100000,
        title="KL-6",
        description="From 0 to 100000 U/mL. Values depend on the assay used.",
    )
    ferritin_ng_per_ml: Annotated[float | None, Meta("blood", unit="ng/mL")] = Field(
        default=None,
        ge=0,
        le=200000,
        title="Ferritin",
        description="From 0 to 200000 ng/mL (the same as µg/L).",
    )
    diagnostic_delay_months: Annotated[float | None, Meta("history", unit="months")] = Field(
        default=None,
        ge=0,
        le=600,
        title="Delay in diagnosis",
        description=(
            "Months from the first symptom to diagnosis and treatment, from 0 to 600. "
            "Leave empty if not known."
        ),
    )
    malignancy: Annotated[Malignancy, Meta("history")] = Field(
        default=Malignancy.NOT_KNOWN,
        title="Cancer",
        description=(
            "Whether screening found cancer, and when relative to the onset of the disease. "
            "Not screened is not known, not 'none'."
        ),
    )

    @field_validator("age_at_onset", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """Accept 65.0 as the integer 65, as JSON Schema does; 65.5 stays an error."""
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        return value

    @model_validator(mode="after")
    def _only_when(self) -> Inputs:
        """Refuse an answer to a question that does not apply, rather than drop it."""
        wrong = only_when_conflicts(vars(self))  # read in place: no copy of the answers
        if wrong:
            raise PydanticCustomError("only_when", ONLY_WHEN_MESSAGE, {"fields": wrong})
        if self.dlco_could_not_perform == "yes" and self.dlco_percent_predicted is not None:
            raise PydanticCustomError(
                "dlco_contradiction", DLCO_CONTRADICTION, {"fields": ["dlco_could_not_perform"]}
            )
        return self


DLCO_CONTRADICTION = (
    "A DLCO value is given, so the test was performed: answer No, or leave the DLCO value empty."
)
ONLY_WHEN_MESSAGE = (
    "Applies only when ILD is present: leave it as not known, or set ILD to Present."
)


def _only_when_in_schema(schema: dict[str, Any]) -> None:
    """State each "only when" rule, and the DLCO that could not be performed, in the JSON Schema
    as if/then, and each field's unit."""
    rules: list[dict[str, Any]] = []
    for (field, value), names in _ONLY_WHEN_BY_CONDITION.items():
        rules.append(
            {
                "if": {"not": {"required": [field], "properties": {field: {"const": value}}}},
                "then": {
                    "properties": {
                        name: (
                            {"type": "null"}
                            if FIELDS[name].is_number
                            else {"const": FIELDS[name].unknown_value}
                        )
                        for name in names
                    }
                },
            }
        )
    # A DLCO that could not be performed has no value (the validator's dlco_contradiction).
    rules.append(
        {
            "if": {
                "required": ["dlco_could_not_perform"],
                "properties": {"dlco_could_not_perform": {"const": YesNo.YES.value}},
            },
            "then": {"properties": {"dlco_percent_predicted": {"type": "null"}}},
        }
    )
    if len(rules) == 1:
        schema.update(rules[0])
    elif rules:
        schema["allOf"] = rules
    for name, prop in schema.get("properties", {}).items():
        if name in FIELDS and FIELDS[name].unit:
            prop["unit"] = FIELDS[name].unit


def only_when_conflicts(data: dict[str, Any], names: Iterable[str] | None = None) -> list[str]:
    """Name the fields answered while the answer they depend on is not given.

    `names` limits the check to some of the fields that depend on another
    (ONLY_WHEN_INVOLVING[name]: those a change of one answer can put at odds).
    """
    wrong = []
    for name in ONLY_WHEN_FIELDS if names is None else names:
        spec = FIELDS[name]
        field, value = spec.only_when  # type: ignore[misc]
        if data.get(field) == value or name not in data:
            continue
        answer = data[name]
        if spec.is_number:
            if answer is not None and _is_number(answer):
                wrong.append(name)
        elif spec.is_valid_choice(answer) and spec.is_known(answer):
            wrong.append(name)
    return wrong


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


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


def lower_first(text: str) -> str:
    """Lower-case a leading capital inside a sentence, unless it starts an acronym (ILD, FVC)."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def format_number(value: float | Decimal) -> str:
    """Write a number in full and in plain digits: 65, 69.9999999, 0.00001 (never 1e-05)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f")


def exact(value: float | int) -> Decimal:
    """Return a number as the decimal that was written: 80.1 is 80.1, not 80.09999…."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


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


_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|[+-]?\.[0-9]+", re.ASCII)


def _loads_or_empty(body: bytes | str) -> dict[str, Any]:
    """Parse a JSON body for the cross-field check; anything else counts as empty."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def field_errors(error: ValidationError, data: dict[str, Any]) -> list[dict[str, str]]:
    """Turn a pydantic error into one plain message per field, in field order.

    The "only when" check is added even when another field failed first, so
    that one submission shows every problem.
    """
    found: dict[str, str] = {}
    items = error.errors(include_url=False)
    for item in items[:MAX_ERRORS]:
        ctx = item.get("ctx") or {}
        where = ".".join(str(p) for p in item["loc"])
        names = ctx.get("fields") or [where if item["loc"] else "body"]  # "" is a key too
        for name in names:
            found.setdefault(name, _message(name, item))
    for name in only_when_conflicts(data):
        found.setdefault(name, ONLY_WHEN_MESSAGE)
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
    if kind == "only_when":
        return ONLY_WHEN_MESSAGE
    if kind == "dlco_contradiction":
        return DLCO_CONTRADICTION
    if field is None:
        if kind == "extra_forbidden":
            if not name:
                return 'A key is empty: name each answer, like "age_at_onset".'
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


def _fieldMeta(name: str) -> Meta:
    """Return the Meta a field was declared with."""
    return next(m for m in Inputs.model_fields[name].metadata if isinstance(m, Meta))


class FieldSpec:
    """What the form, the rules loader and the pages need to know of one quantity."""

    derived = False

    def __init__(self, name: str) -> None:
        info = Inputs.model_fields[name]
        meta = _fieldMeta(name)
        self.name = name
        self.label: str = info.title or name
        self.hint: str = info.description or ""
        self.group = meta.group
        self.choices: type[Choice] | None = _choice_type(info.annotation)
        self.is_number = self.choices is None
        self.is_integer = self.is_number and _is_integer(name)
        self.minimum, self.maximum = _bounds(name) if self.is_number else (None, None)
        self.unit = meta.unit
        self.only_when = meta.only_when
        self.asked_unless = meta.asked_unless
        self.form_units = meta.form_units
        self.inputs: tuple[str, ...] = (name,)
        # Looked up on every comparison the rules make: kept as plain values.
        self.values = frozenset(m.value for m in self.choices or ())
        self.known_choices = tuple(m for m in self.choices or () if not m.not_known)
        self.uncertain = frozenset(m.value for m in self.choices or () if m.uncertain)
        self.unknown_value = self.choices.unknown().value if self.choices else None

    @property
    def is_percent(self) -> bool:
        """Tell whether the number is a percentage ("% predicted"): written and typed with "%"."""
        return self.unit.startswith("%")

    @property
    def ild_only(self) -> bool:
        """Tell whether the question applies only when ILD is present."""
        return self.only_when == ILD_ONLY

    @property
    def number_message(self) -> str:
        """Say what a number field accepts."""
        whole = "a whole number" if self.is_integer else "a number"
        return (
            f"Enter {whole} from {self.minimum:g} to {self.maximum:g} {self.unit}, "
            "or leave it empty if not known."
        )

    def read(self, inputs: Any) -> Any:
        """Return this quantity's answer from the inputs."""
        return getattr(inputs, self.name)

    def unknown_inputs(self, inputs: Any) -> tuple[str, ...]:
        """Name the inputs whose absence leaves this quantity unknown."""
        return self.inputs

    def describe(self, value: Any) -> str:
        """Say an answer in words, "Not known" for an unknown one."""
        if not self.is_known(value):
            return "Not known"
        if self.choices is not None:
            return self.choices(value).label
        return self.with_unit(value)

    def with_unit(self, value: Any) -> str:
        """Write a number with its unit: "65 years", "1 month", "65% predicted"."""
        joiner = "" if self.is_percent else " "
        unit = self.unit[:-1] if value == 1 and self.unit in ("years", "months") else self.unit
        return f"{format_number(value)}{joiner}{unit}".strip()

    def is_valid_choice(self, value: Any) -> bool:
        """Tell whether a value is one of this choice field's answers."""
        return isinstance(value, str) and value in self.values

    def is_known(self, value: Any) -> bool:
        """Tell whether an answer is known."""
        return value is not None and value != self.unknown_value


class DerivedSpec(FieldSpec):
    """A quantity computed from the answers, never typed in."""

    derived = True

    def __init__(self, name: str, label: str, inputs: tuple[str, ...], description: str) -> None:
        self.name = name
        self.label = label
        self.hint = description
        self.group = FIELDS[inputs[-1]].group
        self.only_when = None
        self.asked_unless = None
        self.form_units = ()
        self.inputs = inputs

    def read(self, known: Mapping[str, Any]) -> Any:
        """Compute the quantity from the answers by name."""
        raise NotImplementedError

    def unknown_inputs(self, known: Mapping[str, Any]) -> tuple[str, ...]:
        """Name the inputs that would make it known."""
        return self.inputs


class Decline(DerivedSpec):
    """The earlier value minus the later one, exactly as the decimals entered."""

    def __init__(self, name: str, label: str, earlier: str, later: str, description: str) -> None:
        super().__init__(name, label, (earlier, later), description)
        self.choices = None
        self.is_number = True
        self.is_integer = False
        span = FIELDS[later].maximum - FIELDS[later].minimum
        self.minimum, self.maximum = -span, span
        self.unit = "points"
        self.values = frozenset()
        self.known_choices = ()
        self.uncertain = frozenset()
        self.unknown_value = None

    def read(self, known: Mapping[str, Any]) -> Decimal | None:
        """Compute the decline exactly; None if either value is not known."""
        earlier, later = (known[name] for name in self.inputs)
        if earlier is None or later is None:
            return None
        return exact(earlier) - exact(later)

    def unknown_inputs(self, known: Mapping[str, Any]) -> tuple[str, ...]:
        """Name the values it is computed from that are not known."""
        return tuple(name for name in self.inputs if known[name] is None)

    def with_unit(self, value: Any) -> str:
        """Write a decline: "5 points"."""
        return f"{format_number(value)} {'point' if value == 1 else 'points'}"


class ReflectsLung(DerivedSpec):
    """Whether a lung-function value can be read as a measure of the lung: yes or not known."""

    def __init__(self, name: str, label: str, decide, inputs: tuple[str, ...], hint: str) -> None:
        super().__init__(name, label, inputs, hint)
        self.choices = Reflects
        self.is_number = False
        self.is_integer = False
        self.minimum = self.maximum = None
        self.unit = ""
        self.values = frozenset(m.value for m in Reflects)
        self.known_choices = (Reflects.YES,)
        self.uncertain = frozenset()
        self.unknown_value = Reflects.UNKNOWN.value
        self._decide = decide

    def read(self, known: Mapping[str, Any]) -> Reflects:
        """Return yes when the answers leave no other explanation named, else not known."""
        return Reflects.YES if self._decide(known) else Reflects.UNKNOWN


def _fvc_reflects_lung(known: Mapping[str, Any]) -> bool:
    """Weak breathing muscles may lower the FVC: only their absence, or no myositis, excludes it."""
    weakness = known["respiratory_muscle_weakness"]
    if weakness == "unknown":
        return known["myositis"] == "absent"
    return weakness == "absent"


def _dlco_reflects_lung(known: Mapping[str, Any]) -> bool:
    """Pulmonary hypertension, confirmed or suspected, may lower the DLCO."""
    return known["pulmonary_hypertension"] not in ("confirmed", "suspected")


FIELDS: dict[str, FieldSpec] = {name: FieldSpec(name) for name in Inputs.model_fields}
ONLY_WHEN_FIELDS = tuple(name for name, spec in FIELDS.items() if spec.only_when)
ILD_ONLY_FIELDS = tuple(name for name in ONLY_WHEN_FIELDS if FIELDS[name].ild_only)
ONLY_WHEN_INVOLVING = {
    name: tuple(n for n in ONLY_WHEN_FIELDS if name in (n, FIELDS[n].only_when[0]))  # type: ignore[index]
    for name in FIELDS
}
"""For each field, the fields whose "only when" rule it is part of: a change of that one
answer, in answers that agreed, can put only these at odds with the rest."""
_ONLY_WHEN_BY_CONDITION: dict[tuple[str, str], list[str]] = {}
for _name in ONLY_WHEN_FIELDS:
    _ONLY_WHEN_BY_CONDITION.setdefault(FIELDS[_name].only_when, []).append(_name)  # type: ignore[arg-type]

DERIVED: dict[str, DerivedSpec] = {
    spec.name: spec
    for spec in (
        Decline(
            "fvc_decline_past_year",
            "Fall in FVC over the past year",
            "fvc_percent_predicted_year_before",
            "fvc_percent_predicted",
            "FVC up to a year before minus the most recent FVC, in percentage points of predicted.",
        ),
        Decline(
            "dlco_decline_past_year",
            "Fall in DLCO over the past year",
            "dlco_percent_predicted_year_before",
            "dlco_percent_predicted",
            "DLCO up to a year before minus the most recent DLCO, in percentage points of "
            "predicted.",
        ),
        ReflectsLung(
            "fvc_reflects_lung",
            "FVC reflects the lung",
            _fvc_reflects_lung,
            ("respiratory_muscle_weakness",),
            "Not known while weak breathing muscles may be lowering the FVC.",
        ),
        ReflectsLung(
            "dlco_reflects_lung",
            "DLCO reflects the lung",
            _dlco_reflects_lung,
            ("pulmonary_hypertension",),
            "Not known while pulmonary hypertension, confirmed or suspected, may be lowering it.",
        ),
    )
}
QUANTITIES: dict[str, FieldSpec] = {**FIELDS, **DERIVED}
"""Everything a rule may compare: the inputs, then the derived quantities."""


def derive(known: dict[str, Any]) -> dict[str, Any]:
    """Work out, in place, what the answers imply: the derived quantities, and that a DLCO
    value given means the test could be performed. Return the same dict."""
    if known["dlco_percent_predicted"] is not None:
        known["dlco_could_not_perform"] = YesNo.NO
    for name, spec in DERIVED.items():
        known[name] = spec.read(known)
    return known


def quantities(inputs: Any) -> dict[str, Any]:
    """Return every quantity a rule may compare, by name: the answers, then the derived ones.

    `inputs` is an Inputs, or any object with the answers as attributes. Worked out once
    here, exactly, so that the rules read plain values from a dict.
    """
    return derive(dict(vars(inputs)))


def derived_values(inputs: Inputs) -> dict[str, Any]:
    """Return each derived quantity for JSON: a decline as a number, reflects-lung as
    true or null (never false); null when not known."""
    known = quantities(inputs)
    found: dict[str, Any] = {}
    for name, spec in DERIVED.items():
        value = known[name]
        if spec.is_number:
            found[name] = None if value is None else float(value)
        else:
            found[name] = True if value == "yes" else None
    return found
