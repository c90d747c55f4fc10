"""The form as a person uses it: answer, submit, read the result, fix mistakes, change answers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

ILD_ONLY_MESSAGE = "Applies only when ILD is present"


def section(page: Page, heading: str):
    """Return the result page's section whose heading starts with these words."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(heading)} \(\d+\)$"))


def test_result_lists_the_adverse_factors_present_and_the_disclaimer(page: Page, form) -> None:
    page.goto("/")
    form.fill(page, form.example)
    form.submit(page)

    expect(page).to_have_title(re.compile(rf"^Result: {form.example_summary}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Prognostic factors for these answers"
    )
    expect(page.get_by_text(f"{form.example_summary}.", exact=True)).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Not medical advice.")
    expect(page.get_by_role("contentinfo")).to_contain_text("Not medical advice.")

    adverse = section(page, "Adverse factors present")
    expect(adverse.get_by_role("heading", level=2)).to_have_text("Adverse factors present (3)")
    expect(adverse.get_by_role("heading", level=3)).to_contain_text(
        ["Onset after the age of 60", "Progressive lung disease", "Anti-Jo-1 negative"]
    )
    expect(adverse.get_by_role("heading", level=3)).to_have_count(3)
    expect(adverse.get_by_role("link", name="PMID 23422076").first).to_be_visible()

    expect(section(page, "Favourable factors present")).to_contain_text("None.")

    not_assessed = section(page, "Not assessed")
    expect(not_assessed.get_by_role("heading", level=3)).to_have_count(4)
    extensive = not_assessed.get_by_role("article").filter(has_text="Extensive lung disease")
    expect(extensive).to_contain_text(
        "To assess it, answer: Extent of ILD on HRCT, Forced vital capacity (FVC)."
    )

    absent = section(page, "Factors absent")
    expect(absent).to_contain_text("Rapidly progressive lung disease")
    expect(absent).to_contain_text("Muscle involvement only")

    answers = page.get_by_role("region", name="Your answers")
    expect(answers).to_contain_text("Age at onset65 years")
    expect(answers).to_contain_text("Course of the ILDProgressive (chronic, worsening)")
    expect(answers).to_contain_text("Anti-MDA5 antibodyNot known")


def test_an_invalid_age_is_explained_and_every_answer_is_kept(page: Page, form) -> None:
    answers = {
        **form.example,
        "Age at onset": "sixty",
        "Muscle involvement (myositis)": "Absent",
        "Extent of ILD on HRCT": "Extensive (more than 20% of the lungs)",
        "Forced vital capacity (FVC)": "62.5",
        "Cancer": "None",
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
        "Course of the ILD": "Rapidly progressive",
        "Extent of ILD on HRCT": "Limited (20% of the lungs or less)",
        "Delay in diagnosis": "3",
    }
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links).to_contain_text(
        [f"Course of the ILD: {ILD_ONLY_MESSAGE}", f"Extent of ILD on HRCT: {ILD_ONLY_MESSAGE}"]
    )
    for legend in ("Course of the ILD", "Extent of ILD on HRCT"):
        group = form.question(page, legend)
        expect(group).to_be_visible()
        expect(group).to_contain_text(f"Error: {ILD_ONLY_MESSAGE}")
        expect(group).to_have_accessible_description(re.compile(ILD_ONLY_MESSAGE))
    form.expect_kept(page, answers)

    links.first.click()
    expect(
        form.question(page, "Course of the ILD").get_by_label("Non-progressive (stable)")
    ).to_be_focused()


def test_change_your_answers_returns_the_filled_form(page: Page, form) -> None:
    answers = {
        **form.example,
        "Extent of ILD on HRCT": "Indeterminate (extent hard to judge)",
        "Forced vital capacity (FVC)": "64.5",
        "Delay in diagnosis": "8",
    }
    page.goto("/")
    form.fill(page, answers)
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Result: 5 adverse factors present"))

    page.get_by_role("button", name="Change your answers").click()

    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    expect(page.get_by_role("alert")).to_have_count(0)
    form.expect_kept(page, answers)
    expect(
        form.question(page, "Anti-MDA5 antibody").get_by_role("radio", checked=True)
    ).to_have_count(0)

    form.fill(page, {"Delay in diagnosis": "2"})
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Result: 4 adverse factors present"))
    expect(section(page, "Factors absent")).to_contain_text("Delay in diagnosis and treatment")


def test_ild_questions_appear_only_when_ild_is_present(page: Page, form) -> None:
    page.goto("/")
    course = form.question(page, "Course of the ILD")
    extent = form.question(page, "Extent of ILD on HRCT")
    ild = form.question(page, "Interstitial lung disease (ILD)")
    expect(course).to_be_hidden()
    expect(extent).to_be_hidden()

    ild.get_by_label("Present", exact=True).check()
    expect(course).to_be_visible()
    expect(extent).to_be_visible()
    course.get_by_label("Rapidly progressive", exact=True).check()

    ild.get_by_label("Absent", exact=True).check()
    expect(course).to_be_hidden()
    expect(extent).to_be_hidden()
    ild.get_by_label("Not known", exact=True).check()
    expect(course).to_be_hidden()

    ild.get_by_label("Present", exact=True).check()
    expect(course.get_by_label("Rapidly progressive", exact=True)).to_be_checked()


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
    expect(page).to_have_title(re.compile(r"^Result: "))
    answers = page.get_by_role("region", name="Your answers")
    expect(answers).to_contain_text("Interstitial lung disease (ILD)Absent")
    expect(answers).to_contain_text("Course of the ILDNot known")


def test_ild_questions_are_shown_without_javascript(no_js_page: Page, form) -> None:
    page = no_js_page
    page.goto("/")
    expect(form.question(page, "Course of the ILD")).to_be_visible()
    expect(form.question(page, "Extent of ILD on HRCT")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(24)


def test_a_what_if_changes_one_answer_and_goes_back(page: Page, form) -> None:
    page.goto("/")
    form.fill(page, form.example)
    form.submit(page)
    adverse = section(page, "Adverse factors present")
    age_factor = adverse.get_by_role("article").filter(has_text="Onset after the age of 60")
    age_factor.get_by_role("button", name="What if age at onset were 60 years?").click()

    expect(
        page.get_by_role("heading", level=2, name="What if: Age at onset were 60 years")
    ).to_be_visible()
    expect(page).to_have_title(
        re.compile(r"^What if: Age at onset were 60 years\. Result: 2 adverse factors present")
    )
    changed = (
        section(page, "Factors absent")
        .get_by_role("article")
        .filter(has_text="Onset after the age of 60")
    )
    expect(changed).to_contain_text("Changed: was ▲ Present: adverse")
    answers = page.get_by_role("region", name="Your answers")
    expect(answers).to_contain_text("60 years (changed; was 65 years)")
    expect(page.get_by_role("note")).to_contain_text("Not medical advice.")

    page.get_by_role("button", name="Back to the original answers").click()
    expect(page).to_have_title(re.compile(rf"^Result: {form.example_summary}"))
