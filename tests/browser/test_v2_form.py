"""Contract v2 in the browser: the grouped form, the 2022 progression questions, CRP with its
unit, cautions on the result, keyboard use, and accessibility at 320 px.

Expected results come from rules.yaml through the `form` fixture, never from typed-in counts.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from calculator.core.engine import Status
from calculator.core.inputs import FIELDS, GROUPS, FieldSpec
from calculator.core.words import NOT_APPLICABLE, reason
from calculator.web.forms import FORM_ORDER

from .pages import RESULT_TITLE, given_answers, your_answers

PROGRESSION = GROUPS["progression"]
CRP = FIELDS["crp_mg_per_l"].label
CRP_UNIT = f"Unit of {CRP}"
CRP_RULES_UNIT = FIELDS["crp_mg_per_l"].unit
UNIT_MESSAGE = "Choose the unit of the C-reactive protein value: mg/L or mg/dL."
CAUTIONS = "Cautions: these factors may not apply"


def every_answer() -> dict[str, str]:
    """Answer every question of the form, by label: the first known choice of each, and for
    each number a whole value a quarter of the way through its range; a number that the form
    takes in several units is typed in the last of them (CRP in mg/dL)."""
    answers: dict[str, str] = {}
    for spec in FIELDS.values():
        if spec.choices is not None:
            answers[spec.label] = spec.known_choices[0].label
            if spec.name == "dlco_could_not_perform":  # a DLCO value is given: it was performed
                answers[spec.label] = "No"
            continue
        value = int(spec.minimum + (spec.maximum - spec.minimum) // 4)
        if spec.form_units:
            _, unit, factor = spec.form_units[-1]
            assert value % factor == 0, (spec.name, value, factor)
            value //= factor
            answers[f"Unit of {spec.label}"] = unit
        answers[spec.label] = str(value)
    # So that the questions that apply only with ILD can be answered: its first choice.
    assert answers[FIELDS["ild"].label] == "Present"
    return answers


def question_controls(page: Page, spec: FieldSpec) -> Locator:
    """Return a question's inputs, shown or hidden: its text box, or its radios."""
    if spec.is_number:
        return page.get_by_label(spec.label, exact=True)
    group = page.get_by_role("group", name=spec.label, exact=True, include_hidden=True)
    return group.get_by_role("radio", include_hidden=True)


def expect_every_answer_received(page: Page) -> None:
    """Check the result's "Your answers": one row per question, none of them "Not known"."""
    answers = given_answers(page)
    expect(answers).to_have_count(len(FIELDS))
    expect(answers.filter(has_text=re.compile(r"^Not known$"))).to_have_count(0)
    expect(answers.filter(has_text=NOT_APPLICABLE)).to_have_count(0)


# (a) --------------------------------------------------------------------------------------


def test_the_progression_group_is_hidden_and_disabled_until_ild_is_present(
    page: Page, form
) -> None:
    progression = [spec for spec in FIELDS.values() if spec.group == "progression"]
    assert progression and all(spec.ild_only for spec in progression)
    page.goto("/")
    group = page.get_by_role("group", name=PROGRESSION, exact=True)
    ild = form.question(page, "Interstitial lung disease (ILD)")

    def expect_hidden_and_disabled() -> None:
        expect(group).to_be_hidden()
        expect(page.get_by_role("heading", level=2, name=PROGRESSION)).to_be_hidden()
        for spec in progression:
            controls = question_controls(page, spec)
            expect(controls).to_have_count(1 if spec.is_number else len(spec.choices))
            for control in controls.all():
                expect(control).to_be_hidden()
                expect(control).to_be_disabled()

    expect_hidden_and_disabled()
    for answer in ("Not known", "Absent"):
        ild.get_by_label(answer, exact=True).check()
        expect_hidden_and_disabled()

    ild.get_by_label("Present", exact=True).check()
    expect(group).to_be_visible()
    expect(group.get_by_role("heading", level=2)).to_have_text(PROGRESSION)
    for spec in progression:
        for control in question_controls(page, spec).all():
            expect(control).to_be_visible()
            expect(control).to_be_enabled()
    answers = {"Fibrosis on CT": "Present", "FVC up to a year before": "70"}
    form.fill(page, answers)

    # Hidden again, the answers are kept for later but not sent.
    ild.get_by_label("Absent", exact=True).check()
    expect_hidden_and_disabled()
    ild.get_by_label("Present", exact=True).check()
    form.expect_kept(page, answers)
    ild.get_by_label("Absent", exact=True).check()
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    sent = your_answers(page)
    expect(sent).to_contain_text(f"Fibrosis on CT{NOT_APPLICABLE}")
    expect(sent).to_contain_text(f"FVC up to a year before{NOT_APPLICABLE}")


# (b) --------------------------------------------------------------------------------------


def test_without_javascript_every_question_can_be_answered(no_js_page: Page, form) -> None:
    page = no_js_page
    answers = every_answer()
    expected = form.expected(answers)
    page.goto("/")
    expect(page.get_by_role("group", name=PROGRESSION, exact=True)).to_be_visible()
    expect(form.question(page, CRP_UNIT)).to_be_visible()
    for spec in FIELDS.values():
        for control in question_controls(page, spec).all():
            expect(control).to_be_visible()
            expect(control).to_be_enabled()

    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)
    cautions = page.get_by_role("region", name=CAUTIONS)
    expect(cautions.get_by_role("heading", level=3)).to_have_text(
        [re.compile(rf"{re.escape(title)}$") for title in expected.cautions]
    )
    expect_every_answer_received(page)
    # The CRP reads as it was typed, in its unit, then in the unit the rules use.
    crp_mg_per_l = expected.inputs.crp_mg_per_l
    typed = f"{answers[CRP]} {answers[CRP_UNIT]}"
    expect(your_answers(page)).to_contain_text(f"{CRP}{typed} ({crp_mg_per_l:g} {CRP_RULES_UNIT})")


# (c) --------------------------------------------------------------------------------------


def test_crp_in_mg_per_dl_is_counted_in_mg_per_l(page: Page, form) -> None:
    answers = {
        "Interstitial lung disease (ILD)": "Present",
        CRP: "1.5",
        CRP_UNIT: "mg/dL",
    }
    expected = form.expected(answers)
    assert expected.inputs.crp_mg_per_l == 15
    assert expected.status("raised_crp") is Status.PRESENT
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)
    adverse = page.get_by_role("region", name=re.compile(r"^Adverse factors present$"))
    factor = form.factor(adverse, expected.title("raised_crp"))
    expect(factor.get_by_role("heading", level=3)).to_contain_text("Present: adverse")
    why = factor.get_by_role("paragraph").filter(has_text=re.compile(r"^Why: "))
    because = reason(expected.finding("raised_crp"))
    assert because.endswith(": 15 mg/L (at least 10)"), because
    expect(why).to_have_text(f"Why: {because}.")
    expect(your_answers(page)).to_contain_text(f"{CRP}1.5 mg/dL (15 {CRP_RULES_UNIT})")


def test_a_crp_value_without_a_unit_is_refused_beside_the_field(page: Page, form) -> None:
    answers = {"Interstitial lung disease (ILD)": "Present", CRP: "1.5"}
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=f"{CRP}: {UNIT_MESSAGE}")
    expect(summary.get_by_role("link")).to_have_count(1)
    crp = page.get_by_label(CRP, exact=True)
    expect(crp).to_have_value("1.5")
    expect(crp).to_have_attribute("aria-invalid", "true")
    expect(crp).to_have_accessible_description(re.compile(re.escape(f"Error: {UNIT_MESSAGE}")))
    expect(page.get_by_text(f"Error: {UNIT_MESSAGE}", exact=True)).to_be_visible()
    form.expect_kept(page, answers)
    unit = form.question(page, CRP_UNIT)
    expect(unit.get_by_role("radio", checked=True)).to_have_count(0)

    link.click()
    expect(crp).to_be_focused()
    unit.get_by_label("mg/dL", exact=True).check()
    form.submit(page)
    expected = form.expected({**answers, CRP_UNIT: "mg/dL"})
    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)


# (d) --------------------------------------------------------------------------------------


def test_anti_mda5_shows_the_cautions_above_the_summary(page: Page, form) -> None:
    answers = {"Anti-MDA5 antibody": "Positive"}
    expected = form.expected(answers)
    assert expected.title("mda5_phenotype") in expected.cautions
    form.post(page, answers)

    cautions = page.get_by_role("region", name=CAUTIONS)
    expect(cautions.get_by_role("heading", level=2)).to_have_text(CAUTIONS)
    expect(cautions.get_by_role("heading", level=3)).to_have_text(
        [re.compile(rf"{re.escape(title)}$") for title in expected.cautions]
    )
    expect(cautions).to_contain_text("Because: Anti-MDA5 antibody: Positive.")
    expected.expect_summary(page)
    summary = page.get_by_role("region", name="Summary", exact=True)
    caution_box, summary_box = cautions.bounding_box(), summary.bounding_box()
    assert caution_box and summary_box
    assert caution_box["y"] + caution_box["height"] <= summary_box["y"], (caution_box, summary_box)

    page.emulate_media(media="print")
    expect(cautions).to_be_visible()
    expect(cautions.get_by_role("heading", level=3)).to_have_count(len(expected.cautions))


# (e) --------------------------------------------------------------------------------------


def test_keyboard_alone_answers_every_question_in_order(page: Page, form) -> None:
    answers = every_answer()
    expected = form.expected(answers)
    keys = page.keyboard
    page.goto("/")

    def tab_to(target: Locator) -> None:
        keys.press("Tab")
        expect(target).to_be_focused()

    tab_to(page.get_by_role("link", name="Skip to main content"))
    keys.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    tab_to(page.get_by_role("note").get_by_role("link", name="Read the disclaimer"))
    for spec in (FIELDS[name] for name in FORM_ORDER):  # ILD comes before its questions
        if spec.is_number:
            tab_to(page.get_by_label(spec.label, exact=True))
            keys.type(answers[spec.label])
            if spec.form_units:
                unit = form.question(page, f"Unit of {spec.label}")
                tab_to(unit.get_by_role("radio").first)
                for _ in spec.form_units[1:]:
                    keys.press("ArrowRight")
                chosen = answers[f"Unit of {spec.label}"]
                expect(unit.get_by_label(chosen, exact=True)).to_be_checked()
        else:
            question = form.question(page, spec.label)
            tab_to(question.get_by_role("radio").first)  # none chosen: the first radio
            keys.press("Space")
            labels = [choice.label for choice in spec.choices]
            for _ in range(labels.index(answers[spec.label])):
                keys.press("ArrowDown")  # the arrow keys move and choose
            expect(question.get_by_label(answers[spec.label], exact=True)).to_be_checked()
    tab_to(page.get_by_role("button", name="Show the prognostic factors"))
    keys.press("Enter")

    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)
    expect_every_answer_received(page)


# (f) --------------------------------------------------------------------------------------


def test_the_v2_form_with_errors_is_accessible(
    page: Page, no_js_page: Page, form, no_violations
) -> None:
    # The ILD-only errors can only be sent without JavaScript; axe-core needs JavaScript, so
    # the page the server sent is shown again in a normal page at the same address.
    no_js_page.goto("/")
    form.fill(
        no_js_page,
        {
            "Age at onset": "130",
            "Interstitial lung disease (ILD)": "Absent",
            "Fibrosis on CT": "Present",
            "FVC up to a year before": "70",
            CRP: "12",
        },
    )
    form.submit(no_js_page)
    expect(no_js_page).to_have_title(re.compile(r"^Error: "))
    page.goto("/")
    page.set_content(no_js_page.content())
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(4)
    expect(page.get_by_role("group", name=PROGRESSION, exact=True)).to_be_visible()
    expect(page.get_by_text(f"Error: {UNIT_MESSAGE}", exact=True)).to_be_visible()
    no_violations(page)


def test_the_v2_form_fits_a_320_pixel_screen(page: Page, form) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    form.fill(page, {"Interstitial lung disease (ILD)": "Present"})
    expect(page.get_by_role("group", name=PROGRESSION, exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the form is {width} px wide at 320 px"

    form.fill(page, {"Age at onset": "130", CRP: "12"})
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_text(f"Error: {UNIT_MESSAGE}", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the form with its errors is {width} px wide at 320 px"
