"""Teaching as a person does it: open a case, ask what if, compare, present, print to PDF."""

from __future__ import annotations

import io
import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader


def test_a_case_opens_from_the_library_with_its_story_and_result(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Teaching cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teaching cases")
    page.get_by_role("link", name="Muscle involvement only").click()
    expect(page.get_by_text("Teaching case, invented: not a real patient")).to_be_visible()
    expect(
        page.get_by_text("0 adverse factors present, 1 favourable, 1 not assessed.")
    ).to_be_visible()
    favourable = page.get_by_role("region", name="Favourable factors present (1)")
    expect(favourable.get_by_role("heading", level=3)).to_have_text(
        re.compile(r"Present: favourable\s+Muscle involvement only")
    )
    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Age at onset")).to_have_value("35")


def test_a_what_if_then_side_by_side(page: Page) -> None:
    page.goto("/cases/stable-jo1")
    page.get_by_role("button", name="What if anti-Jo-1 antibody were negative?").click()
    expect(page).to_have_title(re.compile(r"^What if: Anti-Jo-1 antibody were Negative"))
    factor = page.locator("#factor-jo1_negative")
    expect(factor).to_contain_text("Changed: was")
    expect(
        page.get_by_text("1 adverse factor present, 1 favourable, 0 not assessed.")
    ).to_be_visible()
    page.get_by_role("button", name="Compare the two side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Side by side")
    row = page.get_by_role("row", name=re.compile(r"^Anti-Jo-1 negative"))
    expect(row).to_contain_text("Absent")
    expect(row).to_contain_text("Present: adverse")
    expect(row).to_contain_text("Differs")
    expect(page.get_by_role("row", name="Anti-MDA5 antibody Absent Absent Same")).to_be_visible()


def test_two_cases_compared_from_the_library(page: Page) -> None:
    page.goto("/cases")
    page.get_by_label("First case").select_option(label="Anti-Jo-1 with stable lung disease")
    page.get_by_label("Second case").select_option(label="Anti-PL-12 found late")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("row", name="Age at onset 48 years 55 years Differs")).to_be_visible()
    expect(page.get_by_role("row", name="Cancer None None Same")).to_be_visible()
    expect(
        page.get_by_role("row", name="Anti-Jo-1 negative Absent Present: adverse Differs")
    ).to_be_visible()


def test_the_presenter_view_moves_by_keyboard(page: Page) -> None:
    page.goto("/cases/mda5-rapid")
    page.get_by_role("link", name="Present this case on a projector").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Anti-MDA5 with rapidly progressive lung disease"
    )
    page.wait_for_load_state()  # the keys are handled by the page's script, run on load
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide-2")).to_be_focused()
    expect(page.locator("#slide-2")).to_be_in_viewport()
    page.keyboard.press("End")
    expect(page.locator("[data-slide]").last).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator("#slide-1")).to_be_focused()


def test_the_pdf_of_a_result_holds_the_case_notes(page: Page) -> None:
    page.goto("/cases/pl7-fibrosis")
    page.emulate_media(media="print")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(page.pdf())).pages
    )
    assert text.count("Not medical advice") >= 2  # at the top and at the bottom
    assert "5 adverse factors present, 0 favourable, 0 not assessed" in text
    for words in (
        "Onset after the age of 60",
        "Extensive lung disease",
        "Your answers",
        "Age at onset 67 years",
        "PMID 23422076",
        "Rules version 2026.11.1",
        "Assessed 20",
    ):
        assert words in text, words
    assert "What if" not in text  # buttons stay on screen
    assert "Rules and evidence" not in text  # no navigation
