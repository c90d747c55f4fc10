"""FHIR R4: the Questionnaire, CodeSystems and CapabilityStatement, and $assess against the API."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS, Inputs
from calculator.record.fhir import UCUM_UNITS, answer_code

FHIR = "application/fhir+json"
BASE = "http://localhost/fhir/"
QUESTIONNAIRE = BASE + "Questionnaire/asys-prognostic-factors"


def response_for(answers: Inputs | dict) -> dict:
    """Build a QuestionnaireResponse from answers: one item per known answer, flat."""
    values = answers if isinstance(answers, dict) else answers.model_dump()
    items = []
    for name, value in values.items():
        spec = FIELDS[name]
        if not spec.is_known(value):
            continue
        if spec.choices is not None:
            answer = {
                "valueCoding": {
                    "system": BASE + "CodeSystem/asys-answers",
                    "code": answer_code(spec.choices(value)),
                }
            }
        elif spec.is_integer:
            answer = {"valueInteger": value}
        else:
            answer = {"valueDecimal": value}
        items.append({"linkId": name, "answer": [answer]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "item": items,
    }


def post(client, resource, content_type=FHIR):
    return client.post("/fhir/$assess", data=json.dumps(resource), content_type=content_type)


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/fhir/Questionnaire/asys-prognostic-factors", Questionnaire),
        ("/fhir/CodeSystem/asys-answers", CodeSystem),
        ("/fhir/CodeSystem/asys-factors", CodeSystem),
        ("/fhir/metadata", CapabilityStatement),
    ],
)
def test_every_resource_served_parses_with_fhir_resources(client, path, model):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == FHIR
    model.model_validate(response.get_json())


def test_the_questionnaire_is_the_input_model(client, rules):
    q = client.get("/fhir/Questionnaire/asys-prognostic-factors").get_json()
    assert q["version"] == rules.version
    items = {i["linkId"]: i for group in q["item"] for i in group["item"]}
    assert list(items) == list(FIELDS)
    for name, spec in FIELDS.items():
        item = items[name]
        if spec.choices is not None:
            assert item["type"] == "choice"
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            assert codes == [answer_code(m) for m in spec.choices]
        else:
            assert item["type"] == ("integer" if spec.is_integer else "decimal")
            ext = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
            kind = "valueInteger" if spec.is_integer else "valueDecimal"
            assert ext["minValue"][kind] == spec.minimum
            assert ext["maxValue"][kind] == spec.maximum
            assert ext["questionnaire-unit"]["valueCoding"]["code"] == UCUM_UNITS[spec.unit][0]
        if name in ILD_ONLY_FIELDS:
            assert item["enableWhen"][0]["question"] == "ild"
            assert item["enableWhen"][0]["answerCoding"]["code"] == "presence.present"
        elif spec.asked_unless:  # asked as the form asks it: weakness, unless no myositis
            field, value = spec.asked_unless
            assert item["enableWhen"][0]["question"] == field
            assert item["enableWhen"][0]["operator"] == "!="
            assert item["enableWhen"][0]["answerCoding"]["code"].endswith(f".{value}")
        else:
            assert "enableWhen" not in item


def test_the_codesystems_hold_every_answer_and_every_rule(client, rules):
    answers = client.get("/fhir/CodeSystem/asys-answers").get_json()
    codes = {c["code"] for c in answers["concept"]}
    for spec in FIELDS.values():
        for member in spec.choices or ():
            assert answer_code(member) in codes
    assert answers["count"] == len(answers["concept"]) == len(codes)
    factors = client.get("/fhir/CodeSystem/asys-factors").get_json()
    assert [c["code"] for c in factors["concept"]] == [r.id for r in rules.rules]


def test_each_teaching_case_gives_the_statuses_of_the_json_api(client, cases, rules):
    for case in cases.cases:
        response = post(client, response_for(case.answers))
        assert response.status_code == 200, (case.id, response.get_json())
        bundle = response.get_json()
        Bundle.model_validate(bundle)
        api = client.post("/api/v3/assess", json=case.answers.model_dump(mode="json")).get_json()
        expected = {f["id"]: f["status"] for f in api["factors"]}
        observations = [e["resource"] for e in bundle["entry"][1:]]
        got = {}
        for obs in observations:
            rule_id = obs["code"]["coding"][0]["code"]
            reason = obs.get("dataAbsentReason", {}).get("coding", [{}])[0].get("code")
            if reason == "not-applicable":  # a factor that does not apply: status absent
                got[rule_id] = "absent"
            elif reason:
                got[rule_id] = "not_assessed"
            else:
                got[rule_id] = obs["valueCodeableConcept"]["coding"][0]["code"].split(".")[1]
        assert {k: got[k] for k in expected} == expected, case.id
        cautions = {c["id"] for c in api["cautions"]}
        assert {k for k in got if k not in expected and got[k] == "present"} == cautions
        assert len(observations) == len(rules.rules)


def test_the_risk_assessment_names_the_rules_and_carries_the_disclaimer(client, rules):
    bundle = post(client, response_for({"age_at_onset": 65})).get_json()
    assert bundle["type"] == "collection"
    risk = bundle["entry"][0]["resource"]
    assert risk["resourceType"] == "RiskAssessment" and risk["status"] == "final"
    assert rules.version in risk["method"]["text"]
    assert "Not medical advice" in risk["note"][0]["text"]
    assert "prediction" not in risk  # never a probability
    urls = [e["fullUrl"] for e in bundle["entry"][1:]]
    assert [b["reference"] for b in risk["basis"]] == urls


def test_groups_and_not_known_answers_are_read(client):
    resource = response_for({})
    resource["item"] = [
        {
            "linkId": "patient",
            "item": [
                {"linkId": "age_at_onset", "answer": [{"valueInteger": 70}]},
                {"linkId": "myositis"},
            ],
        }
    ]
    bundle = post(client, resource).get_json()
    found = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"][1:]}
    assert found["age_over_60"]["valueCodeableConcept"]["coding"][0]["code"] == "presence.present"


@pytest.mark.parametrize(
    ("item", "link_id"),
    [
        ({"linkId": "age_at_onset", "answer": [{"valueInteger": 200}]}, "age_at_onset"),
        ({"linkId": "age_at_onset", "answer": [{"valueDecimal": 65.5}]}, "age_at_onset"),
        ({"linkId": "crp_mg_per_l", "answer": [{"valueString": "12"}]}, "crp_mg_per_l"),
        (
            {
                "linkId": "anti_jo1",
                "answer": [
                    {
                        "valueCoding": {
                            "system": BASE + "CodeSystem/asys-answers",
                            "code": "presence.present",
                        }
                    }
                ],
            },
            "anti_jo1",
        ),
        ({"linkId": "shoe_size", "answer": [{"valueInteger": 9}]}, "shoe_size"),
        (
            {"linkId": "age_at_onset", "answer": [{"valueInteger": 60}, {"valueInteger": 61}]},
            "age_at_onset",
        ),
        (
            {
                "linkId": "hrct_extent",
                "answer": [
                    {
                        "valueCoding": {
                            "system": BASE + "CodeSystem/asys-answers",
                            "code": "hrct_extent.extensive",
                        }
                    }
                ],
            },
            "hrct_extent",
        ),
    ],
)
def test_a_bad_answer_gets_an_operation_outcome_naming_its_link_id(client, item, link_id):
    resource = response_for({})
    resource["item"] = [item]
    response = post(client, resource)
    assert response.status_code == 422
    assert response.mimetype == FHIR
    body = response.get_json()
    OperationOutcome.model_validate(body)
    assert any(link_id in issue.get("expression", [""])[0] for issue in body["issue"])


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"resourceType": "Patient"}',
        '{"resourceType": "QuestionnaireResponse", "status": "done"}',
        '{"resourceType": "QuestionnaireResponse", "status": "completed", "item": "x"}',
        '{"resourceType": "QuestionnaireResponse", "status": "completed", "status": "completed"}',
    ],
)
def test_a_bad_resource_gets_an_operation_outcome(client, body):
    response = client.post("/fhir/$assess", data=body, content_type=FHIR)
    assert response.status_code == 400
    OperationOutcome.model_validate(response.get_json())


def test_another_questionnaire_is_refused(client):
    resource = response_for({})
    resource["questionnaire"] = "http://example.org/Questionnaire/other"
    response = post(client, resource)
    assert response.status_code == 422
    assert "questionnaire" in response.get_json()["issue"][0]["expression"][0]


@pytest.mark.parametrize(
    ("method", "path", "status", "kwargs"),
    [
        ("get", "/fhir/Patient/1", 404, {}),
        ("get", "/fhir/$assess", 405, {}),
        ("post", "/fhir/$assess", 415, {"data": "x", "content_type": "text/plain"}),
        ("post", "/fhir/$assess", 413, {"data": "x" * 70000, "content_type": FHIR}),
    ],
)
def test_errors_under_fhir_are_operation_outcomes(client, method, path, status, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.mimetype == FHIR
    OperationOutcome.model_validate(response.get_json())


def test_fhir_takes_json_through_the_csrf_protected_app(csrf_app):
    response = post(csrf_app.test_client(), response_for({"age_at_onset": 40}))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "item",
                    "linkId",
                    "answer",
                    "status",
                    "questionnaire",
                    "valueCoding",
                    "valueInteger",
                    "valueDecimal",
                    "code",
                    "system",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(body=JSON)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_assess_never_answers_500(client, body):
    if isinstance(body, dict) and body.get("resourceType") is not None:
        body["resourceType"] = "QuestionnaireResponse"
    response = client.post("/fhir/$assess", data=json.dumps(body), content_type=FHIR)
    assert response.status_code in (200, 400, 422)
    assert response.mimetype == FHIR
