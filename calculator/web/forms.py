"""The answers form, built from the input model so that names, labels and choices agree.

The form only carries what the user typed: it never judges a value. Turning
text into numbers is done here, strictly; everything else is judged by the
same pydantic model the API uses.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from decimal import Decimal
from typing import Any, NamedTuple

from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import Field, Form, StringField
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from ..core.inputs import (
    DERIVED,
    FIELDS,
    GROUP_HINTS,
    GROUPS,
    Decline,
    FieldSpec,
    InputError,
    Inputs,
    exact,
    format_number,
    parse_number,
    parse_values,
)


class LungRow(NamedTuple):
    """A row of the lung-function table: the most recent value, the one up to a year before,
    and the change between them as it is typed (the rules' decline, the other way round)."""

    now: str
    before: str
    decline: Decline


LUNG_ROWS = tuple(
    LungRow(spec.inputs[1], spec.inputs[0], spec)
    for spec in DERIVED.values()
    if isinstance(spec, Decline)
)
LUNG_TABLE = "lung_function"
"""Stands in a group's questions where the lung-function table goes: at its first value."""
LUNG_FIELDS = frozenset(name for row in LUNG_ROWS for name in (row.now, row.before))


class Group(NamedTuple):
    """A fieldset of the form: its questions, and whether it applies only with ILD present.

    `fields` names each question in form order; LUNG_TABLE stands for the lung-function
    table, put in the group of the most recent values, where the first of them was."""

    key: str
    title: str
    hint: str
    fields: tuple[str, ...]
    ild_only: bool
    note: str = ""  # where its questions asked in the lung-function table are


def _laid_out(members: tuple[str, ...]) -> tuple[str, ...]:
    """Return a group's questions with the lung-function values replaced by their table."""
    first = LUNG_ROWS[0].now
    return tuple(
        LUNG_TABLE if name == first else name
        for name in members
        if name == first or name not in LUNG_FIELDS
    )


def _moved_note(members: tuple[str, ...]) -> str:
    """Say where a group's questions asked in the lung-function table are, if it lost any."""
    moved = [FIELDS[n].label for n in members if n in LUNG_FIELDS and n not in _TABLE_MEMBERS]
    if not moved:
        return ""
    return (
        f"{' and '.join(moved)} are asked beside the most recent values, "
        f"under “{GROUPS[_TABLE_GROUP]}”."
    )


_TABLE_GROUP = FIELDS[LUNG_ROWS[0].now].group
_TABLE_MEMBERS = frozenset(n for n, spec in FIELDS.items() if spec.group == _TABLE_GROUP)
FORM_GROUPS = tuple(
    Group(
        key,
        title,
        GROUP_HINTS.get(key, ""),
        _laid_out(members := tuple(name for name, spec in FIELDS.items() if spec.group == key)),
        all(FIELDS[name].ild_only for name in members),
        _moved_note(members),
    )
    for key, title in GROUPS.items()
)

FORM_ORDER = tuple(
    name
    for group in FORM_GROUPS
    for item in group.fields
    for name in (
        [n for row in LUNG_ROWS for n in (row.now, row.before)] if item == LUNG_TABLE else [item]
    )
)
"""Every question in the order the form asks it (and the keyboard reaches it)."""


MASKED_TOKEN_LIMIT = 512  # characters; a masked token has about 250
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def mask_token(token: str) -> str:
    """Return a token hidden under a fresh random pad: base64url(pad + (token XOR pad)).

    Every response then carries different bytes for the same secret, so compressing a page
    (deploy/nginx.conf) cannot reveal the token by its compressed size (BREACH).
    """
    raw = token.encode("ascii")
    pad = secrets.token_bytes(len(raw))
    masked = pad + _xor(raw, pad)
    return base64.urlsafe_b64encode(masked).decode("ascii").rstrip("=")


def unmask_token(masked: Any) -> str:
    """Return the token under a mask made by mask_token; raise ValidationError for anything else."""
    if (
        not isinstance(masked, str)
        or len(masked) > MASKED_TOKEN_LIMIT
        or not BASE64URL.fullmatch(masked)
    ):
        raise ValidationError("The CSRF token is missing or malformed.")
    try:
        data = base64.b64decode(masked + "=" * (-len(masked) % 4), altchars=b"-_", validate=True)
        half = len(data) // 2
        if not data or len(data) % 2:
            raise ValueError("not a pad and a token of the same length")
        raw = _xor(data[half:], data[:half])
        return raw.decode("ascii")
    except (ValueError, binascii.Error):  # UnicodeError is a ValueError
        raise ValidationError("The CSRF token is missing or malformed.") from None


def _xor(data: bytes, pad: bytes) -> bytes:
    """Return two byte strings of the same length XORed together."""
    value = int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")
    return value.to_bytes(len(data), "big")


class MaskedCSRF(CSRF):
    """Flask-WTF's session CSRF token, sent masked afresh on every render (against BREACH).

    The token itself is Flask-WTF's: generate_csrf and validate_csrf keep it in the session
    and judge it as before; only what travels in the page is masked, and unmasked on return.
    """

    def setup_form(self, form: Form) -> list[tuple[str, Any]]:
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Field) -> str:
        token = generate_csrf(secret_key=self.meta.csrf_secret, token_key=self.meta.csrf_field_name)
        return mask_token(token)

    def validate_csrf_token(self, form: Form, field: Field) -> None:
        validate_csrf(
            unmask_token(field.data),
            self.meta.csrf_secret,
            self.meta.csrf_time_limit,
            self.meta.csrf_field_name,
        )


class AnswersForm(FlaskForm):
    """The calculator's questions; one field per input, named as in the API."""

    class Meta:
        csrf_class = MaskedCSRF

    nothing_answered = False  # set when a submission gave no known answer at all

    @property
    def answer_fields(self) -> list[Field]:
        """Return the answer fields in the order of the input model."""
        return [self[name] for name in FIELDS]

    def to_inputs(self) -> Inputs | None:
        """Return the answers as Inputs, or None after putting each error on its field."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        units: dict[str, tuple[str, Decimal]] = {}
        for name, spec in FIELDS.items():
            text = _text(self[name].data)
            if not text:
                continue
            if not spec.is_number:
                values[name] = text
                continue
            typed = as_typed_number(text, spec)
            number = parse_number(typed, spec.is_integer) if typed is not None else None
            if typed is None:
                errors[name] = AMBIGUOUS_COMMA.format(text=text[:20])
            elif number is None:
                errors[name] = spec.number_message
            elif spec.form_units:
                unit = _unit(spec, _text(self[f"{name}_unit"].data))
                if unit is None:
                    errors[name] = _unit_message(spec)
                else:
                    units[name] = unit
                    values[name] = float(exact(number) * unit[1])
            else:
                values[name] = number
        try:
            inputs = parse_values(values)
        except InputError as error:
            inputs = None
            for item in error.errors:
                name = item["field"]
                message = item["message"]
                if name in units and message == FIELDS[name].number_message:
                    message = _range_in(FIELDS[name], *units[name])
                errors.setdefault(name, message)
        for name, message in errors.items():
            self[name].errors = [message]
        return None if errors else inputs

    def typed_number(self, name: str) -> Decimal | None:
        """Return a number field's value as typed, in its own unit; None unless a plain number
        in range."""
        spec = FIELDS[name]
        typed = as_typed_number(_text(self[name].data), spec)
        number = parse_number(typed, spec.is_integer) if typed else None
        if number is None or not spec.minimum <= number <= spec.maximum:
            return None
        return exact(number)

    def change(self, row: LungRow) -> str:
        """Say the change from the value up to a year before to the most recent one, as typed:
        "−7 points"; empty unless both are numbers in range. Never what it means: the rules say."""
        now, before = self.typed_number(row.now), self.typed_number(row.before)
        return "" if now is None or before is None else points(now - before)

    def entered_units(self) -> dict[str, str]:
        """Return the unit each number with a choice of unit was entered in, by field name: for
        display only, so that the answer reads as it was typed (never stored)."""
        found = {}
        for name, spec in FIELDS.items():
            code = _text(self[f"{name}_unit"].data) if spec.form_units else ""
            if _text(self[name].data) and _unit(spec, code) is not None:
                found[name] = code
        return found


def points(change: Decimal) -> str:
    """Write a change in percentage points with its sign: "−7 points", "+2.5 points", "0 points"."""
    sign = "−" if change < 0 else "+" if change > 0 else ""  # a real minus sign
    return f"{sign}{format_number(abs(change))} {'point' if abs(change) == 1 else 'points'}"


WAS = "was"
"""The prefix of the answers a result had, carried by the form opened from its Change buttons,
so that the next result can mark the answers that were changed (display only, never stored)."""


ANSWER_NAMES = frozenset(FIELDS) | {f"{name}_unit" for name, s in FIELDS.items() if s.form_units}


def was_values(data: Any, changing: bool) -> dict[str, str]:
    """Return the answers to carry as they were before Change: those the Change button sent
    with it (`changing`), or those the form already carried (shown again after an error)."""
    prefix = "" if changing else f"{WAS}-"
    return {
        key[len(prefix) :]: value
        for key, value in data.items()
        if key.startswith(prefix) and key[len(prefix) :] in ANSWER_NAMES and isinstance(value, str)
    }


def changed_answers(inputs: Inputs, data: Any) -> dict[str, tuple[Any, dict[str, str]]]:
    """Return the answers that differ from those the result had before Change, each with
    (its earlier value, the units it was entered in); empty when the form carried none."""
    if not any(key.startswith(f"{WAS}-") for key in data):
        return {}
    earlier_form = AnswersForm(formdata=data, prefix=WAS, meta={"csrf": False})
    earlier = earlier_form.to_inputs()
    if earlier is None:
        return {}
    units = earlier_form.entered_units()
    return {
        name: (getattr(earlier, name), units)
        for name in FIELDS
        if getattr(earlier, name) != getattr(inputs, name)
    }


AMBIGUOUS_COMMA = (
    "{text!r} could be a decimal or a thousands separator: write it without the comma "
    "(1800) or with a point (1.8)."
)


def as_typed_number(text: str, spec: FieldSpec) -> str | None:
    """Read a number as clinicians type it: "68%" for a percentage, "1,8" with a decimal comma.

    A comma followed by exactly three digits ("1,800") could be a thousands separator and a
    factor of a thousand apart: None, so that the form asks rather than guesses.
    """
    if spec.is_percent:
        text = text.removesuffix("%").rstrip()
    if "," in text and "." not in text and text.count(",") == 1:
        whole, decimals = text.split(",")
        if len(decimals) == 3:
            return None
        text = f"{whole}.{decimals}"
    return text


def _text(data: Any) -> str:
    """Return what was typed, stripped; anything that is not text counts as nothing."""
    return data.strip() if isinstance(data, str) else ""


def _unit(spec: FieldSpec, code: str) -> tuple[str, Decimal] | None:
    """Return the (label, factor) of a unit the form offers for a field, or None."""
    for value, label, factor in spec.form_units:
        if code == value:
            return label, Decimal(factor)
    return None


def _unit_message(spec: FieldSpec) -> str:
    """Ask for the unit of a number entered without one."""
    labels = " or ".join(label for _, label, _ in spec.form_units)
    return f"Choose the unit of the {spec.label.split(' (')[0]} value: {labels}."


def _range_in(spec: FieldSpec, label: str, factor: Decimal) -> str:
    """Say a field's range in the unit the user chose."""
    low, high = (format_number(Decimal(repr(b)) / factor) for b in (spec.minimum, spec.maximum))
    return f"Enter a number from {low} to {high} {label}, or leave it empty if not known."


for _name, _spec in FIELDS.items():
    # Plain text fields: the template draws radios from the input model's
    # choices, and the model, not WTForms, judges every value.
    setattr(AnswersForm, _name, StringField(_spec.label, description=_spec.hint))
    if _spec.form_units:
        setattr(AnswersForm, f"{_name}_unit", StringField(f"Unit of {_spec.label}"))
