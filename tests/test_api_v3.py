"""API v3: the assessment without rule texts, the catalogue with them, and the versions gone."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from calculator.api.models import AssessmentOut, CatalogueOut
from calculator.core.inputs import FIELDS, Inputs
from calculator.core.words import DISCLAIMER

from .helpers import present_in_summary
from .test_api import answers  # random answers that agree with each other

API = "/api/v3/assess"
CATALOGUE = "/api/v3/rules"


def test_an_answer_names_every_factor_and_carries_no_rule_text(client, rules):
    body = client.post(API, json={"age_at_onset": 64, "ild": "absent"}).get_json()
    AssessmentOut.model_validate(body)
    assert body["disclaimer"] == DISCLAIMER
    assert body["catalogue"] == CATALOGUE
    assert [f["id"] for f in body["factors"]] == [rule.id for rule in rules.factors]
    texts = {text for rule in rules.rules for text in (rule.explanation, rule.caveat) if text}
    flat = json.dumps(body)
    assert not any(text in flat for text in texts)


def test_the_catalogue_has_every_text_and_is_cached_per_rules_version(client, rules):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    catalogue = CatalogueOut.model_validate(response.get_json())
    assert [r.id for r in catalogue.factors] == [rule.id for rule in rules.factors]
    assert [r.id for r in catalogue.cautions] == [rule.id for rule in rules.cautions]
    assert catalogue.disclaimer == DISCLAIMER
    assert response.headers["ETag"] == f'"{rules.version}"'
    assert "public" in response.headers["Cache-Control"]
    assert "max-age" in response.headers["Cache-Control"]
    again = client.get(CATALOGUE, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_assessment_is_never_cached(client):
    assert client.post(API, json={}).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/assess", "/api/v2/assess"])
def test_the_old_versions_are_gone_and_name_v3(client, path):
    response = client.post(path, json={"age_at_onset": 64})
    assert response.status_code == 410
    assert API in response.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_bad_answer_gets_a_422_naming_its_field(client, name):
    bad = "not an answer" if FIELDS[name].is_number else 12345
    response = client.post(API, json={name: bad})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [name]


def test_an_ild_answer_without_ild_is_refused_naming_the_field(client):
    response = client.post(API, json={"ild": "absent", "dlco_could_not_perform": "yes"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "dlco_could_not_perform"


def test_a_dlco_that_could_not_be_performed_beside_a_dlco_value_is_refused(client):
    body = {"ild": "present", "dlco_could_not_perform": "yes", "dlco_percent_predicted": 40}
    response = client.post(API, json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["dlco_could_not_perform"]


def test_an_unknown_key_is_named_and_cut_short(client):
    response = client.post(API, json={"other_cause_excluded": "yes"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "other_cause_excluded"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers())
def test_the_form_and_the_api_agree_on_any_answers(client, data):
    """The page names as present exactly the factors the API finds present."""
    api = client.post(API, json=data).get_json()
    form = {k: str(v) for k, v in data.items()}
    if "crp_mg_per_l" in data:
        form["crp_mg_per_l_unit"] = "mg_per_l"
    page = client.post("/", data=form)
    if not data or Inputs(**data) == Inputs():
        return  # nothing answered: the form asks again
    assert page.status_code == 200
    shown = present_in_summary(page.get_data(as_text=True))
    assert sorted(shown) == sorted(f["id"] for f in api["factors"] if f["status"] == "present")
