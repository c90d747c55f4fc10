"""axe-core finds no accessibility violations on any page a person can reach.

The helper that runs axe-core is the `no_violations` fixture (conftest.py), shared with the
v2 form tests.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .pages import RESULT_TITLE, choose_what_if


def test_the_form(page: Page, form, no_violations) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    form.fill(page, {"Interstitial lung disease (ILD)": "Present"})
    expect(form.question(page, "Course of the ILD")).to_be_visible()
    no_violations(page)


def test_the_form_with_errors(page: Page, form, no_violations) -> None:
    page.goto("/")
    form.fill(page, {"Age at onset": "130", "Delay in diagnosis": "-4"})
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(2)
    no_violations(page)


def test_the_form_with_ild_errors(page: Page, no_js_page: Page, form, no_violations) -> None:
    # With JavaScript on, ILD answers cannot be sent while ILD is not present, so the page
    # with these errors is reached without JavaScript; axe-core needs JavaScript, so the
    # page the server sent is then shown in a normal page at the same address.
    no_js_page.goto("/")
    form.fill(
        no_js_page,
        {
            "Interstitial lung disease (ILD)": "Not known",
            "Course of the ILD": "Non-progressive (stable)",
        },
    )
    form.submit(no_js_page)
    expect(no_js_page).to_have_title(re.compile(r"^Error: "))
    page.goto("/")
    page.set_content(no_js_page.content())
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(form.question(page, "Course of the ILD")).to_contain_text("Applies only when ILD")
    no_violations(page)


def test_the_result(page: Page, form, no_violations) -> None:
    page.goto("/")
    form.fill(
        page,
        {
            **form.example,
            "Muscle involvement (myositis)": "Present",
            "Extent of ILD on HRCT": "Limited: clearly 20% of the lungs or less",
            "Cancer": "Cancer found within 3 years before or after onset",
        },
    )
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    no_violations(page)


def test_a_what_if_result(page: Page, form, no_violations) -> None:
    page.goto("/")
    form.fill(page, form.example)
    form.submit(page)
    choose_what_if(page, "What if anti-Jo-1 antibody were positive?", shown=False)
    expect(page.get_by_role("heading", name=re.compile("^What if: Anti-Jo-1"))).to_be_visible()
    no_violations(page)


def test_the_rule_catalogue(page: Page, no_violations) -> None:
    page.goto("/rules")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    no_violations(page)


def test_the_page_not_found(page: Page, no_violations) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    no_violations(page)


def test_the_teaching_pages(page: Page, teaching, no_violations) -> None:
    for path, heading in [
        ("/cases", "Teaching cases"),
        ("/cases/mda5-rapid", "Prognostic factors for these answers"),
        ("/compare?a=stable-jo1&b=pl7-fibrosis", "Side by side"),
        ("/cases/pl7-fibrosis/present", teaching.title("pl7-fibrosis")),
        ("/api", "ASyS prognostic factor calculator API"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        no_violations(page)
