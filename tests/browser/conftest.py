"""Browser-test fixtures: answer the form as a person does; a page without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect


class FormHelper:
    """Answer the calculator's form by its labels and legends, as a person reads them."""

    # The README's case: three adverse factors present, none favourable, four not assessed.
    example = {
        "Age at onset": "65",
        "Anti-Jo-1 antibody": "Negative",
        "Interstitial lung disease (ILD)": "Present",
        "Course of the ILD": "Progressive (chronic, worsening)",
    }
    example_summary = "3 adverse factors present, 0 favourable, 4 not assessed"
    numbers = ("Age at onset", "Forced vital capacity (FVC)", "Delay in diagnosis")

    @staticmethod
    def question(page: Page, legend: str) -> Locator:
        """Return the group of radios with this legend."""
        return page.get_by_role("group", name=legend, exact=True)

    def fill(self, page: Page, answers: dict[str, str]) -> None:
        """Type each number and check each radio, in the order given."""
        for label, value in answers.items():
            if label in self.numbers:
                page.get_by_label(label, exact=True).fill(value)
            else:
                self.question(page, label).get_by_label(value, exact=True).check()

    def expect_kept(self, page: Page, answers: dict[str, str]) -> None:
        """Check that every answer is still typed in or checked."""
        for label, value in answers.items():
            if label in self.numbers:
                expect(page.get_by_label(label, exact=True)).to_have_value(value)
            else:
                radio = self.question(page, label).get_by_label(value, exact=True)
                expect(radio).to_be_checked()

    @staticmethod
    def submit(page: Page) -> None:
        """Press the form's button."""
        page.get_by_role("button", name="Show the prognostic factors").click()


@pytest.fixture(autouse=True)
def _fail_fast(context: BrowserContext) -> None:
    """Wait at most 10 s for anything, so that a broken page fails quickly."""
    context.set_default_timeout(10_000)


@pytest.fixture
def form() -> FormHelper:
    return FormHelper()


@pytest.fixture
def no_js_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a browser context with JavaScript turned off."""
    context = new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    return context.new_page()
