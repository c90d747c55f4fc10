"""Every teaching case's full API answer is the reviewed golden in tests/goldens/.

A test never writes a golden: after a reviewed change of the rules, the cases or the API,
rewrite them with `.venv/bin/python -m tests.goldens --write` and review the diff it prints.
"""

from __future__ import annotations

import pytest

from calculator import create_app, resource
from calculator.core.cases import load_cases

from .goldens import HERE, WRITE_COMMAND, answer_of, diff, path_of, render

CASES = load_cases(resource("cases.yaml")).cases


@pytest.fixture(scope="module")
def api():
    app = create_app({"TESTING": True, "SECRET_KEY": "goldens", "WTF_CSRF_ENABLED": False})
    return app.test_client()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_api_answer_of_a_teaching_case_is_its_golden(api, case):
    path = path_of(case.id)
    if not path.exists():
        pytest.fail(f"no golden for teaching case {case.id!r}: write it with {WRITE_COMMAND}")
    golden = path.read_text(encoding="utf-8")
    now = render(answer_of(api, case))
    if now != golden:
        pytest.fail(
            f"teaching case {case.id!r}: the API's answer differs from {path.name}; if the "
            f"change is meant, rewrite the goldens with {WRITE_COMMAND} and review them.\n"
            + diff(golden, now, path.name),
            pytrace=False,
        )


def test_every_golden_is_of_a_teaching_case():
    ids = {case.id for case in CASES}
    assert sorted(p.stem for p in HERE.glob("*.json") if p.stem not in ids) == []
