"""Strict JSON for the API: a key given twice is an error, never the last one silently kept.

A JSON parser keeps the last of duplicated keys while a form keeps the first,
so the same answers could be read two ways; here neither is chosen.
"""

from __future__ import annotations

import json
from typing import Any

from .inputs import MAX_ERRORS, InputError


class _Repeated(Exception):
    """A JSON object gives a key more than once."""


def _unique(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Make one JSON object, or raise _Repeated when a key is given twice."""
    found = dict(items)
    if len(found) != len(items):
        raise _Repeated
    return found


def strict(body: bytes) -> bytes:
    """Return the body as it is, or raise InputError naming each key given twice.

    A body that is not JSON is left to the input model, which says why. Most
    bodies repeat no key: they are parsed once, and only one that does is read
    again to name every key it repeats.
    """
    try:
        json.loads(body, object_pairs_hook=_unique)
    except _Repeated:
        repeated = repeated_keys(body)
        if repeated:
            errors = [_given_twice(key) for key in repeated[:MAX_ERRORS]]
            if len(repeated) > MAX_ERRORS:
                more = len(repeated) - MAX_ERRORS
                errors.append({"field": "body", "message": f"{more} more not listed."})
            raise InputError(errors) from None
    except (ValueError, RecursionError):
        pass
    return body


def _given_twice(key: str) -> dict[str, str]:
    return {"field": key[:60], "message": f"{key[:40]!r} is given more than once: give it once."}


def repeated_keys(body: bytes) -> list[str]:
    """Name each key that some object of a JSON body gives more than once, in order, once.

    A body that is not JSON, even one that repeats a key before it breaks off, names none.
    """
    repeated: dict[str, None] = {}  # ordered, and a set: a list here made the check quadratic

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                repeated[key] = None
            seen.add(key)
        return dict(items)

    try:
        json.loads(body, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return []
    return list(repeated)
