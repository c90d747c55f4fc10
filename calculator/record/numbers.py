"""Numbers from a record or a QuestionnaireResponse, judged as JSON before any conversion.

FHIR's models read a decimal sent as a string ("1E+1000000") as a Decimal, and int() of that
builds a million-digit integer; they read 64.0 as an integer. So the record layer reads each
number it uses from the JSON as sent, and only when this says it is one.
"""

from __future__ import annotations

import math
from typing import Any

# The largest magnitude a number read from a record may have: far beyond any input's range,
# far below where a float loses whole numbers.
NUMBER_LIMIT = 1e9


def is_number(value: Any, integer: bool = False) -> bool:
    """Say whether a JSON value is a finite number of sane size; a string is not a number.

    With `integer`, only a JSON integer (64, never 64.0) is one.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integer and not isinstance(value, int):
        return False
    return math.isfinite(value) and -NUMBER_LIMIT <= value <= NUMBER_LIMIT
