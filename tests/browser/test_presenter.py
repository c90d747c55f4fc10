"""The presenter in a lecture hall: every slide fits the screen and reads from the back of the
hall (issue 20); a keyboard runs a case."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from calculator.core.engine import Status, assess
from calculator.core.whatif import what_ifs
from calculator.web.teaching import slides_of

# (width, height, the smallest text allowed, the size of at least 90 % of a slide's characters),
# in CSS pixels: the sizes a projected slide must keep to be read from the back of a hall.
SCREENS = [(1280, 720, 20, 24), (1920, 1080, 30, 36)]

# Walk the deck with the keys a presenter uses (Home, then → until the last step of the last
# slide), measuring each step: its height and width against the screen's, and the characters of
# its visible text by computed font size (text hidden, veiled or visually hidden not counted).
# Then, when asked, every what-if the factors' slides offer, posted as its button posts it (once
# a page: the pages are kept for a walk on another screen), its slides measured in this page in
# place of the case's, which are then put back.
WALK = r"""async (whatIfs) => {
  // Characters of visible text on a slide, by computed font size (px).
  function sizes(root) {
    const counts = {}, seen = new Map();
    const add = (size, n) => {
      const k = size.toFixed(2);
      counts[k] = (counts[k] || 0) + n;
    };
    const clipped = el => {  // clipped to a pixel, as visually hidden text is
      if (el === root) return false;
      if (!seen.has(el)) {
        const box = el.getBoundingClientRect();
        const tiny = (box.width <= 1 || box.height <= 1)
          && getComputedStyle(el).overflow !== "visible";
        seen.set(el, tiny || clipped(el.parentElement));
      }
      return seen.get(el);
    };
    const sizeOf = new Map();  // an element's font size, or 0 when its text is not seen
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data.replace(/\s+/g, "");
      const el = node.parentElement;
      if (!text) continue;
      if (!sizeOf.has(el)) {
        const shown = !el.closest("select") && !clipped(el)
          && el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
        sizeOf.set(el, shown ? parseFloat(getComputedStyle(el).fontSize) : 0);
      }
      if (!sizeOf.get(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (![...range.getClientRects()].some(r => r.width > 0 && r.height > 0)) continue;
      add(sizeOf.get(el), text.length);
    }
    root.querySelectorAll("select").forEach(select => {  // the answer a select shows
      const text = select.selectedOptions[0].text.replace(/\s+/g, "");
      if (select.checkVisibility()) add(parseFloat(getComputedStyle(select).fontSize), text.length);
    });
    return counts;
  }
  const state = (slide, name) => [
    name || slide.id, slide.querySelectorAll(".is-stepping [data-step].is-veiled").length,
    slide.scrollHeight, slide.clientHeight, slide.scrollWidth, slide.clientWidth, sizes(slide),
  ];
  const slides = () => [...document.querySelectorAll("[data-slide]")];
  const current = () => document.querySelector("[data-slide].is-current");
  const press = key => (document.activeElement || document.body).dispatchEvent(
    new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  // The deck walked with the keys a presenter uses, each step of each slide measured.
  const states = [];
  press("Home");
  for (let i = 0; i < 1000; i++) {
    states.push(state(current()));
    if (current() === slides().at(-1) && !states.at(-1)[1]) break;
    press("ArrowRight");
  }
  if (!whatIfs) return states;
  if (!window.whatIfPages) {
    const asked = new Map();
    document.querySelectorAll("form.slide-what-ifs button[name=what_if]").forEach(button => {
      const body = new FormData(button.form, button);
      if (!asked.has(button.value)) asked.set(button.value, [button.form.action, body]);
    });
    // A what-if on a teaching case is an address (the case and the change): asked as the
    // browser asks a GET form, its fields in the query.
    window.whatIfPages = await Promise.all([...asked].map(async ([token, [action, body]]) => {
      const address = new URL(action);
      for (const [name, value] of body) address.searchParams.append(name, value);
      const response = await fetch(address);
      if (!response.ok) throw new Error(`${address}: ${response.status}`);
      return [token, await response.text()];
    }));
  }
  // All at once, each shown as the deck shows its current slide (the screen's height, its own
  // scroll box): one layout for them all. The page itself does not scroll, so keeps its width.
  const read = html => new DOMParser().parseFromString(html, "text/html");
  const asked = window.whatIfPages.flatMap(([token, html]) =>
    [...read(html).querySelectorAll("[data-slide]")].map(slide => [token, slide]));
  const main = document.querySelector("main"), deck = [...main.childNodes];
  document.documentElement.style.overflow = "hidden";
  main.replaceChildren(...asked.map(([, slide]) => document.adoptNode(slide)));
  asked.forEach(([, slide]) => slide.classList.add("is-current"));
  asked.forEach(([token, slide]) => states.push(state(slide, `what if ${token}: ${slide.id}`)));
  main.replaceChildren(...deck);
  document.documentElement.style.overflow = "";
  return states;
}"""


def unreadable(states: list, smallest: float, most: float) -> list[tuple]:
    """Return the slides (each step) that scroll, or whose visible text is too small."""
    found = []
    for name, veiled, tall, shown, wide, across, chars in states:
        total = sum(chars.values())
        large = sum(count for size, count in chars.items() if float(size) >= most)
        small = min(float(size) for size in chars)
        if tall > shown or wide > across or small < smallest or large < 0.9 * total:
            found.append((name, veiled, tall, wide, small, round(large / total, 3)))
    return found


def test_every_slide_of_every_case_fits_the_screen(page: Page, teaching) -> None:
    """Every slide of every case, each step of it, and every what-if deck a case's slides
    offer, on each screen: no scroll, no visible text under the smallest size, and 90 % of the
    characters at the larger size or more. The deck is walked on the first screen, then again
    on the next, where the answer's groups, shown by the first walk, are measured whole."""
    bad = []
    for case in teaching.book.cases:
        assessment = assess(teaching.rules, case.answers)
        deck = slides_of(case, assessment)
        shown = {slide.finding.rule.id for slide in deck if slide.kind == "factor"}
        offers = what_ifs(assessment)
        offered = {f"what if {offer.token}" for rule_id in shown for offer in offers[rule_id]}
        page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
        page.goto(f"/cases/{case.id}/present")
        expect(page.locator("body.deck")).to_have_count(1)
        for width, height, smallest, most in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            states = page.evaluate(WALK, True)
            names = {name.split(":")[0] for name, *_ in states}
            assert names == {f"slide-{slide.number}" for slide in deck} | offered, case.id
            bad += [(case.id, width, *found) for found in unreadable(states, smallest, most)]
    assert not bad, bad


def test_what_if_and_comparison_slides_fit_the_screen(page: Page, teaching) -> None:
    """The comparison deck of the first case with each other, slide by slide, as above (the
    what-if decks are walked with their cases)."""
    bad, walked = [], 0
    first = teaching.book.cases[0].id
    for other in teaching.book.cases[1:]:
        page.goto(f"/compare?a={first}&b={other.id}&view=present")
        expect(page.locator("body.deck")).to_have_count(1)
        for width, height, smallest, most in SCREENS:  # no steps to reveal: the same page
            page.set_viewport_size({"width": width, "height": height})
            states = page.evaluate(WALK, False)
            walked += len(states)
            bad += [(other.id, width, *found) for found in unreadable(states, smallest, most)]
    assert walked >= 2 * 2 * (len(teaching.book.cases) - 1)
    assert not bad, bad


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
    _reveal_in_three_groups(answer, expected, keys)
    no_violations(page)
    keys.press("ArrowRight")
    factor = page.locator("#slide-4")
    expect(factor).to_be_focused()
    expect(factor.get_by_role("heading", level=2)).to_have_text(present[0])
    age = expected.inputs.age_at_onset
    expect(factor).to_contain_text(f"For this patient: Age at onset: {age} years")
    # Its explanation and caveat on the next slide, not on the factor's.
    rule = expected.finding("age_over_60").rule
    expect(factor).not_to_contain_text(rule.explanation)
    keys.press("ArrowRight")
    more = page.locator("#slide-5")
    expect(more).to_contain_text(rule.explanation)
    expect(more).to_contain_text(f"Caveat: {rule.caveat}")
    keys.press("ArrowLeft")

    # A what-if from the slide: the change and the factor it changed, then every factor with
    # the changed one marked; Escape leads back.
    question = factor.get_by_role("button", name=re.compile(r"^What if age at onset were"))
    question.focus()
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("What if: Age at onset were")
    # The deck's script has taken over (one slide shown) before its slides are read.
    expect(page.locator("body.deck #slide-1.is-current")).to_have_count(1)
    changed = page.get_by_role("listitem").filter(has_text=expected.title("age_over_60"))
    expect(changed).to_contain_text(re.compile(r"Present: adverse → . Absent"))
    expect(page.locator("body.deck")).to_have_count(1)  # the deck's script has run
    keys.press("End")
    expect(page.locator(".tile--changed")).to_have_count(1)
    expect(page.locator(".tile--changed")).to_contain_text("Changed")
    expect(page.locator(".tile--changed")).to_be_visible()
    no_violations(page)
    keys.press("Escape")
    expect(page).to_have_url(re.compile(r"/cases/pl7-fibrosis/present#slide-4$"))
    expect(page.locator("#slide-4")).to_be_visible()
    # The deck's script has taken over (one slide shown) before a key is pressed.
    expect(page.locator("body.deck #slide-4.is-current")).to_have_count(1)

    # The absent factors, a few to a slide, each caveat's place named; the toggle shows them
    # one at a time.
    absent_slides = page.get_by_role(
        "region", name=re.compile("^Absent for this patient"), include_hidden=True
    )
    expect(absent_slides.get_by_role("listitem", include_hidden=True)).to_have_count(
        expected.count(Status.ABSENT)
    )
    keys.press("End")
    keys.press("ArrowLeft")
    absent = page.locator("#slide-" + str(page.locator("[data-slide]").count() - 1))
    expect(absent).to_be_focused()
    items = absent.get_by_role("listitem")
    expect(items.last).to_be_visible()
    with_caveat = next(f for f in expected.assessment.where(Status.ABSENT) if f.rule.caveat).rule
    expect(
        page.get_by_role("link", name=f"Its caveat: {with_caveat.title}", include_hidden=True)
    ).to_have_attribute("href", re.compile(rf"#rule-{with_caveat.id}$"))
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
    no_violations(page)

    keys.press("PageUp")
    expect(page.locator("[data-slide]").nth(-3)).to_be_focused()
    keys.press("Home")
    expect(page.locator("#slide-1")).to_be_focused()

    # Opened at the answer, "A" (named in the slide's keys) shows every group at once.
    page.goto("/cases/pl7-fibrosis/present#slide-3")
    page.reload()  # the same page with another slide's address: load it afresh
    expect(page.locator("body.deck")).to_have_count(1)  # the deck's script has run
    expect(answer.get_by_role("listitem").first).to_be_hidden()
    expect(answer).to_contain_text("A shows all")
    keys.press("a")
    for item in answer.get_by_role("listitem").all():
        expect(item).to_be_visible()


def _reveal_in_three_groups(answer, expected, keys) -> None:
    """Check that the answer's factors come in three groups, one a key: present, then not
    assessed, then absent or does not apply; the slide stays until the last group is shown."""
    groups = [
        expected.titles(Status.PRESENT),
        expected.titles(Status.NOT_ASSESSED),
        expected.titles(Status.ABSENT),
    ]

    def items(titles):
        return [answer.get_by_role("listitem").filter(has_text=t).first for t in titles]

    for item in items(sum(groups, [])):
        expect(item).to_be_hidden()
    for shown, group in enumerate(groups):
        keys.press("Space" if shown == 0 else "ArrowRight")
        for item in items(group):
            expect(item).to_be_visible()
        for item in items(sum(groups[shown + 1 :], [])):
            expect(item).to_be_hidden()
    expect(answer).to_be_focused()
    # Each group is named by its status, never counted: a count reads as a score (H14).
    expect(answer).to_contain_text("The number present is not a score")
    for heading in answer.get_by_role("heading", level=3).all_inner_texts():
        assert not re.search(r"[0-9]", heading), heading


def test_escape_returns_to_the_page_the_deck_was_opened_from(page: Page, teaching) -> None:
    title = teaching.title("stable-jo1")
    page.goto("/cases")
    page.get_by_role("link", name=re.compile(rf"^Present it\W+{re.escape(title)}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("body.deck")).to_have_count(1)  # the deck's script has run
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/cases$"))


def test_without_javascript_the_slides_stack_with_next_links(no_js_page: Page, teaching) -> None:
    page = no_js_page
    page.goto("/cases/mda5-rapid/present")
    slides = page.locator("[data-slide]")
    expect(slides.nth(1)).to_be_attached()
    answer = page.get_by_role("region", name="The factors for this patient")
    items = answer.get_by_role("listitem")
    expect(items).to_have_count(len(teaching.expected("mda5-rapid").assessment.findings))
    for item in items.all():  # nothing veiled
        expect(item).to_be_visible()
    keys = page.get_by_text(re.compile("^Keys:"))
    expect(keys.first).to_be_attached()
    expect(keys.filter(visible=True)).to_have_count(0)  # no keys to press without a script
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
