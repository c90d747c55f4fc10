"""The OpenAPI document tells the whole truth: schemathesis runs the API against it."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from calculator import create_app
from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS

APP = create_app({"SECRET_KEY": "openapi-tests"})
# v1 is documented only to say that it is gone (410), which no valid request can change.
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP).exclude(path="/api/v1/assess")


def test_v1_is_documented_as_gone():
    operation = APP.test_client().get("/openapi.json").get_json()["paths"]["/api/v1/assess"]
    assert operation["post"]["deprecated"] is True
    assert list(operation["post"]["responses"]) == ["410"]


@schema.parametrize()
@settings(max_examples=200, deadline=None)
def test_the_api_conforms_to_its_openapi_document(case):
    excluded = []
    if case.path == "/fhir/$assess":
        # Its body is documented as a generic FHIR resource: what makes a QuestionnaireResponse
        # valid (FHIR, then the Questionnaire's answers) is not said in JSON Schema, so a
        # schema-valid body is rightly refused (400, 422). Every other check still runs, and
        # tests/test_fhir.py sends it valid and arbitrary bodies.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


def test_the_document_is_valid_openapi_3_1():
    document = APP.test_client().get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_states_the_ild_rule_and_integer_ages():
    inputs = APP.test_client().get("/openapi.json").get_json()["components"]["schemas"]["Inputs"]
    assert inputs["if"] == {
        "not": {"required": ["ild"], "properties": {"ild": {"const": "present"}}}
    }
    assert inputs["then"]["properties"]["ild_course"] == {"const": "unknown"}
    for name in ILD_ONLY_FIELDS:
        expected = (
            {"type": "null"} if FIELDS[name].is_number else {"const": FIELDS[name].unknown_value}
        )
        assert inputs["then"]["properties"][name] == expected, name
    assert inputs["additionalProperties"] is False
    assert {"type": "integer", "minimum": 0, "maximum": 120} in inputs["properties"][
        "age_at_onset"
    ]["anyOf"]


def test_the_api_page_shows_every_field_without_third_party_assets():
    html = APP.test_client().get("/api").get_data(as_text=True)
    for name in (*FIELDS, "/api/v2/assess", "422", "410"):
        assert name in html
    assert "cdn" not in html.lower() and 'src="http' not in html
