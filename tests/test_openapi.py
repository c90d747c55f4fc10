"""The OpenAPI document tells the whole truth: schemathesis runs the API against it."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from openapi_spec_validator import validate

from calculator import create_app
from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS

APP = create_app({"SECRET_KEY": "openapi-tests"})
# Every check, every operation. One setting: a QuestionnaireResponse valid in JSON Schema (and
# so in FHIR) may still give answers the Questionnaire does not take (a code of another
# question, one question twice, an ILD-only answer without ILD): that is a 422 naming the
# linkId, as documented, and the only status besides 200 that valid data may get. A 400 there
# is still a failure: the document promises a structure that FHIR accepts.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-path": "/fhir/$assess",
                "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}},
            }
        ]
    }
)
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)


def test_v1_is_gone_and_not_documented_as_served():
    document = APP.test_client().get("/openapi.json").get_json()
    assert "/api/v1/assess" not in document["paths"]
    assert "410" in document["info"]["description"]
    assert APP.test_client().post("/api/v1/assess", json={}).status_code == 410


def test_assess_documents_a_questionnaire_response_only():
    document = APP.test_client().get("/openapi.json").get_json()
    body = document["paths"]["/fhir/$assess"]["post"]["requestBody"]["content"]
    ref = body["application/fhir+json"]["schema"]["$ref"].rsplit("/", 1)[1]
    resource = document["components"]["schemas"][ref]
    assert resource["properties"]["resourceType"] == {"const": "QuestionnaireResponse"}
    assert "resourceType" in resource["required"]
    answer = APP.test_client().post(
        "/fhir/$assess", data='{"resourceType": null}', content_type="application/fhir+json"
    )
    assert answer.status_code == 400


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
    ild_rule, dlco_rule = inputs["allOf"]
    assert ild_rule["if"] == {
        "not": {"required": ["ild"], "properties": {"ild": {"const": "present"}}}
    }
    assert ild_rule["then"]["properties"]["ild_course"] == {"const": "unknown"}
    for name in ILD_ONLY_FIELDS:
        expected = (
            {"type": "null"} if FIELDS[name].is_number else {"const": FIELDS[name].unknown_value}
        )
        assert ild_rule["then"]["properties"][name] == expected, name
    # A DLCO that could not be performed has no value: said in the document, as the API says it.
    assert dlco_rule["if"]["properties"] == {"dlco_could_not_perform": {"const": "yes"}}
    assert dlco_rule["then"]["properties"] == {"dlco_percent_predicted": {"type": "null"}}
    assert inputs["additionalProperties"] is False
    assert {"type": "integer", "minimum": 0, "maximum": 120} in inputs["properties"][
        "age_at_onset"
    ]["anyOf"]


def test_the_api_page_shows_every_field_without_third_party_assets():
    html = APP.test_client().get("/api").get_data(as_text=True)
    for name in (*FIELDS, "/api/v2/assess", "422", "410"):
        assert name in html
    assert "cdn" not in html.lower() and 'src="http' not in html
