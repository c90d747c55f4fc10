"""The JSON API: the contract of design.md, its errors, and agreement with the form."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.inputs import FIELDS, ILD_ONLY_FIELDS
from calculator.report import DISCLAIMER, AssessmentOut

URL = "/api/v1/assess"
# The keys of a factor in design.md's contract, in its order.
FACTOR_KEYS = [
    "id",
    "title",
    "effect",
    "evidence",
    "status",
    "explanation",
    "missing_inputs",
    "references",
]


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type)


def test_the_response_has_the_contract_shape(client):
    response = post(
        client,
        {"age_at_onset": 64, "anti_jo1": "negative", "ild": "present", "ild_course": "progressive"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"rules_version", "disclaimer", "summary", "factors"}
    assert body["disclaimer"] == DISCLAIMER
    assert body["summary"] == {"adverse_present": 3, "favourable_present": 0, "not_assessed": 4}
    assert len(body["factors"]) == 10
    factor = body["factors"][0]
    assert set(factor) == set(FACTOR_KEYS)
    assert (factor["id"], factor["status"]) == ("age_over_60", "present")
    assert factor["references"][0]["pmid"] == "23422076"
    extensive = next(f for f in body["factors"] if f["id"] == "extensive_ild")
    assert extensive["status"] == "not_assessed"
    assert extensive["missing_inputs"] == ["hrct_extent", "fvc_percent_predicted"]


def test_an_empty_object_means_nothing_is_known(client):
    body = post(client, {}).get_json()
    assert {f["status"] for f in body["factors"]} == {"not_assessed"}
    assert body["disclaimer"] == DISCLAIMER


def test_null_numbers_mean_not_known(client):
    body = post(client, {"age_at_onset": None, "fvc_percent_predicted": None}).get_json()
    assert body["factors"][0]["status"] == "not_assessed"


def test_a_whole_float_is_an_integer_age(client):
    assert post(client, {"age_at_onset": 61.0}).get_json()["factors"][0]["status"] == "present"


BAD = [
    ("age_at_onset", 65.5),
    ("age_at_onset", "65"),
    ("age_at_onset", True),
    ("age_at_onset", -1),
    ("age_at_onset", 121),
    ("age_at_onset", 1e309),
    ("age_at_onset", [65]),
    ("fvc_percent_predicted", 9.9),
    ("fvc_percent_predicted", 150.5),
    ("fvc_percent_predicted", "70"),
    ("diagnostic_delay_months", -1),
    ("diagnostic_delay_months", 601),
    ("anti_jo1", "Positive"),
    ("anti_jo1", None),
    ("anti_mda5", "yes"),
    ("myositis", 1),
    ("ild", "present "),
    ("malignancy", "within 3 years"),
    ("hrct_extent", "huge"),
    ("ild_course", "slow"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_value_is_a_422_naming_the_field(client, name, value):
    body = {name: value, **({"ild": "present"} if name in ILD_ONLY_FIELDS else {})}
    response = post(client, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == [name]
    assert errors[0]["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_non_finite_numbers_are_refused(client, literal):
    response = post(client, f'{{"fvc_percent_predicted": {literal}}}')
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "fvc_percent_predicted"


def test_every_bad_field_is_named_unknown_keys_too(client):
    response = post(
        client,
        {
            "age_at_onset": 500,
            "anti_jo1": "maybe",
            "colour": "blue",
            "ild": "absent",
            "hrct_extent": "extensive",
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["age_at_onset", "anti_jo1", "hrct_extent", "colour"]
    assert "'colour' is not a known field" in errors[-1]["message"]
    assert errors[2]["message"].startswith("Applies only when ILD is present")


def test_a_misspelt_key_gets_a_suggestion(client):
    errors = post(client, {"age_at_onsett": 60}).get_json()["errors"]
    assert "Did you mean 'age_at_onset'?" in errors[0]["message"]


@pytest.mark.parametrize("body", ["[]", "null", "65", '"text"'])
def test_a_body_that_is_not_an_object_is_a_422(client, body):
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("body", ["{", "", "{'age_at_onset': 65}", b"\xff\xfe"])
def test_malformed_json_is_a_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_not_sent_as_json_is_a_415(client, content_type):
    response = post(client, '{"age_at_onset": 65}', content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["errors"][0]["field"] == "body"


def test_a_body_over_the_limit_is_a_413(client):
    response = post(client, '{"x": "%s"}' % ("a" * 70_000))
    assert response.status_code == 413
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", URL, 405), ("get", "/api/v2/assess", 404), ("put", URL, 405)],
)
def test_api_errors_are_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.get_json()["errors"][0]["message"]


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


# The whole input space: every field either left out or given any valid answer.
def _answer(name):
    spec = FIELDS[name]
    if spec.choices is not None:
        return st.sampled_from([m.value for m in spec.choices])
    if spec.is_integer:
        return st.integers(int(spec.minimum), int(spec.maximum))
    return st.floats(spec.minimum, spec.maximum, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def answers(draw):
    chosen = {}
    for name in FIELDS:
        if draw(st.booleans()):
            chosen[name] = draw(_answer(name))
    if chosen.get("ild") != "present":
        for name in ILD_ONLY_FIELDS:
            chosen.pop(name, None)
    return chosen


def _as_form(data: dict) -> dict:
    return {k: (f"{v:g}" if isinstance(v, float) else str(v)) for k, v in data.items()}


def _statuses_in_page(html: str) -> dict[str, str]:
    found = re.findall(r'class="factor factor--(\w+) factor--\w+" id="factor-(\w+)"', html)
    return {rule_id: status for status, rule_id in found}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers())
def test_the_form_and_the_api_give_the_same_statuses(client, data):
    api = post(client, data).get_json()
    page = client.post("/", data=_as_form(data))
    assert page.status_code == 200
    from_api = {f["id"]: f["status"] for f in api["factors"]}
    assert _statuses_in_page(page.get_data(as_text=True)) == from_api


def test_the_answer_is_exactly_the_response_model_in_the_order_of_design_md(client):
    text = post(client, {"anti_mda5": "positive", "ild": "present"}).get_data(as_text=True)
    answer = AssessmentOut.model_validate_json(text)
    assert json.loads(text) == answer.model_dump(mode="json", exclude_none=True)
    assert list(json.loads(text)) == ["rules_version", "disclaimer", "summary", "factors"]
    assert list(json.loads(text)["factors"][0]) == FACTOR_KEYS
