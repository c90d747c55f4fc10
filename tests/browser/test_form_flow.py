"""The form as a person uses it: answer, submit, read the result, fix mistakes, change answers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from calculator.core.engine import Status
from calculator.core.inputs import FIELDS, format_number
from calculator.core.rules import Effect
from calculator.core.words import NOT_APPLICABLE, ranked, to_assess
from calculator.web.forms import FORM_ORDER, LUNG_ROWS

from .pages import RESULT_TITLE, choose_what_if, given_answers, your_answers

# Said beside every question that applies only with ILD, and in the error summary.
ILD_ONLY_MESSAGE = "Applies only when ILD is present: leave it as not known, or set ILD to Present."


def section(page: Page, heading: str):
    """Return the result page's section whose heading starts with these words."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(heading)}$"))


def test_result_lists_the_adverse_factors_present_and_the_disclaimer(page: Page, form) -> None:
    expected = form.expected(form.example)
    adverse_titles = [
        f.rule.title for f in ranked(expected.assessment.where(Status.PRESENT, Effect.ADVERSE))
    ]
    assert set(form.example_present) <= expected.ids(Status.PRESENT, Effect.ADVERSE)
    assert not expected.titles(Status.PRESENT, Effect.FAVOURABLE)
    assert not expected.cautions
    form.post(page, form.example)  # the result is under test here, not the typing

    expect(page).to_have_title(RESULT_TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Prognostic factors for these answers"
    )
    expected.expect_summary(page)
    warning = page.get_by_role("note")
    expect(warning).to_contain_text("Not medical advice: ")
    expect(warning.get_by_role("link", name="Read the disclaimer")).to_have_attribute(
        "href", "#disclaimer"
    )
    expect(page.get_by_role("contentinfo")).to_contain_text("Not medical advice.")
    expect(page.get_by_role("region", name="Cautions: these factors may not apply")).to_have_count(
        0
    )

    adverse = section(page, "Adverse factors present")
    expect(adverse.get_by_role("heading", level=2)).to_have_text("Adverse factors present")
    expect(adverse.get_by_role("heading", level=3)).to_contain_text(adverse_titles)
    expect(adverse.get_by_role("heading", level=3)).to_have_count(len(adverse_titles))
    age_factor = form.factor(page, expected.title("age_over_60"))
    expect(age_factor).to_contain_text("Why: Age at onset: 65 years (above 60).")
    pmid = next(r.pmid for r in expected.finding("age_over_60").rule.references if r.pmid)
    reference = age_factor.get_by_role("link", name=f"PMID {pmid}")
    expect(reference).to_be_hidden()  # folded away until asked for
    age_factor.get_by_text(re.compile(r"^Evidence and references")).click()
    expect(reference).to_be_visible()

    expect(section(page, "Favourable factors present")).to_contain_text("None.")

    not_assessed = section(page, "Not assessed")
    expect(not_assessed.get_by_role("heading", level=3)).to_have_count(
        expected.count(Status.NOT_ASSESSED)
    )
    extensive = form.factor(not_assessed, expected.title("extensive_ild"))
    needs = to_assess(expected.finding("extensive_ild"))
    assert needs.startswith("Extent of ILD on HRCT"), needs  # the decisive answer first
    expect(extensive).to_contain_text(f"To assess it, answer: {needs}.")

    absent = section(page, "Factors absent")
    expect(absent).to_contain_text(expected.title("rapidly_progressive_ild"))
    expect(absent).to_contain_text(expected.title("muscle_only"))

    answers = your_answers(page)
    expect(answers).to_contain_text("Age at onset65 years")
    expect(answers).to_contain_text("Another antisynthetase antibodyAnti-PL-7")
    expect(answers).to_contain_text("Course of the ILDProgressive (chronic, worsening)")
    expect(answers).to_contain_text("Anti-MDA5 antibodyNot known")


def test_an_invalid_age_is_explained_and_every_answer_is_kept(page: Page, form) -> None:
    answers = {
        **form.example,
        "Age at onset": "sixty",
        "Muscle involvement (myositis)": "Absent",
        "Extent of ILD on HRCT": "Extensive: clearly more than 20% of the lungs",
        "Forced vital capacity (FVC)": "62.5",
        "C-reactive protein (CRP)": "12",
        "Unit of C-reactive protein (CRP)": "mg/L",
        "Cancer": "Screened, none found so far",
    }
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    message = "Enter a whole number from 0 to 120 years, or leave it empty if not known."
    link = summary.get_by_role("link", name=f"Age at onset: {message}")
    expect(link).to_have_attribute("href", "#age_at_onset")
    expect(summary.get_by_role("link")).to_have_count(1)

    age_input = page.get_by_label("Age at onset", exact=True)
    expect(age_input).to_have_accessible_description(re.compile(re.escape(f"Error: {message}")))
    expect(age_input).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(f"Error: {message}", exact=True)).to_be_visible()
    form.expect_kept(page, answers)

    link.click()
    expect(age_input).to_be_focused()


def test_ild_answers_without_ild_are_refused_beside_each_field(no_js_page: Page, form) -> None:
    page = no_js_page
    answers = {
        "Age at onset": "50",
        "Anti-Jo-1 antibody": "Positive",
        "Interstitial lung disease (ILD)": "Absent",
        "Course of the ILD": "Rapidly progressive (worse over weeks to a few months)",
        "Extent of ILD on HRCT": "Limited: clearly 20% of the lungs or less",
        "Respiratory failure": "Present, from the lung disease",
        "Fibrosis on CT": "Present",
        "FVC up to a year before": "70",
        "Delay in diagnosis": "3",
    }
    by_label = {spec.label: spec for spec in FIELDS.values()}
    ild_only = [label for label in answers if by_label[label].ild_only]
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_text([f"{label}: {ILD_ONLY_MESSAGE}" for label in ild_only])
    for label in ild_only:
        if label in form.numbers:
            field = page.get_by_label(label, exact=True)
            expect(field).to_have_attribute("aria-invalid", "true")
        else:
            field = form.question(page, label)
            expect(field).to_contain_text(f"Error: {ILD_ONLY_MESSAGE}")
        expect(field).to_be_visible()
        expect(field).to_have_accessible_description(re.compile(re.escape(ILD_ONLY_MESSAGE)))
    form.expect_kept(page, answers)

    links.first.click()
    expect(
        form.question(page, "Course of the ILD").get_by_label("Stable (non-progressive)")
    ).to_be_focused()


def test_change_your_answers_returns_the_filled_form(page: Page, form) -> None:
    answers = {
        **form.example,
        "Extent of ILD on HRCT": "Indeterminate: hard to judge whether more or less than 20%",
        "Forced vital capacity (FVC)": "64.5",
        "C-reactive protein (CRP)": "12",
        "Unit of C-reactive protein (CRP)": "mg/L",
        "Delay in diagnosis": "8",
    }
    expected = form.expected(answers)
    shorter_delay = form.expected({**answers, "Delay in diagnosis": "2"})
    assert expected.status("diagnostic_delay") is Status.PRESENT
    assert shorter_delay.status("diagnostic_delay") is Status.ABSENT
    form.post(page, answers)  # the form is under test from "Change your answers" on
    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)

    page.get_by_role("button", name="Change your answers").click()

    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    expect(page.get_by_role("alert")).to_have_count(0)
    form.expect_kept(page, answers)
    expect(
        form.question(page, "Anti-MDA5 antibody").get_by_role("radio", checked=True)
    ).to_have_count(0)

    form.fill(page, {"Delay in diagnosis": "2"})
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    shorter_delay.expect_summary(page)
    expect(section(page, "Factors absent")).to_contain_text(expected.title("diagnostic_delay"))


def test_ild_questions_appear_only_when_ild_is_present(page: Page, form) -> None:
    page.goto("/")
    lung_questions = [
        spec.label for spec in FIELDS.values() if spec.ild_only and spec.group == "lungs"
    ]
    assert "Course of the ILD" in lung_questions
    questions = [form.question(page, legend) for legend in lung_questions]
    course = form.question(page, "Course of the ILD")
    ild = form.question(page, "Interstitial lung disease (ILD)")
    for question in questions:
        expect(question).to_be_hidden()

    ild.get_by_label("Present", exact=True).check()
    for question in questions:
        expect(question).to_be_visible()
    rapid = "Rapidly progressive (worse over weeks to a few months)"
    course.get_by_label(rapid, exact=True).check()

    ild.get_by_label("Absent", exact=True).check()
    for question in questions:
        expect(question).to_be_hidden()
    ild.get_by_label("Not known", exact=True).check()
    expect(course).to_be_hidden()

    ild.get_by_label("Present", exact=True).check()
    expect(course.get_by_label(rapid, exact=True)).to_be_checked()


def test_hidden_ild_answers_are_not_sent(page: Page, form) -> None:
    page.goto("/")
    form.fill(
        page,
        {
            "Interstitial lung disease (ILD)": "Present",
            "Course of the ILD": "Progressive (chronic, worsening)",
        },
    )
    form.fill(page, {"Interstitial lung disease (ILD)": "Absent"})
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    answers = your_answers(page)
    expect(answers).to_contain_text("Interstitial lung disease (ILD)Absent")
    # Without ILD its questions read "Not applicable", never the answer that was hidden.
    expect(answers).to_contain_text(f"Course of the ILD{NOT_APPLICABLE}")
    expect(given_answers(page).filter(has_text="Progressive")).to_have_count(0)


def test_ild_questions_are_shown_without_javascript(no_js_page: Page, form) -> None:
    page = no_js_page
    page.goto("/")
    for spec in FIELDS.values():
        if spec.ild_only:
            if spec.is_number:
                expect(page.get_by_label(spec.label, exact=True)).to_be_visible()
            else:
                expect(form.question(page, spec.label)).to_be_visible()
    choices = sum(len(spec.choices) for spec in FIELDS.values() if spec.choices)
    units = sum(len(spec.form_units) for spec in FIELDS.values())
    expect(page.get_by_role("radio")).to_have_count(choices + units)


def test_a_what_if_changes_one_answer_and_goes_back(page: Page, form) -> None:
    expected = form.expected(form.example)
    at_60 = form.expected({**form.example, "Age at onset": "60"})
    age_title = expected.title("age_over_60")
    form.post(page, form.example)
    adverse = section(page, "Adverse factors present")
    age_factor = adverse.get_by_role("article").filter(has_text=age_title)
    choose_what_if(age_factor, "What if age at onset were 60 years?", shown=False)

    expect(
        page.get_by_role("heading", level=2, name="What if: Age at onset were 60 years")
    ).to_be_visible()
    expect(page).to_have_title(
        re.compile(r"^What if: Age at onset were 60 years\. Result for these answers")
    )
    at_60.expect_summary(page)
    changed = section(page, "Factors absent").get_by_role("listitem").filter(has_text=age_title)
    expect(changed).to_contain_text("Changed")
    answers = your_answers(page)
    expect(answers).to_contain_text("60 years (changed; was 65 years)")
    expect(page.get_by_role("note")).to_contain_text("Not medical advice: ")

    page.get_by_role("button", name="Back to the original answers").click()
    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)


# The form follows the record (issue 19, point 4) ----------------------------------------------

ILD_PRESENT = {FIELDS["ild"].label: "Present"}
CRP = FIELDS["crp_mg_per_l"]
CRP_UNIT_LABEL = f"Unit of {CRP.label}"
BACK_WITH_CHANGE = "Back to the result with this change"


def box(locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


@pytest.mark.parametrize("width", [1280, 375])
def test_lung_function_now_and_a_year_before_are_side_by_side(page: Page, form, width) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    form.fill(page, ILD_PRESENT)
    for row in LUNG_ROWS:
        now = box(page.get_by_label(FIELDS[row.now].label, exact=True))
        before = box(page.get_by_label(FIELDS[row.before].label, exact=True))
        assert abs(now["y"] - before["y"]) < now["height"] / 2, (row.now, now, before)
        assert now["x"] + now["width"] <= before["x"], (row.now, now, before)
        header = page.get_by_role("rowheader", name=FIELDS[row.now].label, exact=True)
        assert box(header)["y"] <= now["y"] + now["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_change_is_shown_as_it_is_typed(page: Page, form) -> None:
    fvc, dlco = LUNG_ROWS
    typed = {
        **ILD_PRESENT,
        FIELDS[fvc.now].label: "68%",
        FIELDS[fvc.before].label: "75",
        FIELDS[dlco.now].label: "41,5",
        FIELDS[dlco.before].label: "40",
    }
    page.goto("/")
    fvc_change = page.locator(f"output#{fvc.decline.name}")
    expect(fvc_change).to_have_text("")
    form.fill(page, typed)
    expect(fvc_change).to_have_text("−7 points")  # a real minus sign
    expect(page.locator(f"output#{dlco.decline.name}")).to_have_text("+1.5 points")
    page.get_by_label(FIELDS[fvc.before].label, exact=True).fill("")
    expect(fvc_change).to_have_text("")
    page.get_by_label(FIELDS[fvc.before].label, exact=True).fill("75")
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)  # "68%" and "41,5" are read as numbers
    answers = your_answers(page)
    expected = form.expected({**typed, FIELDS[fvc.now].label: "68", FIELDS[dlco.now].label: "41.5"})
    for name in (fvc.now, dlco.now):
        spec = FIELDS[name]
        expect(answers).to_contain_text(
            f"{spec.label}{spec.describe(getattr(expected.inputs, name))}"
        )


def test_crp_keeps_its_unit_and_change_returns_to_the_result_marked(page: Page, form) -> None:
    code, unit, factor = CRP.form_units[-1]  # not the unit the rules use
    typed = {**form.example, CRP.label: "1,8", CRP_UNIT_LABEL: unit}
    said = f"1.8 {unit} ({format_number(Decimal('1.8') * factor)} {CRP.unit})"
    page.goto("/")
    form.fill(page, typed)
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    expect(your_answers(page)).to_contain_text(f"{CRP.label}{said}")
    expect(page.get_by_label("The result as plain text, to copy into the notes")).to_contain_text(
        f"- {CRP.label}: {said}\n"
    )

    your_answers(page).get_by_role("button", name=f"Change {CRP.label}", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    crp = page.get_by_label(CRP.label, exact=True)
    expect(crp).to_be_focused()
    expect(crp).to_have_value("1.8")
    expect(form.question(page, CRP_UNIT_LABEL).get_by_label(unit, exact=True)).to_be_checked()
    back = page.get_by_role("button", name=BACK_WITH_CHANGE)
    expect(back).to_have_count(1)
    expect(back).to_be_in_viewport()  # right after the question, not at the end of the form
    crp.fill("2,5")
    back.click()

    expect(page).to_have_title(RESULT_TITLE)
    row = your_answers(page).locator(".answers-row").filter(has_text=CRP.label)
    expect(row).to_contain_text(f"2.5 {unit}")
    expect(row).to_contain_text(f"Changed (was {said})")
    expect(your_answers(page).get_by_text("Changed", exact=True)).to_have_count(1)
    # And said at the top, where the result begins, for a reader who does not scroll down.
    note = page.locator(".changed-note")
    expect(note).to_be_in_viewport()
    said_at_top = f"Changed since the last result: {CRP.label} (was {said})."
    expect(note).to_contain_text(said_at_top)


def test_the_submit_button_stays_in_view_as_the_keyboard_goes_through(page: Page, form) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    form.fill(page, ILD_PRESENT)
    submit = page.get_by_role("button", name="Show the prognostic factors")
    page.get_by_label(FIELDS["age_at_onset"].label, exact=True).focus()
    steps = 0
    while True:
        seen = page.evaluate(
            """() => {
              const bar = document.querySelector(".submit-bar").getBoundingClientRect();
              const focused = document.activeElement.getBoundingClientRect();
              return {bar: bar.top, barBottom: bar.bottom, top: focused.top,
                      bottom: focused.bottom, height: window.innerHeight,
                      inBar: !!document.activeElement.closest(".submit-bar")};
            }"""
        )
        if seen["inBar"]:
            break
        assert seen["barBottom"] <= seen["height"] + 1, seen  # the button is on the screen
        assert seen["bottom"] <= seen["bar"] + 1, seen  # and the field is not under it
        assert seen["top"] >= 0, seen
        page.keyboard.press("Tab")
        steps += 1
    assert steps >= len(FORM_ORDER)
    expect(submit).to_be_focused()
    expect(submit).to_be_in_viewport()


def test_radios_and_buttons_are_at_least_44_pixels_tall(page: Page, form) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    form.fill(page, ILD_PRESENT)
    heights = page.evaluate(
        """() => [...document.querySelectorAll(
              "form.answers .radio label, form.answers button, form.answers .input")]
            .map(el => [el.textContent.trim() || el.name, el.getBoundingClientRect().height])"""
    )
    radios = sum(
        len(spec.choices) + len(spec.form_units) for spec in FIELDS.values() if spec.choices
    )
    assert len(heights) >= radios
    small = [(name, height) for name, height in heights if height < 44]
    assert not small, small


def test_the_changed_form_and_result_are_accessible_light_and_dark(
    page: Page, form, no_violations
) -> None:
    fvc = LUNG_ROWS[0]
    answers = {**form.example, FIELDS[fvc.now].label: "65", FIELDS[fvc.before].label: "72"}
    form.post(page, answers)
    your_answers(page).get_by_role(
        "button", name=f"Change {FIELDS[fvc.now].label}", exact=True
    ).click()
    expect(page.get_by_label(FIELDS[fvc.now].label, exact=True)).to_be_focused()
    expect(page.get_by_role("button", name=BACK_WITH_CHANGE)).to_be_in_viewport()
    expect(page.locator(f"output#{fvc.decline.name}")).to_have_text("−7 points")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        no_violations(page)
    page.get_by_label(FIELDS[fvc.now].label, exact=True).fill("60")
    page.get_by_role("button", name=BACK_WITH_CHANGE).click()
    expect(your_answers(page).get_by_text("Changed", exact=True)).to_have_count(1)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        no_violations(page)


def test_without_javascript_the_table_and_change_work(no_js_page: Page, form) -> None:
    page = no_js_page
    fvc = LUNG_ROWS[0]
    code, unit, _ = CRP.form_units[-1]
    typed = {
        **ILD_PRESENT,
        FIELDS[fvc.now].label: "65",
        FIELDS[fvc.before].label: "72",
        CRP.label: "1.8",
        CRP_UNIT_LABEL: unit,
    }
    page.goto("/")
    form.fill(page, typed)
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    your_answers(page).get_by_role(
        "button", name=f"Change {FIELDS[fvc.before].label}", exact=True
    ).click()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    form.expect_kept(page, typed)
    expect(page.locator(f"output#{fvc.decline.name}")).to_have_text("−7 points")  # by the server
    page.get_by_label(FIELDS[fvc.before].label, exact=True).fill("70")
    page.get_by_role("button", name=BACK_WITH_CHANGE).click()
    expect(page).to_have_title(RESULT_TITLE)
    row = your_answers(page).locator(".answers-row").filter(has_text=FIELDS[fvc.before].label)
    expect(row).to_contain_text("Changed")
    expect(your_answers(page)).to_contain_text(f"{CRP.label}1.8 {unit}")


def test_an_error_link_shows_the_message_clear_of_the_submit_bar(page: Page, form) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    fvc = LUNG_ROWS[0]
    page.goto("/")
    form.fill(page, {**ILD_PRESENT, FIELDS[fvc.before].label: "1,800", CRP.label: "12"})
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_be_focused()  # the page's script has run
    bar = page.locator(".submit-bar")
    for name in (fvc.before, CRP.name):
        page.get_by_role("alert").get_by_role(
            "link", name=re.compile(rf"^{re.escape(FIELDS[name].label)}: ")
        ).click()
        expect(page.get_by_label(FIELDS[name].label, exact=True)).to_be_focused()
        message = page.locator(f"#{name}-error")
        expect(message).to_be_in_viewport(ratio=1)
        assert box(message)["y"] + box(message)["height"] <= box(bar)["y"]
        page.get_by_role("alert").focus()
