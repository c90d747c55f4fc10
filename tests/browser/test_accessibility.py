"""axe-core finds no accessibility violations on any page a person can reach.

The helper that runs axe-core is the `no_violations` fixture (conftest.py), shared with the
other browser tests. axe-core runs once per kind of page, and again only for a state that adds
markup of its own (errors, cautions, a what-if, a teaching case's story, a quiz, the presenter's
slides): the form with its errors is checked in test_v2_form.py, dark mode in test_glance.py.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from calculator.core.engine import Status

from .pages import RESULT_TITLE, choose_what_if


def test_the_form(page: Page, form, no_violations) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    form.fill(page, {"Interstitial lung disease (ILD)": "Present"})
    expect(form.question(page, "Course of the ILD")).to_be_visible()
    no_violations(page)


def test_the_result_with_cautions(page: Page, form, no_violations) -> None:
    # Every part of a result at once: cautions, factors present, absent and not assessed.
    answers = {
        **form.example,
        "Anti-MDA5 antibody": "Positive",
        "Muscle involvement (myositis)": "Present",
        "Extent of ILD on HRCT": "Limited: clearly 20% of the lungs or less",
        "Cancer": "Cancer found within 3 years before or after onset",
    }
    expected = form.expected(answers)
    assert len(expected.cautions) >= 2
    assert {f.status for f in expected.assessment.findings} == set(Status)
    form.post(page, answers)
    expect(page).to_have_title(RESULT_TITLE)
    cautions = page.get_by_role("region", name="Cautions: these factors may not apply")
    expect(cautions.get_by_role("heading", level=3)).to_have_count(len(expected.cautions))
    no_violations(page)


def test_a_what_if_result(page: Page, form, no_violations) -> None:
    form.post(page, form.example)
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
