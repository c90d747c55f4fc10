"""The about page and the not-found pages in a browser: accessible, and no sideways scroll."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_about_page_has_no_accessibility_violations(page: Page, no_violations) -> None:
    page.goto("/about")
    expect(page.get_by_role("heading", level=1)).to_have_text("About this calculator")
    no_violations(page)


def test_an_unknown_case_leads_back_to_the_teaching_cases(page: Page) -> None:
    # The page not found is checked with axe-core in test_accessibility.py.
    response = page.goto("/cases/no-such-case")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="See the list of teaching cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teaching cases")


def test_the_about_page_fits_a_320_px_screen(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/about")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page is {width} px wide at 320 px: it scrolls sideways"


def test_the_disclaimer_link_reaches_the_full_text(page: Page) -> None:
    page.goto("/about")
    page.get_by_role("note").get_by_role("link", name="disclaimer").click()
    expect(page.get_by_role("region", name="Disclaimer")).to_be_in_viewport()
