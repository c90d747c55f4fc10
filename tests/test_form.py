"""The form: bad values are refused beside the field, values are kept, CSRF is enforced."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from calculator.core.engine import assess
from calculator.core.inputs import DERIVED, FIELDS, GROUPS, ILD_ONLY_FIELDS, Inputs, format_number
from calculator.core.words import glance
from calculator.web.forms import LUNG_ROWS

from .helpers import is_checked, present_in_summary, title_of

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
    "65,5,5",
    "6,5.5",
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


@pytest.mark.parametrize(
    ("name", "typed", "read"),
    [
        ("fvc_percent_predicted", "68%", "68"),
        ("fvc_percent_predicted", "68 %", "68"),
        ("dlco_percent_predicted", "41,5", "41.5"),
        ("crp_mg_per_l", "1,8", "1.8"),
    ],
)
def test_a_percent_sign_and_a_decimal_comma_are_read_as_clinicians_type_them(
    client, name, typed, read
):
    form = {name: typed, "ild": "present"}
    if name == "crp_mg_per_l":
        form["crp_mg_per_l_unit"] = "mg_per_l"
    page = client.post("/", data=form)
    assert page.status_code == 200
    answers = page.get_data(as_text=True)
    assert f'name="{name}" value="{read}"' in answers


def test_a_comma_before_three_digits_is_asked_about_never_guessed(client):
    """1,800 could be 1800 or 1.8: a thousandfold error in KL-6 or ferritin (hazard log)."""
    page = client.post("/", data={"kl6_u_per_ml": "1,800", "ild": "present"})
    assert page.status_code == 400
    html = page_text(page)
    assert_error_beside(html, "kl6_u_per_ml")
    assert "thousands separator" in html
    assert value_of(html, "kl6_u_per_ml") == "1,800"


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


@pytest.mark.parametrize("name", ILD_ONLY_FIELDS)
@pytest.mark.parametrize("ild", ["absent", "unknown", None])
def test_ild_answers_without_ild_are_an_error_not_dropped(client, name, ild):
    spec = FIELDS[name]
    value = format_number(spec.minimum) if spec.is_number else spec.known_choices[0].value
    data = {name: value, **({"ild": ild} if ild else {})}
    response = client.post("/", data=data)
    html = page_text(response)
    assert response.status_code == 400
    assert_error_beside(html, name)
    assert "Applies only when ILD is present" in html
    if spec.is_number:
        assert value_of(html, name) == value
    else:
        assert is_checked(html, name, value)
    assert client.post("/", data={**data, "ild": "present"}).status_code == 200


@pytest.mark.parametrize(
    ("typed", "unit", "in_mg_per_l", "status"),
    [
        ("1", "mg_per_dl", "10", "present"),
        ("0.99", "mg_per_dl", "9.9", "absent"),
        ("1.5", "mg_per_dl", "15", "present"),
        ("10", "mg_per_l", "10", "present"),
        ("9.9", "mg_per_l", "9.9", "absent"),
    ],
)
def test_crp_is_taken_in_either_unit_and_counted_in_mg_per_l(
    client, typed, unit, in_mg_per_l, status
):
    data = {"ild": "present", "crp_mg_per_l": typed, "crp_mg_per_l_unit": unit}
    html = page_text(client.post("/", data=data))
    start = html.index('id="factor-raised_crp"')
    factor = html[start : html.index("</article>" if status == "present" else "</li>", start)]
    assert (f"status status--{status}" in factor) is (status == "present")
    assert f"CRP: {in_mg_per_l} mg/L" in factor
    api = client.post("/api/v3/assess", json={"ild": "present", "crp_mg_per_l": float(in_mg_per_l)})
    crp = next(f for f in api.get_json()["factors"] if f["id"] == "raised_crp")
    assert crp["status"] == status


def test_a_crp_value_without_a_unit_is_an_error_beside_it_and_kept(client):
    response = client.post("/", data={"crp_mg_per_l": "1.5", "age_at_onset": "50"})
    html = page_text(response)
    assert response.status_code == 400
    assert_error_beside(html, "crp_mg_per_l")
    assert "Choose the unit of the C-reactive protein value: mg/L or mg/dL." in html
    assert value_of(html, "crp_mg_per_l") == "1.5"
    assert value_of(html, "age_at_onset") == "50"


def test_a_crp_out_of_range_is_said_in_the_unit_chosen(client):
    data = {"crp_mg_per_l": "150", "crp_mg_per_l_unit": "mg_per_dl"}
    html = page_text(client.post("/", data=data))
    assert "Enter a number from 0 to 100 mg/dL" in html
    assert is_checked(html, "crp_mg_per_l_unit", "mg_per_dl")
    assert value_of(html, "crp_mg_per_l") == "150"


def test_the_form_is_grouped_in_fieldsets_with_the_2022_criteria_for_ild_only(client):
    html = page_text(client.get("/"))
    legends = re.findall(r'<legend class="group-legend"><h2>(.*?)</h2></legend>', html)
    assert legends == list(GROUPS.values())
    start = html.index("Progression in the past year (2022 criteria)")
    fieldset = html[html.rindex("<fieldset", 0, start) : start]
    assert "data-ild-only" in fieldset
    hints = html[start:]
    for feature in ("traction bronchiectasis", "ground-glass", "honeycombing", "volume loss"):
        assert feature in hints


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
    response = client.post("/", data={"age_at_onset": blank, "ild": "absent"})
    html = page_text(response)
    assert response.status_code == 200
    assert "To assess it, answer:</strong> Age at onset" in html


def test_nothing_answered_is_an_error_not_a_result_of_zeros(client):
    response = client.post("/", data={"age_at_onset": " ", "anti_jo1": "not_tested"})
    html = page_text(response)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Answer at least one question" in html
    assert "<title>Error:" in html


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
    assert present_in_summary(html) == [f.rule.id for f in glance(expected).present]
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


def test_csrf_is_enforced_and_the_answers_are_not_echoed(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/", data={"age_at_onset": "65"})
    html = page_text(response)
    assert response.status_code == 400
    assert "The form had expired" in html
    assert value_of(html, "age_at_onset") == ""


def test_with_a_valid_csrf_token_the_form_works(csrf_app):
    client = csrf_app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page_text(client.get("/"))
    )
    assert token
    response = client.post("/", data={"csrf_token": token.group(1), "age_at_onset": "70"})
    assert response.status_code == 200
    assert 'data-present="age_over_60"' in page_text(response)


def test_a_form_over_the_size_limit_is_refused(client):
    response = client.post("/", data={"age_at_onset": "6" * 70_000})
    assert response.status_code == 413
    assert "larger than this calculator accepts" in page_text(response)
    assert "Traceback" not in page_text(response)


def test_whole_number_fields_ask_for_a_numeric_keyboard(client):
    html = page_text(client.get("/"))
    assert re.search(r'inputmode="numeric" id="age_at_onset"', html)
    assert re.search(r'inputmode="decimal" id="fvc_percent_predicted"', html)


# The form follows the record (issue 19, point 4) ----------------------------------------------


def lung_row(html: str, name: str) -> str:
    """Return the table row of the lung-function table that holds a field's input."""
    at = html.index(f'name="{name}"')
    return html[html.rindex("<tr>", 0, at) : html.index("</tr>", at)]


def test_lung_function_now_and_a_year_before_are_one_row_of_a_table(client):
    html = page_text(client.get("/"))
    assert LUNG_ROWS and {row.decline.name for row in LUNG_ROWS} <= set(DERIVED)
    for row in LUNG_ROWS:
        tr = lung_row(html, row.now)
        assert f'name="{row.before}"' in tr
        assert f'<th scope="row" id="{row.now}-row">{FIELDS[row.now].label}</th>' in tr
        for name in (row.now, row.before):  # each input labelled by its own question
            assert f'<label class="visually-hidden" for="{name}">{FIELDS[name].label}</label>' in tr
            assert f'id="{name}-hint"' in html
    table = html[html.index('<table class="lung-table">') : html.index("</table>")]
    assert table.count('<th scope="col"') == 3


@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [
        ("65", "72%", "−7 points"),
        ("41,5", "40", "+1.5 points"),
        ("70", "69", "+1 point"),
        ("60", "60", "0 points"),
        ("60", "9", ""),
        ("60", "", ""),
        ("1,800", "60", ""),
    ],
)
def test_the_change_is_shown_as_typed_when_the_form_comes_back(client, now, before, shown):
    """Without JavaScript the server writes the change when it shows the form again."""
    row = LUNG_ROWS[0]
    data = {"ild": "present", row.now: now, row.before: before, "action": f"change:{row.now}"}
    html = page_text(client.post("/", data=data))
    assert re.search(rf'<output id="{row.decline.name}"[^>]*>{re.escape(shown)}</output>', html)


def crp_typed_in(unit: str) -> dict[str, str]:
    """Answers with CRP typed in a unit the form offers, as a person types it."""
    return {"ild": "present", "crp_mg_per_l": "1,8", "crp_mg_per_l_unit": unit}


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">', html))


def test_the_crp_unit_entered_is_kept_in_the_answers_the_notes_and_change(client):
    spec = FIELDS["crp_mg_per_l"]
    (code, label, factor) = spec.form_units[-1]  # mg/dL: not the API's own unit
    assert factor != 1
    result = page_text(client.post("/", data=crp_typed_in(code)))
    in_rules_unit = f"{format_number(Decimal('1.8') * factor)} {spec.unit}"
    said = f"1.8 {label} ({in_rules_unit})"
    assert f"<dt>{spec.label}</dt><dd>{said}</dd>" in result
    assert f"- {spec.label}: {said}\n" in result  # the text for the notes
    assert f"CRP: {in_rules_unit}" in result  # the reason: in the rules' unit
    kept = hidden_fields(result)
    assert kept["crp_mg_per_l"] == "1.8" and kept["crp_mg_per_l_unit"] == code
    # Change: the form comes back as typed, the unit chosen.
    form = page_text(client.post("/", data={**kept, "action": "change:crp_mg_per_l"}))
    assert value_of(form, "crp_mg_per_l") == "1.8"
    assert is_checked(form, "crp_mg_per_l_unit", code)
    again = page_text(client.post("/", data=kept))
    assert f"<dt>{spec.label}</dt><dd>{said}</dd>" in again


def test_a_what_if_on_the_crp_reads_in_the_unit_it_asks_in(client):
    spec = FIELDS["crp_mg_per_l"]
    code = spec.form_units[-1][0]
    data = {**crp_typed_in(code), "what_if": "crp_mg_per_l=5"}
    html = page_text(client.post("/", data=data))
    assert f"<dt>{spec.label}</dt><dd>5 {spec.unit} <strong>(changed; was 1.8" in html
    assert hidden_fields(html)["crp_mg_per_l_unit"] == code  # the answers given, as typed


def test_after_change_one_button_returns_to_the_result_which_marks_the_change(client):
    answers = {"age_at_onset": "65", "ild": "present", "ild_course": "progressive"}
    form = page_text(client.post("/", data={**answers, "action": "change:age_at_onset"}))
    was = {k: v for k, v in hidden_fields(form).items() if k.startswith("was-")}
    assert was == {f"was-{k}": v for k, v in answers.items()}
    question = form.index('id="age_at_onset"')
    back = form.index("Back to the result with this change")
    assert question < back < form.index('name="myositis"')  # right after the question
    assert form.count("Back to the result with this change") == 1
    row = LUNG_ROWS[0]
    table = page_text(client.post("/", data={**answers, "action": f"change:{row.before}"}))
    back = table.index("Back to the result with this change")
    assert table.index("</table>") < back < table.index(f'id="{row.now}-hint"')  # before hints

    result = page_text(client.post("/", data={**was, **answers, "age_at_onset": "58"}))
    marked = re.findall(r'answers-row--changed"><dt>([^<]*)</dt><dd>([^<]*) <strong', result)
    assert marked == [(FIELDS["age_at_onset"].label, "58 years")]
    assert "(was 65 years)" in result
    same = page_text(client.post("/", data={**was, **answers}))
    assert "answers-row--changed" not in same


def test_the_answers_before_change_survive_an_error(client):
    was = {"was-age_at_onset": "65"}
    form = page_text(client.post("/", data={**was, "age_at_onset": "sixty"}))
    assert "There is a problem" in form
    assert hidden_fields(form)["was-age_at_onset"] == "65"
    assert "Back to the result with this change" not in form  # no question was asked for


def test_a_crp_carried_in_mg_per_dl_means_the_same_value_wherever_it_is_posted(client, rules):
    """Hazard H25: the answers a page carries may hold CRP in the unit typed; every form that
    takes them back converts it, so that 1.8 mg/dL is never read as 1.8 mg/L."""
    spec = FIELDS["crp_mg_per_l"]
    code, _, factor = spec.form_units[-1]
    converted = float(Decimal("1.8") * factor)
    status = {
        value: next(
            f.status.value
            for f in assess(rules, Inputs(ild="present", crp_mg_per_l=value)).findings
            if f.rule.id == "raised_crp"
        )
        for value in (1.8, converted)
    }
    assert status[1.8] != status[converted]  # the unit decides the factor: the test can tell
    result = page_text(client.post("/", data=crp_typed_in(code)))
    kept = hidden_fields(result)
    assert kept["crp_mg_per_l_unit"] == code
    again = page_text(client.post("/", data=kept))
    what_if = page_text(client.post("/", data={**kept, "what_if": "age_at_onset=70"}))
    start = what_if.index('action="/compare"')
    compare_form = what_if[start : what_if.index("</form>", start)]
    compared = page_text(client.post("/compare", data=hidden_fields(compare_form)))
    title = title_of(rules, "raised_crp")
    for page in (result, again, what_if):
        assert f"CRP: {format_number(converted)} {spec.unit}" in page
        assert f'factor--{status[converted]} factor--adverse" id="factor-raised_crp"' in page
    assert f"{title} ({status[converted].replace('_', ' ')}: adverse)" in compared


@pytest.mark.parametrize("action", ["clear", None])
def test_the_answers_before_change_are_never_echoed_by_clear_or_without_a_token(
    client, csrf_app, action
):
    data = {"was-age_at_onset": "65", "age_at_onset": "70"}
    if action:
        page = page_text(client.post("/", data={**data, "action": action}))
    else:
        page = page_text(csrf_app.test_client().post("/", data=data))  # no valid CSRF token
    assert "was-" not in page


def test_a_lung_function_error_is_said_above_its_row_naming_the_value(client):
    row = LUNG_ROWS[0]
    data = {"ild": "present", row.now: "5", row.before: "1,800"}
    response = client.post("/", data=data)
    html = page_text(response)
    assert response.status_code == 400
    errors = html[html.index('<tr class="lung-errors">') : html.index(f'id="{row.now}-row"')]
    for name in (row.now, row.before):
        assert_error_beside(html, name)
        assert f'id="{name}-error"' in errors
        assert f"</span> {FIELDS[name].label}: " in errors
        assert f'aria-describedby="{name}-hint {name}-error"' in lung_row(html, name)
