"""The OpenAPI document tells the whole truth: schemathesis runs the API against it."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from openapi_spec_validator import validate

from calculator import create_app

APP = create_app({"SECRET_KEY": "openapi-tests"})
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=200, deadline=None)
def test_the_api_conforms_to_its_openapi_document(case):
    case.call_and_validate()


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
    assert inputs["additionalProperties"] is False
    assert {"type": "integer", "minimum": 0, "maximum": 120} in inputs["properties"][
        "age_at_onset"
    ]["anyOf"]


def test_the_api_page_shows_every_field_without_third_party_assets():
    html = APP.test_client().get("/api").get_data(as_text=True)
    for name in ("age_at_onset", "ild_course", "malignancy", "/api/v1/assess", "422"):
        assert name in html
    assert "cdn" not in html.lower() and 'src="http' not in html
