"""CDS Hooks 2.0: our models against the spec's examples, discovery, and the patient-view card."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS
from calculator.core.rules import load_rules
from calculator.record.cdshooks import CardsResponse, Discovery, HookRequest, Source
from calculator.record.codes import UCUM, How, load_codes

from .helpers import ROOT, RULES_PATH, title_of

EXAMPLES = ROOT / "tests" / "data" / "cds-hooks"
SERVICE = "/cds-services/asys-prognostic-factors"
CODES = load_codes(ROOT / "calculator" / "codes.yaml")


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("discovery.json", Discovery),
        ("patient-view-request.json", HookRequest),
        ("cards-response.json", CardsResponse),
        ("no-guidance-response.json", CardsResponse),
    ],
)
def test_our_models_take_the_spec_examples(name, model):
    model.model_validate(example(name))


def test_our_source_model_takes_the_spec_example():
    Source.model_validate(example("source.json")["source"])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("invalid-autolaunchable-response-no-indicator.json", "indicator"),
        ("invalid-system-actions-response-no-description.json", "description"),
    ],
)
def test_our_models_refuse_the_invalid_spec_examples(name, reason):
    with pytest.raises(ValidationError, match=reason):
        CardsResponse.model_validate(example(name))


def test_discovery_lists_the_service_with_prefetch_from_the_codes_file(client):
    body = client.get("/cds-services").get_json()
    Discovery.model_validate(body)
    (service,) = body["services"]
    assert service["hook"] == "patient-view" and service["id"] == "asys-prognostic-factors"
    templates = " ".join(service["prefetch"].values())
    for code in CODES.codes:
        assert f"{code.system}|{code.code}" in templates
    assert "{{context.patientId}}" in service["prefetch"]["patient"]


def hook(prefetch=None, **more) -> dict:
    request = example("patient-view-request.json")
    request.pop("fhirAuthorization")
    request["prefetch"] = prefetch
    if prefetch is None:
        request.pop("prefetch")
    request.update(more)
    return request


def call(client, request) -> dict:
    response = client.post(SERVICE, json=request)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    CardsResponse.model_validate(body)
    return body["cards"][0]


def test_the_spec_request_gets_a_card_saying_what_is_missing(client):
    card = call(client, example("patient-view-request.json"))
    assert card["indicator"] == "info"
    assert "nothing assessed" in card["summary"]
    assert "Not medical advice" in card["detail"]
    assert card["source"]["url"] == "http://localhost/rules"


@pytest.mark.parametrize("prefetch", [None, {}, {"patient": None, "conditions": None}])
def test_no_prefetch_or_an_empty_record_gives_a_card_not_an_error(client, prefetch):
    card = call(client, hook(prefetch))
    assert "Not assessed" in card["detail"]
    assert len(card["summary"]) < 140


PATIENT = {"resourceType": "Patient", "id": "1288992", "birthDate": "1960-03-01"}
SUBJECT = {"reference": "Patient/1288992"}


def condition(code, **more):
    entry = next(c for c in CODES.codes if c.code == code)
    return {
        "resourceType": "Condition",
        "subject": SUBJECT,
        "code": {"coding": [{"system": entry.system, "code": code, "display": entry.display}]},
        **more,
    }


def quantity(code, value, unit, when):
    entry = next(c for c in CODES.codes if c.code == code)
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": SUBJECT,
        "code": {"coding": [{"system": entry.system, "code": code, "display": entry.display}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def coded(code, answer):
    entry = next(c for c in CODES.codes if c.code == code)
    value = next(a for a in entry.answers if a.answer == answer)
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": SUBJECT,
        "code": {"coding": [{"system": entry.system, "code": code}]},
        "effectiveDateTime": "2024-01-01",
        "valueCodeableConcept": {"coding": [{"system": value.system, "code": value.code}]},
    }


def searchset(*resources):
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def record_of(answers) -> list[dict]:
    """Code a teaching case's answers with the verified codes, where a code reaches them."""
    resources: list[dict] = []
    onset = None
    if answers.age_at_onset is not None:
        onset = f"{1960 + answers.age_at_onset}-06-01"
    if answers.myositis == "present":
        resources.append(condition("31384009", **({"onsetDateTime": onset} if onset else {})))
    if answers.ild in ("present", "absent"):
        status = "confirmed" if answers.ild == "present" else "refuted"
        resources.append(
            condition(
                "233703007",
                verificationStatus={
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                            "code": status,
                        }
                    ]
                },
            )
        )
    if answers.anti_mda5 in ("positive", "negative"):
        resources.append(coded("82424-3", answers.anti_mda5.value))
    if answers.fvc_percent_predicted is not None:
        resources.append(quantity("19872-1", answers.fvc_percent_predicted, "%", "2025-06-01"))
    if answers.fvc_percent_predicted_year_before is not None:
        resources.append(
            quantity("19872-1", answers.fvc_percent_predicted_year_before, "%", "2024-07-01")
        )
    if answers.crp_mg_per_l is not None:
        resources.append(quantity("1988-5", answers.crp_mg_per_l / 10, "mg/dL", "2025-01-01"))
    return resources


def reached_only(answers) -> dict:
    """Keep the answers a verified code reaches; the others become not known."""
    kept = {}
    for name in CODES.reached:
        value = getattr(answers, name)
        if name == "malignancy" or not FIELDS[name].is_known(value):
            continue
        if name == "age_at_onset" and answers.myositis != "present":
            continue  # the age is read from a myositis condition's onset only
        if name == "myositis" and value != "present":
            continue  # no record says "no myositis"
        kept[name] = value
    return kept


def test_each_teaching_case_coded_gives_the_factors_its_coded_inputs_give(client, cases):
    for case in cases.cases:
        prefetch = {
            "patient": PATIENT,
            "conditions": searchset(
                *[r for r in record_of(case.answers) if r["resourceType"] == "Condition"]
            ),
            "observations": searchset(
                *[r for r in record_of(case.answers) if r["resourceType"] == "Observation"]
            ),
        }
        card = call(client, hook(prefetch))
        expected = client.post(
            "/api/v3/assess", json=json.loads(json.dumps(reached_only(case.answers)))
        ).get_json()
        for factor in expected["factors"]:
            line = f"**{factor['title']}** ({factor['effect']})"
            assert (line in card["detail"]) == (factor["status"] == "present"), (case.id, line)
        assert ("warning" == card["indicator"]) == bool(
            expected["cautions"] or expected["summary"]["adverse_present"]
        ), case.id


def test_unknown_codes_and_units_leave_inputs_not_known(client):
    other = {
        "resourceType": "Observation",
        "status": "final",
        "subject": SUBJECT,
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
        "effectiveDateTime": "2025-01-01",
        "valueQuantity": {"value": 5000, "system": UCUM, "code": "ng/mL"},
    }
    crp_in_odd_unit = quantity("1988-5", 50, "g/L", "2025-01-01")
    card = call(
        client, hook({"patient": PATIENT, "observations": searchset(other, crp_in_odd_unit)})
    )
    assert "nothing assessed" in card["summary"]
    assert "unit this service does not read" in card["detail"]


def test_birth_date_is_not_age_at_onset(client):
    card = call(client, hook({"patient": PATIENT}))
    assert f"{title_of(load_rules(RULES_PATH), 'age_over_60')}: Not known" in card["detail"]


def test_ild_only_data_wait_for_ild(client):
    fvc = [quantity("19872-1", 60, "%", "2025-06-01"), quantity("19872-1", 75, "%", "2024-08-01")]
    card = call(client, hook({"observations": searchset(*fvc)}))
    assert "Left not known because the record does not show ILD" in card["detail"]
    with_ild = call(
        client,
        hook({"observations": searchset(*fvc), "conditions": searchset(condition("233703007"))}),
    )
    assert "FVC up to a year before: 75% predicted" in with_ild["detail"] or (
        "Progressive pulmonary fibrosis" in with_ild["detail"]
    )


def test_the_year_before_is_the_earliest_result_of_the_12_months_before(client):
    from calculator.record.cdshooks import HookRequest, map_record

    fvc = [
        quantity("19872-1", 60, "%", "2025-06-01"),
        quantity("19872-1", 70, "%", "2025-01-01"),
        quantity("19872-1", 80, "%", "2024-07-01"),
        quantity("19872-1", 90, "%", "2023-01-01"),
    ]
    request = HookRequest.model_validate(
        hook({"observations": searchset(*fvc), "conditions": searchset(condition("233703007"))})
    )
    values = map_record(request, CODES).values
    assert values["fvc_percent_predicted"] == 60
    assert values["fvc_percent_predicted_year_before"] == 80


def test_another_patients_data_are_not_read(client):
    other = quantity("1988-5", 50, "mg/L", "2025-01-01")
    other["subject"] = {"reference": "Patient/someone-else"}
    card = call(client, hook({"observations": searchset(other)}))
    assert "nothing assessed" in card["summary"]


@pytest.mark.parametrize(
    "request_body",
    [
        {},
        {"hook": "patient-view"},
        {
            "hook": "order-sign",
            "hookInstance": "x",
            "context": {"userId": "Practitioner/1", "patientId": "1"},
        },
        {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "1"}},
        [],
    ],
)
def test_a_bad_hook_request_is_a_json_400(client, request_body):
    response = client.post(SERVICE, json=request_body)
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", SERVICE, 405), ("get", "/cds-services/nothing", 404), ("post", "/cds-services", 405)],
)
def test_errors_under_cds_services_are_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json


def test_the_service_takes_json_through_the_csrf_protected_app(csrf_app):
    response = csrf_app.test_client().post(SERVICE, json=hook({}))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_every_reached_input_and_unreached_input_is_said():
    assert set(CODES.reached) <= set(FIELDS)
    assert all(c.how in How for c in CODES.codes)
    assert set(ILD_ONLY_FIELDS) & set(CODES.reached) == {"fvc_percent_predicted_year_before"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "entry",
                    "resource",
                    "code",
                    "coding",
                    "system",
                    "valueQuantity",
                    "value",
                    "subject",
                    "effectiveDateTime",
                    "onsetAge",
                    "birthDate",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)
KINDS = st.sampled_from(["Patient", "Condition", "Observation", "Bundle"])


@given(prefetch=st.dictionaries(st.text(max_size=8), JSON, max_size=3), kind=KINDS)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_service_never_answers_500(client, prefetch, kind):
    for value in prefetch.values():
        if isinstance(value, dict):
            value["resourceType"] = kind
    response = client.post(SERVICE, json=hook(prefetch))
    assert response.status_code == 200


@given(body=JSON)
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_arbitrary_json_never_gets_a_500(client, body):
    response = client.post(SERVICE, data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400)
