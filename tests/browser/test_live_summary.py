"""Issue 19, point 1: the live summary beside the form.

As answers are given, a panel beside the questions (below them on a phone) names the cautions,
the factors present with their reasons and evidence words, strongest evidence first, and the
answers that would assess more, from POST /api/v3/assess. It is a polite live region that never
takes the focus; the answers travel in the body of a POST, never in a URL; without JavaScript
the form is as it was. What the panel should say comes from rules.yaml, through the engine.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from calculator.core import words as report
from calculator.core.engine import assess

from .test_glance import TYPICAL_ANSWERS

PANEL = "#live-summary"


def expect_panel_says(page: Page, expected) -> None:
    """Check that the panel names what the result's summary names, in the same order."""
    panel = page.locator(PANEL)
    present = panel.locator("[data-live-present]")
    expect(present).to_have_count(len(expected.present))
    for i, finding in enumerate(expected.present):
        rule = finding.rule
        expect(present.nth(i)).to_have_text(
            f"{rule.title} ({rule.effect.value}; {rule.evidence.value} evidence): "
            f"{report.reason(finding)}"
        )
    for caution in expected.assessment.cautions:
        expect(panel).to_contain_text(f"{caution.rule.title}: {report.reason(caution)}")


def test_the_panel_names_each_factor_as_the_answers_are_typed(page: Page, form, rules) -> None:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.goto("/")
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Answer a question")

    # One answer typed: the panel names the factor it shows, the focus stays where it was.
    age = page.get_by_label("Age at onset", exact=True)
    age.fill("64")
    one = form.expected({"Age at onset": "64"})
    expect_panel_says(page, one)
    expect(age).to_be_focused()

    # Then the whole typical case, CRP in mg/dL as typed: the same names and order as the
    # result's summary, evidence words in plain sight.
    form.fill(page, TYPICAL_ANSWERS)
    typical = form.expected(TYPICAL_ANSWERS)
    assert typical.assessment == assess(rules, form.inputs(TYPICAL_ANSWERS))
    expect_panel_says(page, typical)
    expect(panel.locator(".glance-evidence").first).to_be_visible()

    # The answers went in the body of a POST to the API, never in an address.
    assert sent and all(urlsplit(url).path == "/api/v3/assess" for url in sent)
    assert all(not urlsplit(url).query for url in sent)
    assert urlsplit(page.url).path == "/" and not urlsplit(page.url).query

    # "Show the full result" submits the form: the result's summary says the same.
    panel.get_by_role("button", name="Show the full result").click()
    typical.expect_summary(page)


def test_the_panel_is_one_polite_live_region_and_names_what_would_assess_more(
    page: Page, form
) -> None:
    page.goto("/")
    # (The lung-function table's change outputs are aria-live="off": read where they stand.)
    live = page.locator('[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"]')
    # The panel's own region is the only one the form page has, and it is polite.
    expect(page.locator(f"{PANEL} [aria-live]")).to_have_count(1)
    expect(live).to_have_count(1)
    expect(live).to_have_attribute("aria-live", "polite")
    expect(page.locator(PANEL)).not_to_have_attribute("aria-live", "polite")

    form.fill(page, {"Anti-MDA5 antibody": "Positive"})
    expected = form.expected({"Anti-MDA5 antibody": "Positive"})
    assert expected.assessment.cautions, "anti-MDA5 should raise its caution"
    expect_panel_says(page, expected)
    needed = page.locator(f"{PANEL} .live-needed a")
    expect(needed.first).to_be_visible()
    # Each answer named is a link to its question, and no line starts with a comma.
    first = needed.first
    target = first.get_attribute("href")
    assert target and page.locator(target).count() == 1
    tops = page.locator(f"{PANEL} .live-needed-item").evaluate_all(
        "items => items.map(i => i.textContent)"
    )
    assert all(not text.startswith(",") for text in tops)


def test_an_answer_that_cannot_be_read_is_named_not_guessed(page: Page, form) -> None:
    page.goto("/")
    page.get_by_label("Age at onset", exact=True).fill("64")
    expect(page.locator(f"{PANEL} [data-live-present]")).to_have_count(1)
    page.get_by_label("Forced vital capacity (FVC)", exact=True).fill("6000")
    panel = page.locator(PANEL)
    expect(panel).to_contain_text("Not updated until an answer is corrected")
    expect(panel).to_contain_text("Forced vital capacity (FVC)")
    expect(panel.locator("[data-live-present]")).to_have_count(0)  # nothing stale is left


def test_the_panel_sits_beside_the_questions_and_below_them_on_a_phone(page: Page) -> None:
    page.goto("/")
    panel = page.locator(PANEL)
    questions = page.locator("form.answers")
    wide_panel, wide_form = panel.bounding_box(), questions.bounding_box()
    assert wide_panel and wide_form
    assert wide_panel["x"] >= wide_form["x"] + wide_form["width"]  # beside
    page.set_viewport_size({"width": 375, "height": 800})
    narrow_panel, narrow_form = panel.bounding_box(), questions.bounding_box()
    assert narrow_panel and narrow_form
    assert narrow_panel["y"] >= narrow_form["y"] + narrow_form["height"]  # below
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_without_javascript_the_form_has_no_panel(no_js_page: Page) -> None:
    no_js_page.goto("/")
    expect(no_js_page.locator(PANEL)).to_be_hidden()
    expect(no_js_page.get_by_role("button", name="Show the prognostic factors")).to_be_visible()


def test_the_filled_panel_is_accessible_light_and_dark(page: Page, form, no_violations) -> None:
    page.goto("/")
    form.fill(page, {**TYPICAL_ANSWERS, "Anti-MDA5 antibody": "Positive"})
    expect(page.locator(f"{PANEL} [data-live-present]").first).to_be_visible()
    no_violations(page)
    page.emulate_media(color_scheme="dark")
    no_violations(page)
