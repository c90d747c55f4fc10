"""What the result page shows, found as a person finds it: shared by the browser tests."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

# The title of every result page; a what-if's starts with the change.
RESULT_TITLE = re.compile(r"^Result for these answers – ")
WHAT_IF_TITLE = re.compile(r"^What if: .*\. Result for these answers – ")


def your_answers(page: Page) -> Locator:
    """Return the result's answers box, beside the factors: "Your answers", or on a what-if
    "Answers for this what-if"."""
    return page.get_by_role(
        "complementary", name=re.compile(r"^(Your answers|Answers for this what-if)$")
    )


def given_answers(page: Page) -> Locator:
    """Return the answers in "Your answers", without their Change buttons."""
    rows = your_answers(page).get_by_role("definition")
    return rows.filter(has_not=page.get_by_role("button"))


def choose_what_if(scope: Page | Locator, name: str, *, shown: bool) -> None:
    """Press a what-if button; when its "What if…" disclosure is closed, open it first.

    `shown` says whether the button is on view from the start (a teaching case) or folded
    away (a patient's result).
    """
    button = scope.get_by_role("button", name=name, include_hidden=True)
    if shown:
        expect(button).to_be_visible()
    else:
        expect(button).to_be_hidden()
        button.locator("xpath=ancestor::details[1]/summary").click()
        expect(button).to_be_visible()
    button.click()


def back(page: Page) -> None:
    """Press Back. A result comes back through /result, whose script posts the kept answers
    again and writes the reply into that page: wait only until Back has begun; the checks that
    follow wait for the result itself, then `settled` before the next move."""
    page.go_back(wait_until="commit")


def settled(page: Page) -> None:
    """Wait until the page found after Back or Forward has loaded and its script has run (it
    names the history entry for the next Back): call it once a check has found that page."""
    page.wait_for_load_state("load")
    # A result's script names its history entry (history.state.asysResult) once the POST that
    # showed it has committed; Back or Forward pressed before that can be dropped by the browser.
    # Polled with evaluate: wait_for_function compiles its predicate in the page, which the
    # site's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    for _ in range(100):
        with contextlib.suppress(PlaywrightError):  # a page still being replaced: ask again
            if page.evaluate(NAMED):
                return
        page.wait_for_timeout(50)
    raise AssertionError("the page's script did not name its history entry within 5 s")


# The page has loaded and, on a result, its script has named the history entry.
NAMED = (
    "document.readyState === 'complete' && (document.querySelector("
    "'form[data-keep-answers], form[data-keep-what-if]') === null"
    " || !!(window.history.state && window.history.state.asysResult))"
)


def forward(page: Page) -> None:
    """Press Forward, waiting as `back` does."""
    page.go_forward(wait_until="commit")
