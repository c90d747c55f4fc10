"""The form: bad values are refused beside the field, values are kept, CSRF is enforced."""

from __future__ import annotations

import re

import pytest

from calculator.engine import assess
from calculator.inputs import FIELDS, Inputs
from calculator.report import summary_line

from .helpers import is_checked

NUMBER_FIELDS = [name for name, spec in FIELDS.items() if spec.is_number]
CHOICE_FIELDS = [name for name, spec in FIELDS.items() if not spec.is_number]

BAD_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "1e3",
    "١٢",
    "６５",
    "65,5",
    "abc",
    "0x41",
    "--5",
    "5 5",
    "½",
]
OUT_OF_RANGE = {
    "age_at_onset": ["-1", "121", "65.5", "1000"],
    "fvc_percent_predicted": ["9.99", "150.01", "-5", "999"],
    "diagnostic_delay_months": ["-0.5", "600.1", "10000"],
}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def value_of(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"\s+value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def assert_error_beside(html: str, name: str) -> None:
    assert f'id="{name}-error"' in html
    assert "<title>Error:" in html
    assert "There is a problem" in html
    assert f'href="#{name}' in html


@pytest.mark.parametrize("name", NUMBER_FIELDS)
@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_a_number_that_is_not_a_plain_number_is_refused_and_kept(client, name, typed):
    response = client.post("/", data={name: typed, "anti_jo1": "negative"})
    html = page_text(response)
    assert response.status_code == 400
    assert_error_beside(html, name)
    assert FIELDS[name].number_message.replace("'", "&#39;") in html
    assert value_of(html, name) == typed.replace("&", "&amp;")
    assert is_checked(html, "anti_jo1", "negative")


@pytest.mark.parametrize(
    ("name", "typed"), [(n, v) for n, values in OUT_OF_RANGE.items() for v in values]
)
def test_a_number_out_of_range_is_refused_and_kept(client, name, typed):
    response = client.post("/", data={name: typed})
    html = page_text(response)
    assert response.status_code == 400
    assert_error_beside(html, name)
    assert value_of(html, name) == typed


@pytest.mark.parametrize("name", CHOICE_FIELDS)
def test_a_choice_that_is_not_offered_is_refused(client, name):
    response = client.post(
        "/", data={name: "maybe", "ild": "present"} if name != "ild" else {name: "maybe"}
    )
    html = page_text(response)
    assert response.status_code == 400
    assert_error_beside(html, name)
    assert "&#39;maybe&#39; is not one of" in html


@pytest.mark.parametrize("name", ["ild_course", "hrct_extent"])
@pytest.mark.parametrize("ild", ["absent", "unknown", None])
def test_ild_answers_without_ild_are_an_error_not_dropped(client, name, ild):
    answer = FIELDS[name].choices.__members__
    value = next(m.value for m in FIELDS[name].choices if not m.not_known)
    data = {name: value, **({"ild": ild} if ild else {})}
    response = client.post("/", data=data)
    html = page_text(response)
    assert response.status_code == 400, answer
    assert_error_beside(html, name)
    assert "Applies only when ILD is present" in html
    assert is_checked(html, name, value)


def test_every_error_is_shown_at_once(client):
    response = client.post(
        "/",
        data={
            "age_at_onset": "old",
            "fvc_percent_predicted": "5",
            "ild": "absent",
            "ild_course": "progressive",
            "malignancy": "often",
        },
    )
    html = page_text(response)
    for name in ("age_at_onset", "fvc_percent_predicted", "ild_course", "malignancy"):
        assert f'id="{name}-error"' in html


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_number_means_not_known(client, blank):
    response = client.post("/", data={"age_at_onset": blank})
    html = page_text(response)
    assert response.status_code == 200
    assert "To assess it, answer:</strong> Age at onset" in html


def test_valid_answers_give_the_result_in_the_post_response(client, rules):
    response = client.post(
        "/",
        data={
            "age_at_onset": " 65 ",
            "anti_jo1": "negative",
            "ild": "present",
            "ild_course": "progressive",
            "fvc_percent_predicted": "55.5",
        },
    )
    html = page_text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for rule_id in ("age_over_60", "progressive_ild"):
        assert f'class="factor factor--present factor--adverse" id="factor-{rule_id}"' in html
    expected = assess(
        rules,
        Inputs(
            age_at_onset=65,
            anti_jo1="negative",
            ild="present",
            ild_course="progressive",
            fvc_percent_predicted=55.5,
        ),
    )
    assert summary_line(expected) in html
    assert "Not medical advice" in html
    assert html.count("Not medical advice") >= 2  # at the top and in the footer


def test_the_form_starts_with_nothing_chosen(client):
    html = page_text(client.get("/"))
    assert "checked" not in html
    assert 'value=""' in html
    for name in FIELDS:
        assert f'name="{name}"' in html


def test_change_answers_returns_the_filled_form(client):
    result = page_text(
        client.post(
            "/", data={"age_at_onset": "65", "ild": "present", "ild_course": "rapidly_progressive"}
        )
    )
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', result))
    assert hidden == {"age_at_onset": "65", "ild": "present", "ild_course": "rapidly_progressive"}
    form = page_text(client.post("/", data={**hidden, "action": "change"}))
    assert "Enter what is known" in form
    assert value_of(form, "age_at_onset") == "65"
    assert is_checked(form, "ild_course", "rapidly_progressive")
    assert "There is a problem" not in form


def test_csrf_is_enforced_and_the_answers_are_kept(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/", data={"age_at_onset": "65"})
    html = page_text(response)
    assert response.status_code == 400
    assert "The form had expired" in html
    assert value_of(html, "age_at_onset") == "65"


def test_with_a_valid_csrf_token_the_form_works(csrf_app):
    client = csrf_app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page_text(client.get("/"))
    )
    assert token
    response = client.post("/", data={"csrf_token": token.group(1), "age_at_onset": "70"})
    assert response.status_code == 200
    assert "1 adverse factor present" in page_text(response)


def test_a_form_over_the_size_limit_is_refused(client):
    response = client.post("/", data={"age_at_onset": "6" * 70_000})
    assert response.status_code == 413
    assert "larger than this calculator accepts" in page_text(response)
    assert "Traceback" not in page_text(response)


def test_whole_number_fields_ask_for_a_numeric_keyboard(client):
    html = page_text(client.get("/"))
    assert re.search(r'inputmode="numeric" id="age_at_onset"', html)
    assert re.search(r'inputmode="decimal" id="fvc_percent_predicted"', html)
