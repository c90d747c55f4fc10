"""The form can be completed with the keyboard alone: no mouse, no clicks."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_keyboard_alone_completes_the_form(page: Page, form) -> None:
    page.goto("/")
    keys = page.keyboard

    keys.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    keys.press("Tab")
    expect(page.get_by_label("Age at onset", exact=True)).to_be_focused()
    keys.type("65")

    keys.press("Tab")  # a group of radios with none chosen is entered at its first radio
    jo1 = form.question(page, "Anti-Jo-1 antibody")
    expect(jo1.get_by_label("Positive", exact=True)).to_be_focused()
    keys.press("ArrowDown")  # the arrow keys move and choose
    expect(jo1.get_by_label("Negative", exact=True)).to_be_checked()

    keys.press("Tab")  # anti-MDA5 is left unanswered
    mda5 = form.question(page, "Anti-MDA5 antibody")
    expect(mda5.get_by_label("Positive", exact=True)).to_be_focused()

    keys.press("Tab")
    myositis = form.question(page, "Muscle involvement (myositis)")
    expect(myositis.get_by_label("Present", exact=True)).to_be_focused()
    keys.press("Space")
    expect(myositis.get_by_label("Present", exact=True)).to_be_checked()

    keys.press("Tab")
    ild = form.question(page, "Interstitial lung disease (ILD)")
    expect(ild.get_by_label("Present", exact=True)).to_be_focused()
    keys.press("Space")
    expect(ild.get_by_label("Present", exact=True)).to_be_checked()

    keys.press("Tab")  # the ILD questions are now shown and in the tab order
    course = form.question(page, "Course of the ILD")
    expect(course.get_by_label("Non-progressive (stable)", exact=True)).to_be_focused()
    keys.press("ArrowDown")
    expect(course.get_by_label("Progressive (chronic, worsening)", exact=True)).to_be_checked()

    keys.press("Tab")
    extent = form.question(page, "Extent of ILD on HRCT")
    expect(extent.get_by_label("Limited (20% of the lungs or less)", exact=True)).to_be_focused()
    keys.press("ArrowDown")
    expect(
        extent.get_by_label("Extensive (more than 20% of the lungs)", exact=True)
    ).to_be_checked()

    keys.press("Tab")
    expect(page.get_by_label("Forced vital capacity (FVC)", exact=True)).to_be_focused()
    keys.type("55")
    keys.press("Tab")
    expect(page.get_by_label("Delay in diagnosis", exact=True)).to_be_focused()
    keys.type("12")

    keys.press("Tab")
    cancer = form.question(page, "Cancer")
    expect(cancer.get_by_label("None", exact=True)).to_be_focused()
    keys.press("Space")

    keys.press("Tab")
    expect(page.get_by_role("button", name="Show the prognostic factors")).to_be_focused()
    keys.press("Space")

    summary = "5 adverse factors present, 0 favourable, 1 not assessed"
    expect(page).to_have_title(re.compile(rf"^Result: {summary}"))
    answers = page.get_by_role("region", name="Your answers")
    expect(answers).to_contain_text("Age at onset65 years")
    expect(answers).to_contain_text("Forced vital capacity (FVC)55% predicted")
    expect(answers).to_contain_text("CancerNone")
