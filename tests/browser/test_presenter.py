"""The presenter in a lecture hall: every slide fits the screen; a keyboard runs a case."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from calculator.core.engine import Status

SCREENS = [(1280, 720), (1920, 1080)]

# Each slide shown in turn, as the deck shows it; its height as laid out with no fixed height.
MEASURE = """() => {
  const slides = Array.from(document.querySelectorAll('[data-slide]'));
  return slides.map(slide => {
    slides.forEach(other => other.classList.toggle('is-current', other === slide));
    slide.style.height = 'auto'; slide.style.minHeight = '0';
    const natural = slide.getBoundingClientRect().height;
    slide.style.height = ''; slide.style.minHeight = '';
    return [slide.id, natural, slide.scrollHeight, slide.clientHeight];
  });
}"""


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=lambda v: str(v))
def test_every_slide_of_every_case_fits_the_screen(
    browser: Browser, base_url: str, teaching, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height}, base_url=base_url)
    too_tall = []
    for case in teaching.book.cases:
        page.goto(f"/cases/{case.id}/present")
        expect(page.locator("body.deck")).to_have_count(1)
        measured = page.evaluate(MEASURE)
        assert len(measured) >= 4
        for slide_id, natural, scrolled, shown in measured:
            if natural > height or scrolled > shown:
                too_tall.append((case.id, slide_id, natural))
    page.close()
    assert not too_tall, too_tall


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=lambda v: str(v))
def test_what_if_and_comparison_slides_fit_the_screen(
    browser: Browser, base_url: str, teaching, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height}, base_url=base_url)
    sizes = []
    for case in teaching.book.cases:
        page.goto(f"/cases/{case.id}/present#slide-4")
        offers = page.locator("#slide-4").get_by_role("button", name=re.compile("^What if"))
        if offers.count():
            offers.first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("What if")
            sizes += [(case.id, "what-if", *m[1:]) for m in page.evaluate(MEASURE)]
    first = teaching.book.cases[0].id
    for other in teaching.book.cases[1:]:
        page.goto(f"/compare?a={first}&b={other.id}&view=present")
        sizes += [(other.id, "compare", *m[1:]) for m in page.evaluate(MEASURE)]
    page.close()
    assert len(sizes) > len(teaching.book.cases)
    too_tall = [s for s in sizes if s[2] > height or s[3] > s[4]]
    assert not too_tall, too_tall


def test_a_keyboard_runs_a_whole_case(page: Page, teaching, no_violations) -> None:
    expected = teaching.expected("pl7-fibrosis")
    present = expected.titles(Status.PRESENT)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("/cases/pl7-fibrosis/present")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text(teaching.title("pl7-fibrosis"))
    expect(page.get_by_role("banner")).to_have_count(0)  # no site chrome
    keys = page.keyboard

    keys.press("ArrowRight")
    expect(page.locator("#slide-2")).to_be_focused()
    expect(page.locator("#slide-2")).to_contain_text("What do you think?")
    keys.press("PageDown")
    answer = page.locator("#slide-3")
    expect(answer).to_be_focused()
    tiles = answer.get_by_role("listitem")
    expect(tiles.first).to_be_hidden()  # the answer is revealed one tile at a time
    keys.press("Space")
    expect(tiles.first).to_be_visible()
    expect(tiles.first).to_contain_text(present[0])
    expect(tiles.nth(1)).to_be_hidden()
    for _ in range(len(expected.assessment.findings) - 1):
        keys.press("ArrowRight")
    expect(tiles.last).to_be_visible()
    expect(page.locator("#slide-3")).to_be_focused()

    keys.press("ArrowRight")
    factor = page.locator("#slide-4")
    expect(factor).to_be_focused()
    expect(factor.get_by_role("heading", level=2)).to_have_text(present[0])
    age = expected.inputs.age_at_onset
    expect(factor).to_contain_text(f"For this patient: Age at onset: {age} years")

    # A what-if from the slide shows the changed factor highlighted; Escape leads back.
    question = factor.get_by_role("button", name=re.compile(r"^What if age at onset were"))
    question.focus()
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("What if: Age at onset were")
    age_line = f"{expected.title('age_over_60')}: present → absent"
    expect(page.get_by_text(age_line)).to_be_visible()
    expect(page.locator(".tile--changed")).to_have_count(1)
    expect(page.locator(".tile--changed")).to_contain_text("Changed")
    no_violations(page)
    keys.press("Escape")
    expect(page).to_have_url(re.compile(r"/cases/pl7-fibrosis/present#slide-4$"))
    expect(page.locator("#slide-4")).to_be_visible()
    # The deck's script has taken over (one slide shown) before a key is pressed.
    expect(page.locator("body.deck #slide-4.is-current")).to_have_count(1)

    # The absent factors together; the toggle shows them one at a time.
    keys.press("End")
    keys.press("ArrowLeft")
    absent = page.locator("#slide-" + str(page.locator("[data-slide]").count() - 1))
    expect(absent).to_be_focused()
    items = absent.get_by_role("listitem")
    expect(items).to_have_count(expected.count(Status.ABSENT))
    expect(items.last).to_be_visible()
    toggle = absent.get_by_role("button", name="Show them one at a time")
    toggle.focus()
    keys.press("Enter")
    expect(absent.get_by_role("button", name="Show them all at once")).to_have_attribute(
        "aria-pressed", "true"
    )
    absent.focus()
    expect(items.first).to_be_hidden()
    keys.press("ArrowRight")
    expect(items.first).to_be_visible()
    expect(items.nth(1)).to_be_hidden()

    keys.press("PageUp")
    expect(page.locator("[data-slide]").nth(-3)).to_be_focused()
    keys.press("Home")
    expect(page.locator("#slide-1")).to_be_focused()


def test_without_javascript_the_slides_stack_with_next_links(no_js_page: Page, teaching) -> None:
    page = no_js_page
    page.goto("/cases/mda5-rapid/present")
    slides = page.locator("[data-slide]")
    expect(slides.nth(1)).to_be_attached()
    expect(slides.nth(2).get_by_role("listitem").first).to_be_visible()  # nothing veiled
    page.locator("#slide-1").get_by_role("link", name=re.compile(r"^Next: ")).click()
    expect(page).to_have_url(re.compile(r"#slide-2$"))
    expect(page.locator("#slide-2")).to_be_in_viewport()


def test_two_cases_compared_presenter_style_and_back(page: Page, teaching, no_violations) -> None:
    page.goto("/cases/stable-jo1/present")
    page.wait_for_load_state()
    page.keyboard.press("End")
    end = page.locator("[data-slide]").last
    end.get_by_label("Compare with another case, presenter style").select_option(
        label=teaching.title("pl7-fibrosis")
    )
    end.get_by_role("button", name="Compare").click()
    expect(page.locator("#slide-1").get_by_role("heading", level=2)).to_contain_text(
        teaching.title("stable-jo1")
    )
    age_title = teaching.expected("stable-jo1").title("age_over_60")
    expect(page.get_by_role("row", name=re.compile(rf"^{re.escape(age_title)} "))).to_be_visible()
    no_violations(page)
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/cases/stable-jo1/present#slide-\d+$"))
    expect(page.get_by_role("heading", name="What the case shows")).to_be_visible()
