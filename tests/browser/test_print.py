"""A printed result keeps the disclaimer and loses the site's navigation and buttons."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from calculator.core.words import DISCLAIMER

from .pages import RESULT_TITLE, your_answers


def test_the_printed_result_carries_the_disclaimer(page: Page, form) -> None:
    expected = form.expected(form.example)
    form.post(page, form.example)
    expect(page).to_have_title(RESULT_TITLE)
    print_button = page.get_by_role("button", name="Print or save as PDF")
    expect(print_button).to_be_visible()  # shown on screen once the script has run

    page.emulate_media(media="print")

    # On paper the disclaimer is said in full at the top (beside a space for the patient's
    # label), where the screen has its one-line note, and again at the foot.
    top = page.get_by_role("main").get_by_text(DISCLAIMER, exact=True)
    expect(top).to_be_visible()
    expect(page.get_by_text("Patient label", exact=True)).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Not medical advice.")
    expect(page.get_by_text("Printed from the ASyS prognostic factor calculator")).to_be_visible()
    expected.expect_summary(page)
    summary = page.get_by_role("region", name="Summary", exact=True)
    for title in expected.present_titles:
        expect(summary.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Adverse factors present", exact=True)).to_be_visible()
    expect(your_answers(page)).to_be_visible()

    expect(page.get_by_role("navigation", name="Site")).to_be_hidden()
    expect(page.get_by_role("link", name="Skip to main content")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("button", name="Change your answers")).to_be_hidden()

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF"), pdf[:20]

    page.emulate_media(media="screen")
    expect(page.get_by_role("navigation", name="Site")).to_be_visible()
    expect(page.get_by_text("Printed from the ASyS prognostic factor calculator")).to_be_hidden()
