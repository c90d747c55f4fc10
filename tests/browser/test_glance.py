"""Issue 9, the result at a glance: what the first screen shows, how long the page is, Back and
Forward, the text for the notes, print, narrow screens, forced colours and dark mode.

The answers are the benchmark's typical case (tests/bench/run.py), sent through the form as
typed, CRP in mg/dL with its unit; what they should show comes from rules.yaml.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from calculator.core import words as report
from calculator.core.engine import assess
from calculator.core.inputs import FIELDS, Inputs
from tests.bench.run import TYPICAL, TYPICAL_FORM_CHANGES

from .pages import RESULT_TITLE, back, choose_what_if, forward, settled, your_answers

NOTES_LABEL = "The result as plain text, to copy into the notes"
ASSESSED_AT = re.compile(r"Assessed \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def as_labels(values: dict[str, Any]) -> dict[str, str]:
    """Turn form values by name into answers by label and choice, in the same order."""
    answers: dict[str, str] = {}
    for name, value in values.items():
        if name.endswith("_unit"):
            spec = FIELDS[name.removesuffix("_unit")]
            unit = next(label for code, label, _ in spec.form_units if code == value)
            answers[f"Unit of {spec.label}"] = unit
        elif FIELDS[name].is_number:
            answers[FIELDS[name].label] = str(value)
        else:
            choice = next(c for c in FIELDS[name].choices if c.value == value)
            answers[FIELDS[name].label] = choice.label
    return answers


# As typed, CRP in mg/dL with its unit.
TYPICAL_ANSWERS = as_labels({**TYPICAL, **TYPICAL_FORM_CHANGES})


def kept_by_the_server(expected) -> dict[str, str]:
    """Return the answers a result sends back to the form: the known ones, each number in the
    unit it was typed in (CRP in mg/dL)."""
    typed_units = {
        name.removesuffix("_unit"): code
        for name, code in TYPICAL_FORM_CHANGES.items()
        if name.endswith("_unit")
    }
    return as_labels(report.known_answers(expected.assessment, typed_units))


@pytest.fixture
def typical(form, rules):
    """What the rules say for the typical case, checked against the benchmark's own answers."""
    expected = form.expected(TYPICAL_ANSWERS)
    assert expected.inputs == Inputs(**TYPICAL)  # 1.4 mg/dL is the benchmark's 14 mg/L
    assert expected.assessment == assess(rules, Inputs(**TYPICAL))
    assert expected.present, "the typical case should have factors present"
    return expected


def show_typical(page: Page, form, *, javascript: bool = True) -> None:
    """Send the typical case through the form (set by script: these tests are about the
    result; the form's own tests type) and show its result."""
    form.post(page, TYPICAL_ANSWERS)
    expect(page).to_have_title(RESULT_TITLE)
    if javascript:
        # The page's script has run (it keeps the answers for Back and Forward, and handles
        # Clear) once it has named the entry /result: only then is the page as a person sees it.
        expect(page).to_have_url(re.compile(r"^[^?#]*/result$"))


def bottom(page: Page, selector: str) -> list[float]:
    """Return the bottom edge of each element, in CSS px from the top of the viewport."""
    return page.locator(selector).evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().bottom)"
    )


# (1) The first screen ------------------------------------------------------------------------


@pytest.mark.parametrize("width, height", [(1280, 800), (375, 812)])
def test_the_first_screen_names_every_factor_present(
    new_context: Callable[..., BrowserContext], form, typical, width: int, height: int
) -> None:
    context = new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    show_typical(page, form)
    typical.expect_summary(page)
    assert page.evaluate("window.scrollY") == 0

    h1 = bottom(page, "h1")
    present = bottom(page, "#summary [data-present]")
    print(f"\nfirst screen {width}x{height}: h1 bottom {h1}, present bottoms {present}")
    assert len(present) == len(typical.present)
    # A patient's result has no tile grid: the ranked summary is the first screen.
    assert page.locator(".factor-map").count() == 0
    for what, edges in (("h1", h1), ("a present factor", present)):
        for edge in edges:
            assert edge <= height, f"{what} ends at {edge:.0f} px, below the {height} px screen"


# (2) Page heights ----------------------------------------------------------------------------


@pytest.mark.parametrize("width, limit", [(1280, 3000), (375, 6000)])
def test_the_result_page_is_not_too_long(page: Page, form, width: int, limit: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    show_typical(page, form)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"\nresult height at {width} px: {height} px")
    assert height <= limit, f"the result is {height} px long at {width} px wide (limit {limit})"


# (3) Back and Forward ------------------------------------------------------------------------


def no_dialogs(page: Page) -> list[str]:
    """Record (and dismiss) any dialog, such as a "resubmit the form?" prompt."""
    seen: list[str] = []

    def dismiss(dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    return seen


def expect_the_result_again(page: Page, expected) -> None:
    expect(page).to_have_url(re.compile(r"^[^?#]*/result$"))
    expect(page).to_have_title(RESULT_TITLE)
    expect(page.get_by_role("region", name="Summary", exact=True)).to_be_visible()
    expected.expect_summary(page)
    settled(page)


def test_back_from_a_link_shows_the_result_again(page: Page, form, typical) -> None:
    dialogs = no_dialogs(page)
    show_typical(page, form)
    expect(page).to_have_url(re.compile(r"/result$"))

    # An absent factor's link to its explanation, in the same tab.
    absent = next(f for f in typical.assessment.findings if f.status.value == "absent")
    link = page.locator(f"#factor-{absent.rule.id}").get_by_role("link", name=absent.rule.title)
    expect(link).not_to_have_attribute("target", "_blank")
    link.click()
    expect(page).to_have_url(re.compile(rf"/rules#rule-{absent.rule.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect_the_result_again(page, typical)

    nav = page.get_by_role("navigation", name="Site")
    nav.get_by_role("link", name="Rules and evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect_the_result_again(page, typical)
    forward(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect_the_result_again(page, typical)
    assert dialogs == []


def test_back_and_forward_keep_each_result_of_the_tab_what_ifs_included(
    page: Page, form, typical
) -> None:
    dialogs = no_dialogs(page)
    show_typical(page, form)
    choose_what_if(page, "What if anti-Ro52 antibody were negative?", shown=False)
    what_if = page.get_by_role("heading", name=re.compile("^What if: Anti-Ro52"))
    expect(what_if).to_be_visible()
    expect(page).to_have_url(re.compile(r"^[^?#]*/result$"))  # not the POST's URL

    nav = page.get_by_role("navigation", name="Site")
    nav.get_by_role("link", name="Rules and evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect(what_if).to_be_visible()  # the what-if again, not the result it came from
    settled(page)
    back(page)
    expect_the_result_again(page, typical)  # the original result, not the what-if
    expect(what_if).to_have_count(0)
    forward(page)
    expect(what_if).to_be_visible()
    assert dialogs == []


def test_back_and_forward_through_change_never_ask_to_resend(page: Page, form, typical) -> None:
    dialogs = no_dialogs(page)
    show_typical(page, form)
    page.get_by_role("button", name="Change your answers").click()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    settled(page)  # the form's script names the entry "/", so Forward need not post again
    back(page)
    expect_the_result_again(page, typical)
    page.go_forward()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    form.expect_kept(page, TYPICAL_ANSWERS)  # as typed, numbers included
    assert dialogs == []


def test_change_on_a_what_if_returns_to_the_answers_given(page: Page, form, typical) -> None:
    show_typical(page, form)
    choose_what_if(page, "What if anti-Ro52 antibody were negative?", shown=False)
    answers = page.get_by_role("complementary", name="Answers for this what-if")
    expect(answers).to_contain_text("(changed; was Positive)")
    answers.get_by_role("button", name="Change Anti-Ro52 antibody").click()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    form.expect_kept(page, {"Anti-Ro52 antibody": "Positive"})  # not the what-if's Negative
    form.expect_kept(page, kept_by_the_server(typical))


def test_back_from_the_result_shows_the_form_filled(page: Page, form) -> None:
    dialogs = no_dialogs(page)
    show_typical(page, form)
    page.go_back()
    expect(page.get_by_role("button", name="Show the prognostic factors")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    form.expect_kept(page, TYPICAL_ANSWERS)  # numbers included
    for spec in FIELDS.values():
        if spec.ild_only:
            if spec.is_number:
                expect(page.get_by_label(spec.label, exact=True)).to_be_visible()
            else:
                expect(form.question(page, spec.label)).to_be_visible()
    assert dialogs == []


def expect_empty_form(page: Page) -> None:
    expect(page.get_by_role("button", name="Show the prognostic factors")).to_be_visible()
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    for spec in FIELDS.values():
        if spec.is_number:
            expect(page.get_by_label(spec.label, exact=True)).to_have_value("")
    # After Clear (a POST) the form's script names the entry "/", so that Back to it and
    # Forward never post again: wait for it before the next move.
    settled(page)


def test_clear_my_answers_empties_the_form_for_good(page: Page, form, typical) -> None:
    show_typical(page, form)
    assert page.evaluate("sessionStorage.length") > 0  # kept in the tab for Back and Forward
    page.get_by_role("button", name="Change your answers").click()
    form.expect_kept(page, kept_by_the_server(typical))
    settled(page)  # Clear empties the tab's store through the form's script

    page.get_by_role("button", name="Clear my answers").click()
    expect_empty_form(page)
    assert page.evaluate("sessionStorage.length") == 0

    page.goto("/")
    expect_empty_form(page)
    assert page.evaluate("sessionStorage.length") == 0


def test_a_form_opened_afresh_is_empty_for_the_next_patient(page: Page, form, typical) -> None:
    show_typical(page, form)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Calculator").click()
    expect_empty_form(page)
    back(page)
    expect_the_result_again(page, typical)  # the answers are still kept for Back


def test_clear_my_answers_on_a_result_forgets_them(page: Page, form, typical) -> None:
    show_typical(page, form)
    page.get_by_role("button", name="Clear my answers").click()
    expect_empty_form(page)
    assert page.evaluate("sessionStorage.length") == 0
    page.go_back()  # to the result, which can no longer be shown
    expect(page.get_by_text("This tab no longer holds the answers for this result")).to_be_visible()


def test_the_answers_never_appear_in_a_url(page: Page, form) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    show_typical(page, form)
    page.get_by_role("button", name="Change Age at onset").click()
    form.submit(page)
    expect(page).to_have_url(re.compile(r"^[^?#]*/result$"))  # its script has run
    choose_what_if(page, "What if anti-Ro52 antibody were negative?", shown=False)
    expect(page.get_by_role("heading", name=re.compile("^What if: Anti-Ro52"))).to_be_visible()
    back(page)
    expect(page).to_have_title(RESULT_TITLE)
    settled(page)
    page.get_by_role("link", name="Rules and evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect(page).to_have_title(RESULT_TITLE)
    settled(page)
    page.go_forward()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules and evidence")
    back(page)
    expect(page).to_have_title(RESULT_TITLE)
    settled(page)

    assert len(requested) > 5, requested
    typed = {value for label, value in TYPICAL_ANSWERS.items() if label in form.numbers}
    for url in requested:
        parts = urlsplit(url)
        beyond_origin = f"{parts.path}?{parts.query}#{parts.fragment}"
        assert parts.query == "", url
        for name in FIELDS:
            assert name not in beyond_origin, (name, url)
        for value in typed:
            assert not re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", beyond_origin), (
                value,
                url,
            )


# (4) The text for the notes ------------------------------------------------------------------


def test_copy_the_text_puts_the_result_on_the_clipboard(
    page: Page, form, typical, rules, base_url: str
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    show_typical(page, form)
    page.get_by_role("button", name="Copy the text").click()
    expect(page.get_by_role("status")).to_have_text("Copied. Paste it into the notes.")
    copied = page.evaluate("navigator.clipboard.readText()")

    assert copied == page.get_by_label(NOTES_LABEL).input_value()
    assert f"rules version {rules.version}" in copied
    for title in typical.present_titles:
        assert f"- {title} (" in copied, title
    assert "Not medical advice" in copied
    assert "\nAnswers:\n" in copied


def test_without_javascript_the_text_is_there_to_select(
    page: Page, no_js_page: Page, form, typical, rules
) -> None:
    show_typical(page, form)
    with_js = page.get_by_label(NOTES_LABEL).input_value()
    show_typical(no_js_page, form, javascript=False)

    notes = no_js_page.get_by_label(NOTES_LABEL)
    expect(notes).to_be_visible()
    expect(notes).to_have_attribute("readonly", "")
    text = notes.input_value()
    assert ASSESSED_AT.sub("Assessed", text) == ASSESSED_AT.sub("Assessed", with_js)
    assert f"rules version {rules.version}" in text
    for title in typical.present_titles:
        assert title in text
    assert "Not medical advice" in text and "\nAnswers:\n" in text
    for name in ("Copy the text", "Download as a .txt file"):
        expect(no_js_page.get_by_role("button", name=name, include_hidden=True)).to_be_hidden()
        expect(page.get_by_role("button", name=name)).to_be_visible()


def test_download_gives_the_same_text_as_a_txt_file(page: Page, form) -> None:
    show_typical(page, form)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as a .txt file").click()
    download = info.value
    assert download.suggested_filename.endswith(".txt"), download.suggested_filename
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content == page.get_by_label(NOTES_LABEL).input_value()


# (5) Print -----------------------------------------------------------------------------------


def test_the_typical_result_prints_on_two_pages_summary_and_answers_first(
    page: Page, form, typical
) -> None:
    show_typical(page, form)
    page.emulate_media(media="print")
    # No text a person reads on paper is under 9 pt (12 CSS px): measured on every visible
    # text in print media, not on a stylesheet.
    sizes = page.evaluate(VISIBLE_TEXT_SIZES)
    assert sizes, "no visible text measured"
    small = {size: chars for size, chars in sizes.items() if float(size) < 12}
    assert not small, f"text under 9 pt in print: {small} (px: characters)"
    pages = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    texts = [
        # NFKC undoes the ligatures the PDF's text may carry ("ﬁ" for "fi").
        unicodedata.normalize("NFKC", " ".join(p.extract_text().split()))
        for p in pages
    ]
    assert len(pages) <= 2, f"the typical case prints on {len(pages)} A4 pages"
    first, everything = texts[0], " ".join(texts)
    # Page 1: the disclaimer, a place for the patient's label, the ranked summary with each
    # factor's evidence word, and the answers.
    assert " ".join(report.DISCLAIMER.split()[:12]) in first
    assert "Patient label" in first
    summary = [
        f"{f.rule.title} ({f.rule.effect.value}; {f.rule.evidence.value} evidence)"
        for f in typical.present
    ]
    places = [first.find(item) for item in summary]
    assert all(p >= 0 for p in places), [s for s, p in zip(summary, places, strict=True) if p < 0]
    assert places == sorted(places), "the summary is printed in its ranked order"
    assert "Your answers" in first
    assert "Page 1 of" in first, first[:300]
    assert f"Page {len(pages)} of {len(pages)}" in texts[-1]
    # Then each factor present whole, on one page: its title with its population and caveat
    # (its reason is in the summary, its explanation and references at /rules, as it says).
    assert "explanation and references: /rules" in everything
    for finding in typical.present:
        details = [finding.rule.studied_in, finding.rule.caveat or ""]
        on = [
            i
            for i, text in enumerate(texts)
            if all(" ".join(d.split()[:6]) in text for d in details)
        ]
        assert on, f"{finding.rule.id}: its population and caveat are not on one page"


# The font size of each visible text on the page, as {size in px: characters}.
VISIBLE_TEXT_SIZES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const sizes = {};
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element.checkVisibility() || element.closest(".visually-hidden")) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    if (!range.getClientRects().length) { continue; }
    const size = parseFloat(getComputedStyle(element).fontSize).toFixed(1);
    sizes[size] = (sizes[size] || 0) + text.length;
  }
  return sizes;
}"""


# (5b) Phone: tap targets and line starts ------------------------------------------------------

# Every visible control a thumb aims at; links inside running text (a sentence, a list of names)
# are inline targets, which WCAG 2.5.8 exempts, and are left out.
TAP_TARGETS = """() => [...document.querySelectorAll(
    'button, select, summary, input:not([type=hidden]), .site-header nav a')]
  .filter(e => e.checkVisibility() && e.getBoundingClientRect().width > 0)
  .map(e => ({ what: (e.textContent || e.name || e.tagName).trim().slice(0, 40),
               height: e.getBoundingClientRect().height }))"""

# Where a comma or semicolon is the first character of a rendered line in these elements.
LINE_START_PUNCTUATION = """selector => {
  const found = [];
  for (const block of document.querySelectorAll(selector)) {
    const left = block.getBoundingClientRect().left;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i += 1) {
        if (!",;".includes(node.data[i])) { continue; }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width && rect.left - left < 3) {
          found.push(node.data.slice(Math.max(0, i - 20), i + 1));
        }
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("width", [375, 320])
def test_on_a_phone_every_tap_target_is_44_px_tall_and_no_line_starts_with_a_comma(
    page: Page, form, typical, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    show_typical(page, form)
    targets = page.evaluate(TAP_TARGETS)
    assert len(targets) > len(typical.assessment.findings)  # Change buttons, what-ifs, ...
    short = [t for t in targets if t["height"] < 44 - 0.5]
    assert not short, f"tap targets under 44 px at {width} px: {short}"
    starts = page.evaluate(LINE_START_PUNCTUATION, ".glance-needed, .factor-line, .glance")
    assert not starts, f"lines that start with a comma at {width} px: {starts}"


# (6) 320 px wide -----------------------------------------------------------------------------


def pages_to_check(teaching) -> list[str]:
    first, second = teaching.book.cases[:2]
    return [
        "/",
        "/rules",
        "/cases",
        f"/cases/{first.id}",
        f"/cases/{first.id}/present",
        f"/compare?a={first.id}&b={second.id}",
        "/api",
        "/about",
        "/no-such-page",
    ]


def test_no_page_scrolls_sideways_at_320_px(page: Page, form, teaching) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    widths: dict[str, int] = {}
    for path in pages_to_check(teaching):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    show_typical(page, form)
    widths["result"] = page.evaluate("document.documentElement.scrollWidth")
    print(f"\nscrollWidth at 320 px: {widths}")
    assert all(width <= 320 for width in widths.values()), widths


# (7) Forced colours and dark mode ------------------------------------------------------------

BORDER = """el => {
  const s = getComputedStyle(el);
  return [s.borderTopStyle, s.borderTopWidth, s.outlineStyle, s.outlineWidth].join(" ");
}"""


def test_forced_colours_keep_tiles_and_buttons_apart(page: Page, form, typical) -> None:
    assert any(f.status.value == "absent" for f in typical.assessment.findings)
    page.emulate_media(forced_colors="active")
    show_typical(page, form)  # a patient's result: its buttons, below
    teaching = page.context.new_page()  # tiles are drawn for a teaching case
    teaching.emulate_media(forced_colors="active")
    teaching.goto("/cases/pl7-fibrosis")
    tiles = teaching.get_by_role("list", name="All factors at a glance").get_by_role("listitem")
    present = tiles.filter(has_text=re.compile(r"Present: (adverse|favourable)")).first
    absent = tiles.filter(has=teaching.locator(".tile-status", has_text="Absent")).first
    present_border = present.get_by_role("link").evaluate(BORDER)
    absent_border = absent.get_by_role("link").evaluate(BORDER)
    assert present_border.split()[:2] != absent_border.split()[:2], (present_border, absent_border)

    buttons = ["Change your answers", "Print or save as PDF", "Copy the text"]
    for name in buttons:
        style, width, outline, outline_width = (
            page.get_by_role("button", name=name).evaluate(BORDER).split()
        )
        has_border = style not in ("none", "hidden") and float(width.removesuffix("px")) > 0
        has_outline = outline != "none" and float(outline_width.removesuffix("px")) > 0
        assert has_border or has_outline, (name, style, width, outline, outline_width)


def test_the_form_and_a_result_are_accessible_in_dark_mode(page: Page, form, no_violations) -> None:
    # Light is the default, checked in test_accessibility.py; dark changes only the colours.
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    form.fill(page, {"Interstitial lung disease (ILD)": "Present"})
    no_violations(page)
    show_typical(page, form)
    expect(your_answers(page)).to_be_visible()
    no_violations(page)


# The answers beside the result ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["age_at_onset", "malignancy"])
def test_change_returns_to_the_filled_form_at_that_question(
    page: Page, form, typical, name: str
) -> None:
    spec = FIELDS[name]
    show_typical(page, form)
    expect(your_answers(page).get_by_role("button", name=re.compile(r"^Change "))).to_have_count(
        len(FIELDS) + 1  # a Change button per answer, and "Change your answers"
    )
    your_answers(page).get_by_role("button", name=f"Change {spec.label}", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Enter what is known"))
    form.expect_kept(page, kept_by_the_server(typical))
    if spec.is_number:
        expect(page.get_by_label(spec.label, exact=True)).to_be_focused()
    else:
        answer = TYPICAL_ANSWERS[spec.label]
        expect(form.question(page, spec.label).get_by_label(answer, exact=True)).to_be_focused()


def test_an_empty_form_asks_for_one_answer(page: Page, form) -> None:
    page.goto("/")
    form.submit(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(re.compile(r"^Answer at least one question"))


def test_links_under_the_tiles_lead_to_the_answers_and_the_notes(page: Page, form) -> None:
    show_typical(page, form)
    page.get_by_role("link", name="your answers", exact=True).click()
    expect(page.get_by_role("heading", name="Your answers")).to_be_in_viewport()
    page.get_by_role("link", name="the text for the notes").click()
    expect(page.get_by_label(NOTES_LABEL)).to_be_in_viewport()


def test_change_on_a_question_that_needs_ild_goes_to_the_ild_question(page: Page, form) -> None:
    page.goto("/")
    form.fill(page, {"Age at onset": "50", "Interstitial lung disease (ILD)": "Absent"})
    form.submit(page)
    expect(page).to_have_title(RESULT_TITLE)
    page.get_by_role("button", name="Change Course of the ILD").click()
    ild = form.question(page, "Interstitial lung disease (ILD)")
    expect(ild.get_by_label("Absent", exact=True)).to_be_focused()


def test_a_what_if_from_a_what_if_starts_from_the_answers_given(page: Page, form, typical) -> None:
    show_typical(page, form)
    choose_what_if(page, "What if anti-Ro52 antibody were negative?", shown=False)
    expect(page.get_by_role("heading", name=re.compile("^What if: Anti-Ro52"))).to_be_visible()
    # No what-if is offered of the what-if's own answers; the form asks one of the answers given.
    expect(page.locator("button[name=what_if]")).to_have_count(0)
    page.get_by_label("What if this measurement …").select_option(label="Age at onset (years)")
    page.get_by_label("were (a number)").fill("59")
    page.get_by_label("were (a number)").press("Enter")
    expect(page.get_by_role("heading", name="What if: Age at onset were 59 years")).to_be_visible()
    answers = your_answers(page)
    expect(answers).to_contain_text("59 years (changed; was 64 years)")
    row = answers.locator(".answers-row").filter(has_text="Anti-Ro52 antibody")
    expect(row).to_contain_text("Positive")  # as given, not the first what-if's Negative
    page.get_by_role("button", name="Back to the original answers").click()
    expect_the_result_again(page, typical)


def test_reload_keeps_what_was_typed(page: Page, form) -> None:
    page.goto("/")
    form.fill(page, {"Age at onset": "55", "Interstitial lung disease (ILD)": "Present"})
    page.reload()
    form.expect_kept(page, {"Age at onset": "55", "Interstitial lung disease (ILD)": "Present"})


def test_after_clear_an_old_result_never_shows_the_next_patient(page: Page, form, typical) -> None:
    show_typical(page, form)
    page.get_by_role("button", name="Clear my answers").click()
    expect_empty_form(page)
    form.fill(page, {"Age at onset": "45"})
    form.submit(page)
    expect(page).to_have_url(re.compile(r"^[^?#]*/result$"))  # its script has run
    page.go_back()  # the form
    page.go_back()  # the first patient's result: its answers were cleared
    expect(page.get_by_text("This tab no longer holds the answers for this result")).to_be_visible()
