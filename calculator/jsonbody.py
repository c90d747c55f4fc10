"""Strict JSON for the API: a key given twice is an error, never the last one silently kept.

A JSON parser keeps the last of duplicated keys while a form keeps the first,
so the same answers could be read two ways; here neither is chosen.
"""

from __future__ import annotations

import json
from typing import Any

from .inputs import MAX_ERRORS, InputError


def strict(body: bytes) -> bytes:
    """Return the body as it is, or raise InputError naming each key given twice.

    A body that is not JSON is left to the input model, which says why.
    """
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen and key not in repeated:
                repeated.append(key)
            seen.add(key)
        return dict(items)

    try:
        json.loads(body, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return body
    if repeated:
        raise InputError(
            [
                {"field": key, "message": f"{key[:40]!r} is given more than once: give it once."}
                for key in repeated[:MAX_ERRORS]
            ]
        )
    return body
