"""Golden answers: each teaching case's full API answer, kept as a reviewed JSON file.

One file per case id, pretty-printed with sorted keys. `tests/test_goldens.py` compares them on
every run and never writes them; only `python -m tests.goldens --write` does, printing the diff
of what it changed so that the change can be reviewed before it is committed.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from calculator.core.cases import Case

from ..helpers import ASSESS_URL

HERE = Path(__file__).resolve().parent
WRITE_COMMAND = ".venv/bin/python -m tests.goldens --write"


def path_of(case_id: str) -> Path:
    """Return the golden file of one teaching case."""
    return HERE / f"{case_id}.json"


def body_of(case: Case) -> dict[str, Any]:
    """Return the case's answers as cases.yaml gives them, as the API's JSON body."""
    return case.answers.model_dump(mode="json", exclude_unset=True)


def answer_of(client, case: Case) -> dict[str, Any]:
    """POST the case's answers to the API and return its answer."""
    response = client.post(ASSESS_URL, json=body_of(case))
    assert response.status_code == 200, (case.id, response.status_code, response.get_data())
    return response.get_json()


def render(answer: dict[str, Any]) -> str:
    """Write an answer as its golden file holds it: pretty-printed, keys sorted."""
    return json.dumps(answer, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def changes(old: Any, new: Any, where: str = "") -> list[str]:
    """Name each value that differs, factors and cautions by id: "factors[age_over_60].status"."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            line
            for key in sorted(old.keys() | new.keys())
            for line in changes(old.get(key), new.get(key), f"{where}.{key}" if where else key)
        ]
    if isinstance(old, list) and isinstance(new, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in old + new]
        if ids and all(ids):  # factors, cautions: matched by id
            before = {item["id"]: item for item in old}
            after = {item["id"]: item for item in new}
            found = [
                line
                for key in [*before, *(k for k in after if k not in before)]
                for line in changes(before.get(key), after.get(key), f"{where}[{key}]")
            ]
            if [i["id"] for i in old] != [i["id"] for i in new] and set(before) == set(after):
                found.append(f"{where}: the same ids in another order")
            return found
    if old == new:
        return []
    return [
        f"{where}: {json.dumps(old, ensure_ascii=False)[:80]} → "
        f"{json.dumps(new, ensure_ascii=False)[:80]}"
    ]


def diff(old: str, new: str, name: str) -> str:
    """Say what differs from the golden (old) to the answer given now (new): each changed value
    by its place, then the unified diff of the files."""
    named = changes(json.loads(old), json.loads(new)) if old else []
    lines = "".join(f"  {line}\n" for line in named)
    return lines + "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{name} (golden)",
            tofile=f"{name} (answer now)",
        )
    )
