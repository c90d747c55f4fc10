"""What-if you can see, compare in context, cases as quizzes, used as people use them."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from calculator.core.engine import Status


def test_the_what_if_first_screen_names_the_change(page: Page, form) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    form.post(page, form.example)
    before = form.expected(form.example)
    after = form.expected({**form.example, "Age at onset": "60"})
    title = before.title("age_over_60")
    assert (before.status("age_over_60"), after.status("age_over_60")) == (
        Status.PRESENT,
        Status.ABSENT,
    )
    # A patient's offered what-ifs are folded away; the form asks any one answer.
    expect(page.get_by_role("button", name="What if age at onset were 60 years?")).to_be_hidden()
    page.get_by_label("What if this measurement …").select_option(label="Age at onset (years)")
    page.get_by_label("were (a number)").fill("60")
    page.get_by_label("were (a number)").press("Enter")
    line = page.get_by_text(f"{title}: present → absent.")
    expect(line).to_be_in_viewport()
    # A patient's result has no tile grid: the factor that changed is marked in its list.
    changed = page.locator(".factor-line-item--changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text(title)  # axe-core: test_accessibility's what-if result
    page.get_by_role("button", name="Back to the original answers").click()
    expect(page.get_by_role("region", name="What if: Age at onset were 60 years")).to_have_count(0)


def test_a_bad_what_if_value_is_explained(page: Page, form) -> None:
    form.post(page, form.example)
    page.get_by_label("were (a number)").fill("200")
    page.get_by_role("button", name="Show this what-if").last.click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Age at onset: Enter a whole number")


def test_a_teaching_case_what_if_keeps_its_story(page: Page, teaching, no_violations) -> None:
    page.goto("/cases/pl7-fibrosis")
    page.get_by_role("button", name="What if age at onset were 60 years?").click()
    expect(page.get_by_role("heading", name=teaching.title("pl7-fibrosis"))).to_be_visible()
    expect(
        page.get_by_text("Teaching case, invented: not a real patient", exact=True)
    ).to_be_visible()
    age_title = teaching.expected("pl7-fibrosis").title("age_over_60")
    expect(page.get_by_text(f"{age_title}: present → absent")).to_be_visible()
    no_violations(page)
    page.get_by_role("button", name="Compare the two side by side").click()
    expect(page.get_by_role("link", name="Back to the teaching cases")).to_have_count(0)
    page.get_by_role("link", name="Back to the original case").click()
    expect(page).to_have_url(re.compile(r"/cases/pl7-fibrosis$"))


def test_compare_leads_back_where_it_came_from(page: Page, teaching) -> None:
    page.goto("/cases/stable-jo1")
    page.get_by_label("Compare with another case").select_option(label=teaching.title("pl12-delay"))
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Side by side")
    expect(
        page.get_by_role(
            "link", name=re.compile(rf"^Open the case\W+{re.escape(teaching.title('pl12-delay'))}")
        )
    ).to_be_visible()
    page.get_by_role("link", name=f"Back to {teaching.title('stable-jo1')}").click()
    expect(page).to_have_url(re.compile(r"/cases/stable-jo1$"))


def test_a_clinical_what_if_compared_leads_back_to_the_what_if(page: Page, form) -> None:
    form.post(page, form.example)
    page.get_by_label("What if this measurement …").select_option(label="Age at onset (years)")
    page.get_by_label("were (a number)").fill("60")
    page.get_by_role("button", name="Show this what-if").last.click()
    page.get_by_role("button", name="Compare the two side by side").click()
    expect(page.get_by_role("link", name="Back to the teaching cases")).to_have_count(0)
    page.get_by_role("button", name="Back to the what-if").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"What if: Age at onset were 60"))
    ).to_be_visible()


def test_the_same_case_twice_is_explained(page: Page, teaching, no_violations) -> None:
    page.goto("/cases")
    page.get_by_label("Second case").select_option(label=teaching.title("stable-jo1"))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert")).to_contain_text("a case compared with itself")
    no_violations(page)


def test_the_comparison_scrolls_in_its_own_box_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/compare?a=stable-jo1&b=pl7-fibrosis&rows=all")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    box = page.get_by_role("region", name=re.compile(r"^Factors"))
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")


def test_a_case_as_a_quiz_hides_the_result_until_asked(
    page: Page, no_js_page: Page, teaching, no_violations
) -> None:
    for each in (page, no_js_page):
        each.goto("/cases")
        first = teaching.book.cases[0]
        summary = each.get_by_text(re.compile(r"^Result: "))
        expect(summary.first).to_be_hidden()
        each.get_by_text(f"Show the result of {first.title}").click()
        expect(summary.first).to_be_visible()
        each.goto(f"/cases/{first.id}?quiz=1")
        tiles = each.get_by_role("list", name="All factors at a glance")
        expect(tiles).to_be_hidden()
        each.get_by_text("Show the result", exact=True).click()
        expect(tiles).to_be_visible()
    no_violations(page)
