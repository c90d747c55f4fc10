"""The answers form, built from the input model so that names, labels and choices agree.

The form only carries what the user typed: it never judges a value. Turning
text into numbers is done here, strictly; everything else is judged by the
same pydantic model the API uses.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField

from .inputs import FIELDS, InputError, Inputs, parse_number, parse_values


class AnswersForm(FlaskForm):
    """The calculator's questions; one field per input, named as in the API."""

    @property
    def answer_fields(self) -> list[Field]:
        """Return the answer fields in the order of the input model."""
        return [self[name] for name in FIELDS]

    def to_inputs(self) -> Inputs | None:
        """Return the answers as Inputs, or None after putting each error on its field."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, spec in FIELDS.items():
            text = (self[name].data or "").strip()
            if not text:
                continue
            if spec.is_number:
                number = parse_number(text, spec.is_integer)
                if number is None:
                    errors[name] = spec.number_message
                else:
                    values[name] = number
            else:
                values[name] = text
        try:
            inputs = parse_values(values)
        except InputError as error:
            inputs = None
            for item in error.errors:
                errors.setdefault(item["field"], item["message"])
        for name, message in errors.items():
            self[name].errors = [message]
        return None if errors else inputs


for _name, _spec in FIELDS.items():
    # Plain text fields: the template draws radios from the input model's
    # choices, and the model, not WTForms, judges every value.
    setattr(AnswersForm, _name, StringField(_spec.label, description=_spec.hint))
