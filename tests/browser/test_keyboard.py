"""The form can be completed with the keyboard alone: no mouse, no clicks."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .pages import RESULT_TITLE, your_answers


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab once and check where the focus lands."""
    page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_keyboard_alone_completes_the_form(page: Page, form) -> None:
    page.goto("/")
    keys = page.keyboard

    tab_to(page, page.get_by_role("link", name="Skip to main content"))
    keys.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # The one-line disclaimer's link comes first, then the questions.
    tab_to(page, page.get_by_role("note").get_by_role("link", name="Read the disclaimer"))
    tab_to(page, page.get_by_label("Age at onset", exact=True))
    keys.type("65")

    myositis = form.question(page, "Muscle involvement (myositis)")
    tab_to(page, myositis.get_by_label("Present", exact=True))
    keys.press("Space")
    expect(myositis.get_by_label("Present", exact=True)).to_be_checked()
    # Asked because myositis is present: left unanswered, Tab goes on.
    weakness = form.question(page, "Breathing-muscle weakness")
    tab_to(page, weakness.get_by_label("Present", exact=True))

    # A group of radios with none chosen is entered at its first radio.
    jo1 = form.question(page, "Anti-Jo-1 antibody")
    tab_to(page, jo1.get_by_label("Positive", exact=True))
    keys.press("ArrowDown")  # the arrow keys move and choose
    expect(jo1.get_by_label("Negative", exact=True)).to_be_checked()

    other = form.question(page, "Another antisynthetase antibody")
    tab_to(page, other.get_by_label("Anti-PL-7", exact=True))
    keys.press("ArrowDown")
    expect(other.get_by_label("Anti-PL-12", exact=True)).to_be_checked()

    # Anti-MDA5 and anti-Ro52 are left unanswered: Tab goes through and on.
    tab_to(page, form.question(page, "Anti-MDA5 antibody").get_by_label("Positive", exact=True))
    tab_to(page, form.question(page, "Anti-Ro52 antibody").get_by_label("Positive", exact=True))

    ild = form.question(page, "Interstitial lung disease (ILD)")
    tab_to(page, ild.get_by_label("Present", exact=True))
    keys.press("Space")
    expect(ild.get_by_label("Present", exact=True)).to_be_checked()

    # The ILD questions are now shown and in the tab order.
    course = form.question(page, "Course of the ILD")
    tab_to(page, course.get_by_label("Stable (non-progressive)", exact=True))
    keys.press("ArrowDown")
    expect(course.get_by_label("Progressive (chronic, worsening)", exact=True)).to_be_checked()

    extent = form.question(page, "Extent of ILD on HRCT")
    tab_to(page, extent.get_by_label("Limited: clearly 20% of the lungs or less", exact=True))
    keys.press("ArrowDown")
    expect(
        extent.get_by_label("Extensive: clearly more than 20% of the lungs", exact=True)
    ).to_be_checked()

    # Lung function as a table: each row the most recent value, then the one a year before.
    tab_to(page, page.get_by_label("Forced vital capacity (FVC)", exact=True))
    keys.type("55")
    tab_to(page, page.get_by_label("FVC up to a year before", exact=True))
    tab_to(page, page.get_by_label("Diffusing capacity (DLCO)", exact=True))
    tab_to(page, page.get_by_label("DLCO up to a year before", exact=True))
    could_not = form.question(page, "DLCO could not be performed")
    tab_to(page, could_not.get_by_label("Yes", exact=True))
    failure = form.question(page, "Respiratory failure")
    tab_to(page, failure.get_by_label("Present, from the lung disease", exact=True))
    hypertension = form.question(page, "Pulmonary hypertension (PH)")
    tab_to(page, hypertension.get_by_label(re.compile("^Confirmed")))

    # So is the progression group: answered in part, the rest passed by.
    fibrosis = form.question(page, "Fibrosis on CT")
    tab_to(page, fibrosis.get_by_label("Present", exact=True))
    keys.press("Space")
    expect(fibrosis.get_by_label("Present", exact=True)).to_be_checked()
    symptoms = form.question(page, "Respiratory symptoms worse in the past year")
    tab_to(page, symptoms.get_by_label("Yes, from the lung disease", exact=True))
    ct = form.question(page, "Radiological progression in the past year")
    tab_to(page, ct.get_by_label("Yes", exact=True))

    # A number with a choice of unit: type it, then choose the unit with the arrow keys.
    tab_to(page, page.get_by_label("C-reactive protein (CRP)", exact=True))
    keys.type("1.5")
    unit = form.question(page, "Unit of C-reactive protein (CRP)")
    tab_to(page, unit.get_by_label("mg/L", exact=True))
    keys.press("ArrowRight")
    expect(unit.get_by_label("mg/dL", exact=True)).to_be_checked()
    tab_to(page, page.get_by_label("KL-6", exact=True))
    tab_to(page, page.get_by_label("Ferritin", exact=True))

    tab_to(page, page.get_by_label("Delay in diagnosis", exact=True))
    keys.type("12")

    cancer = form.question(page, "Cancer")
    tab_to(page, cancer.get_by_label("Screened, none found so far", exact=True))
    keys.press("Space")

    tab_to(page, page.get_by_role("button", name="Show the prognostic factors"))
    keys.press("Space")

    expected = form.expected(
        {
            "Age at onset": "65",
            "Muscle involvement (myositis)": "Present",
            "Anti-Jo-1 antibody": "Negative",
            "Another antisynthetase antibody": "Anti-PL-12",
            "Interstitial lung disease (ILD)": "Present",
            "Course of the ILD": "Progressive (chronic, worsening)",
            "Extent of ILD on HRCT": "Extensive: clearly more than 20% of the lungs",
            "Forced vital capacity (FVC)": "55",
            "Fibrosis on CT": "Present",
            "C-reactive protein (CRP)": "1.5",
            "Unit of C-reactive protein (CRP)": "mg/dL",
            "Delay in diagnosis": "12",
            "Cancer": "Screened, none found so far",
        }
    )
    expect(page).to_have_title(RESULT_TITLE)
    expected.expect_summary(page)
    answers = your_answers(page)
    expect(answers).to_contain_text("Age at onset65 years")
    expect(answers).to_contain_text("Another antisynthetase antibodyAnti-PL-12")
    expect(answers).to_contain_text("Forced vital capacity (FVC)55% predicted")
    expect(answers).to_contain_text("Fibrosis on CTPresent")
    expect(answers).to_contain_text("C-reactive protein (CRP)1.5 mg/dL (15 mg/L)")
    expect(answers).to_contain_text("CancerScreened, none found so far")
