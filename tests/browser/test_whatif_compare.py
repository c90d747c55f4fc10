"""What-if you can see, compare in context, cases as quizzes, used as people use them."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from calculator.core.engine import Status
from calculator.core.whatif import change_of, what_ifs


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
    what_if = page.url
    page.get_by_role("link", name="Compare the two side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Side by side")
    expect(page.get_by_role("link", name="Back to the teaching cases")).to_have_count(0)
    no_violations(page)  # a case beside its own what-if
    page.get_by_role("link", name="Back to the what-if").click()
    expect(page).to_have_url(what_if)
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


def _offer(teaching, case_id: str):
    """Return the first what-if a case's result offers, and what it changes, from the files."""
    before = teaching.expected(case_id).assessment
    offer = next(o for found in what_ifs(before).values() for o in found)
    after = teaching.expected(case_id, **{offer.field: offer.value}).assessment
    return offer, change_of(before, after, offer.field)


def test_back_forward_and_reload_after_a_what_if_on_a_case(
    page: Page, teaching, no_violations
) -> None:
    case_id = "pl7-fibrosis"
    offer, change = _offer(teaching, case_id)
    story = page.get_by_text(teaching.book.get(case_id).story)
    banner = page.get_by_role("heading", name=re.compile(r"^What if: "))
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name=offer.question).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/what-if\?what_if="))
    what_if = page.url
    expect(banner).to_be_visible()
    expect(page.get_by_text(f"{change.line}.", exact=False).first).to_be_visible()
    expect(story).to_be_visible()
    no_violations(page)
    page.reload()
    expect(banner).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(banner).to_have_count(0)
    expect(story).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(what_if)
    expect(banner).to_be_visible()
    # A what-if of the what-if: another address, from the case's answers; the story stays.
    page.get_by_label("What if this answer were …").select_option(index=0)
    page.get_by_role("button", name="Show this what-if").first.click()
    expect(page).not_to_have_url(what_if)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/what-if\?what_if="))
    expect(banner).to_be_visible()
    expect(story).to_be_visible()
    page.go_back()
    expect(page).to_have_url(what_if)


def test_escape_after_a_presenter_what_if_returns_to_the_slide(
    page: Page, teaching, no_violations
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("/cases/pl7-fibrosis/present#slide-4")
    expect(page.locator("body.deck #slide-4.is-current")).to_have_count(1)
    page.locator("#slide-4").get_by_role("button", name=re.compile("^What if")).first.click()
    expect(page).to_have_url(re.compile(r"/cases/pl7-fibrosis/present/what-if\?.*slide=4"))
    heading = page.get_by_role("heading", level=1, name=re.compile("^What if: "))
    expect(heading).to_be_visible()
    expect(page.locator("body.deck")).to_have_count(1)  # the deck's keys are ready
    no_violations(page)
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/cases/pl7-fibrosis/present#slide-4$"))
    expect(page.locator("body.deck #slide-4.is-current")).to_have_count(1)
    page.go_back()  # the what-if slide again, from its address
    expect(heading).to_be_visible()
    page.reload()
    expect(heading).to_be_visible()
    page.go_forward()
    expect(page.locator("body.deck #slide-4.is-current")).to_have_count(1)


def _pair_with_and_without_cautions(teaching) -> tuple[str, str, list[str]]:
    """Return two cases, the first with no caution and the second with some, and its cautions."""
    cautions = {c.id: teaching.expected(c.id).cautions for c in teaching.book.cases}
    first = next(c.id for c in teaching.book.cases if not cautions[c.id])
    second = next(c.id for c in teaching.book.cases if cautions[c.id])
    return first, second, cautions[second]


def test_every_comparison_shows_its_cautions_first(page: Page, teaching, no_violations) -> None:
    first, second, cautions = _pair_with_and_without_cautions(teaching)
    offer, _ = _offer(teaching, second)
    for address in (
        f"/compare?a={first}&b={second}",
        f"/compare?a={first}&b={second}&view=present",
        f"/compare?a={second}&what_if={quote(offer.token)}&view=present",  # beside its what-if
    ):
        page.goto(address)
        row = page.get_by_role("table").first.get_by_role("row").nth(1)  # after the heads
        expect(row.get_by_role("rowheader")).to_have_text("Cautions: these factors may not apply")
        if "what_if" not in address:
            expect(row.get_by_role("cell").nth(0)).to_have_text("None")
        for title in cautions:
            expect(row.get_by_role("cell").nth(0 if "what_if" in address else 1)).to_contain_text(
                title
            )
        no_violations(page)
