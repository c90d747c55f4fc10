"""What the form's live summary needs to send the answers to POST /api/v3/assess as typed.

The panel is an enhancement written in static/app.js: it reads the form, turns each number
as the form does (a trailing "%", a decimal comma, the unit chosen) and asks the API. This is
the little it must know of each field: whether it is a number, the factor of each unit the form
offers, the label to name a missing answer with, and where that question is on the page.
"""

from __future__ import annotations

from typing import Any

from ..core.inputs import FIELDS


def live_fields() -> dict[str, dict[str, Any]]:
    """Return, for each input, what the live summary needs to read it and to name it."""
    found: dict[str, dict[str, Any]] = {}
    for order, (name, spec) in enumerate(FIELDS.items()):
        item: dict[str, Any] = {"label": spec.label, "order": order}
        if spec.is_number:
            item["number"] = True
            item["percent"] = spec.is_percent
            item["anchor"] = name
            if spec.form_units:
                item["units"] = {code: factor for code, _label, factor in spec.form_units}
        else:
            item["anchor"] = f"{name}-{next(iter(spec.choices)).value}"
        found[name] = item
    return found


LIVE_FIELDS = live_fields()
