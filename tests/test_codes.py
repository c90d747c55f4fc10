"""The codes file: each code has a source and fits the inputs; a broken file stops the app."""

from __future__ import annotations

import pytest

from calculator import StartupError, create_app
from calculator.core.inputs import FIELDS
from calculator.record.codes import CodesError, load_codes
from calculator.record.fhir import UCUM_UNITS

from .helpers import ROOT

CODES = ROOT / "calculator" / "codes.yaml"


def test_the_shipped_codes_load_each_with_display_and_source():
    table = load_codes(CODES)
    for code in table.codes:
        assert code.display and code.source, code.id
        for answer in code.answers or []:
            assert answer.display and answer.source, code.id


def test_every_number_field_has_a_ucum_unit():
    for spec in FIELDS.values():
        if spec.is_number:
            assert spec.unit in UCUM_UNITS, spec.name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("codes: []\n", "codes"),
        (
            "codes:\n  - {id: x, system: http://loinc.org, code: '1', display: d, source: s,"
            " resource: Observation, input: crp_mg_per_litre, how: quantity, units: {mg/L: 1}}\n",
            "unknown input 'crp_mg_per_litre'",
        ),
        (
            "codes:\n  - {id: x, system: http://loinc.org, code: '1', display: d, source: s,"
            " resource: Observation, input: anti_mda5, how: coded, answers: [{system: "
            "http://loinc.org, code: a, display: d, answer: maybe, source: s}]}\n",
            "'maybe' is not one of 'anti_mda5'",
        ),
        (
            "codes:\n  - {id: x, system: http://loinc.org, code: '1', display: d,"
            " resource: Condition, input: ild, how: presence}\n",
            "source",
        ),
    ],
)
def test_a_broken_codes_file_is_refused_naming_the_problem(tmp_path, text, problem):
    path = tmp_path / "codes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodesError, match=problem):
        load_codes(path)
    with pytest.raises(StartupError, match="codes file"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "CODES_PATH": str(path)})
