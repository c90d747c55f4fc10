"""The JSON API: the contract of design.md, its errors, and agreement with the form."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.api.models import AssessmentOut, assessment_out
from calculator.core.engine import assess
from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS, Inputs, format_number
from calculator.core.rules import load_rules
from calculator.core.words import DISCLAIMER

from .helpers import ROOT, RULES_PATH

URL = "/api/v3/assess"
RULES = load_rules(RULES_PATH)
# The keys of the answer and of a factor in design.md's contract, in its order.
TOP_KEYS = [
    "rules_version", "reviewed", "disclaimer", "catalogue", "summary", "cautions", "derived",
    "factors",
]  # fmt: skip
FACTOR_KEYS = [
    "id", "title", "effect", "evidence", "status", "applies", "reason", "set_aside_by",
    "missing_inputs", "working",
]  # fmt: skip


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type)


def test_the_response_has_the_contract_shape(client, rules):
    response = post(
        client,
        {"age_at_onset": 64, "anti_jo1": "negative", "ild": "present", "ild_course": "progressive"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert list(body) == TOP_KEYS
    assert body["disclaimer"] == DISCLAIMER
    assert (body["rules_version"], body["reviewed"]) == (
        rules.version,
        rules.reviewed.isoformat(),
    )
    assert [f["id"] for f in body["factors"]] == [rule.id for rule in rules.factors]
    factor = by_id(body["factors"])["age_over_60"]
    assert list(factor) == FACTOR_KEYS
    assert factor["status"] == "present"
    assert factor["reason"] == "Age at onset: 64 years (above 60)"
    assert factor["working"] == [
        {"field": "age_at_onset", "answer": 64, "test": "above 60", "met": True}
    ]
    extensive = by_id(body["factors"])["extensive_ild"]
    assert extensive["status"] == "not_assessed"
    assert extensive["missing_inputs"] == [
        "respiratory_muscle_weakness",
        "hrct_extent",
        "fvc_percent_predicted",
    ]
    assert body["summary"]["adverse_present"] == sum(
        f["status"] == "present" and f["effect"] == "adverse" for f in body["factors"]
    )


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def test_a_negative_anti_jo1_alone_is_not_the_non_jo1_factor(client):
    """The studies compared anti-Jo-1 with another antisynthetase antibody, not with 'negative'."""
    factors = by_id(
        post(client, {"anti_jo1": "negative", "anti_mda5": "positive"}).get_json()["factors"]
    )
    assert factors["jo1_negative"]["status"] == "not_assessed"
    assert factors["jo1_negative"]["missing_inputs"] == ["other_ars_antibody"]
    assert factors["anti_mda5"]["status"] == "present"


@pytest.mark.parametrize(
    ("other", "status"),
    [
        ("pl7", "present"),
        ("other", "present"),
        ("none_detected", "absent"),
        ("not_tested", "not_assessed"),
    ],
)
def test_the_non_jo1_factor_needs_another_antisynthetase_antibody(client, other, status):
    body = post(client, {"anti_jo1": "negative", "other_ars_antibody": other}).get_json()
    assert by_id(body["factors"])["jo1_negative"]["status"] == status


def test_cautions_come_apart_from_the_factors_and_are_never_counted(client, rules):
    body = post(client, {"anti_mda5": "positive", "age_at_onset": 15}).get_json()
    assert [c["id"] for c in body["cautions"]] == ["mda5_phenotype", "juvenile_onset"]
    assert {c["id"] for c in body["cautions"]}.isdisjoint(f["id"] for f in body["factors"])
    caution = body["cautions"][0]
    assert list(caution) == ["id", "title", "reason", "working"]
    assert caution["working"] == [
        {"field": "anti_mda5", "answer": "positive", "test": "is Positive", "met": True}
    ]
    factors = body["factors"]
    assert body["summary"] == {
        "adverse_present": sum(
            f["status"] == "present" and f["effect"] == "adverse" for f in factors
        ),
        "favourable_present": sum(
            f["status"] == "present" and f["effect"] == "favourable" for f in factors
        ),
        "not_assessed": sum(f["status"] == "not_assessed" for f in factors),
        "set_aside": sum(f["set_aside_by"] is not None for f in factors),
    }
    assert post(client, {}).get_json()["cautions"] == []


def test_the_derived_declines_are_returned(client):
    body = post(
        client,
        {
            "ild": "present",
            "fvc_percent_predicted": 70.1,
            "fvc_percent_predicted_year_before": 75.1,
        },
    ).get_json()
    assert body["derived"] == {
        "fvc_decline_past_year": 5.0,
        "dlco_decline_past_year": None,
        "fvc_reflects_lung": None,  # myositis and breathing-muscle weakness not known
        "dlco_reflects_lung": True,
    }


def test_v1_is_gone_and_names_v3(client):
    response = client.post("/api/v1/assess", json={"age_at_onset": 65})
    assert response.status_code == 410
    assert "/api/v3/assess" in response.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("name", ILD_ONLY_FIELDS)
@pytest.mark.parametrize("ild", [None, "absent", "unknown"])
def test_every_ild_only_field_needs_ild_present(client, name, ild):
    value = _known_example(name)
    body = {name: value, **({"ild": ild} if ild else {})}
    response = post(client, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == [name]
    assert errors[0]["message"].startswith("Applies only when ILD is present")
    assert post(client, {**body, "ild": "present"}).status_code == 200
    not_known = None if FIELDS[name].is_number else FIELDS[name].unknown_value
    assert post(client, {**body, name: not_known}).status_code == 200


def _known_example(name: str):
    spec = FIELDS[name]
    return spec.known_choices[0].value if spec.choices else spec.minimum


def test_an_empty_object_means_nothing_is_known(client):
    body = post(client, {}).get_json()
    assert {f["status"] for f in body["factors"]} == {"not_assessed"}
    assert body["disclaimer"] == DISCLAIMER


def test_null_numbers_mean_not_known(client):
    body = post(client, {"age_at_onset": None, "fvc_percent_predicted": None}).get_json()
    assert by_id(body["factors"])["age_over_60"]["status"] == "not_assessed"


def test_a_whole_float_is_an_integer_age(client):
    factors = by_id(post(client, {"age_at_onset": 61.0}).get_json()["factors"])
    assert factors["age_over_60"]["status"] == "present"


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
    ("other_ars_antibody", "jo1"),
    ("anti_ro52", "weak"),
    ("dlco_percent_predicted", 4.9),
    ("fvc_percent_predicted_year_before", 9),
    ("symptoms_worse_past_year", True),
    ("crp_mg_per_l", -1),
    ("crp_mg_per_l", 1000.5),
    ("kl6_u_per_ml", 100001),
    ("ferritin_ng_per_ml", -0.1),
    ("malignancy", "none"),
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
    [("get", URL, 405), ("get", "/api/v4/assess", 404), ("put", URL, 405)],
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
    if chosen.get("dlco_could_not_perform") == "yes":
        chosen.pop("dlco_percent_predicted", None)  # a DLCO value says it was performed
    return chosen


def _as_form(data: dict, crp_unit: str = "mg_per_l") -> dict:
    """Write answers as the form posts them; CRP in mg/L or, divided by 10, in mg/dL."""
    form = {k: (format_number(v) if isinstance(v, float) else str(v)) for k, v in data.items()}
    if "crp_mg_per_l" in data:
        value = Decimal(repr(float(data["crp_mg_per_l"])))
        form["crp_mg_per_l_unit"] = crp_unit
        if crp_unit == "mg_per_dl":
            form["crp_mg_per_l"] = format_number(value / 10)
    return form


def _statuses_in_page(html: str) -> dict[str, str]:
    found = re.findall(r'class="factor factor--(\w+) factor--\w+" id="factor-(\w+)"', html)
    lines = re.findall(r'<li id="factor-(\w+)" class="factor-line-item', html)  # absent, or n/a
    return {rule_id: status for status, rule_id in found} | dict.fromkeys(lines, "absent")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers(), st.sampled_from(["mg_per_l", "mg_per_dl"]))
def test_the_form_and_the_api_give_the_same_statuses(client, data, crp_unit):
    api = post(client, data).get_json()
    page = client.post("/", data=_as_form(data, crp_unit))
    if Inputs.model_validate(data) == Inputs():
        # Nothing known: the form asks for at least one answer; the API says nothing is assessed.
        assert page.status_code == 400
        assert "Answer at least one question" in page.get_data(as_text=True)
        return
    assert page.status_code == 200
    from_api = {f["id"]: f["status"] for f in api["factors"]}
    assert _statuses_in_page(page.get_data(as_text=True)) == from_api


def test_the_answer_is_exactly_the_response_model_in_the_order_of_design_md(client):
    text = post(client, {"anti_mda5": "positive", "ild": "present"}).get_data(as_text=True)
    answer = AssessmentOut.model_validate_json(text)
    assert _without_nulls(json.loads(text)) == answer.model_dump(mode="json", exclude_none=True)
    assert list(json.loads(text)) == TOP_KEYS
    assert list(json.loads(text)["factors"][0]) == FACTOR_KEYS


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_the_readme_example_gives_what_the_readme_shows(client):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The API") :]
    sent = json.loads(re.search(r"-d '(\{.*?\})'", section).group(1))
    shown = re.search(r'"summary": (\{.*?\})', section).group(1)
    body = post(client, sent).get_json()
    assert body["summary"] == json.loads(shown)
    shown_id = re.search(r'"factors": \[\{"id": "(\w+)"', section).group(1)
    factor = by_id(body["factors"])[shown_id]
    flat = re.sub(r"\s+", " ", section)
    assert f'"working": {json.dumps(factor["working"])}' in flat
    assert f'"reason": {json.dumps(factor["reason"])}' in flat


@settings(max_examples=150, deadline=None)
@given(answers())
def test_the_written_answer_says_what_the_assessment_found(data):
    """The answer's summary, derived values and workings are the assessment's."""
    assessment = assess(RULES, Inputs.model_validate(data))
    written = assessment_out(assessment).model_dump(mode="json")
    assert written["summary"] == assessment.summary
    assert written["derived"] == assessment.derived
    found = [
        {
            "id": f.rule.id,
            "status": f.status.value,
            "missing_inputs": list(f.missing_inputs),
            "working": [_step(step) for step in f.working],
        }
        for f in assessment.findings
    ]
    assert [{key: f[key] for key in found[0]} for f in written["factors"]] == found
    assert [(c["id"], c["working"]) for c in written["cautions"]] == [
        (f.rule.id, [_step(step) for step in f.working]) for f in assessment.cautions
    ]


def _step(step) -> dict:
    return {"field": step.field, "answer": step.answer_json, "test": step.test, "met": step.met}
