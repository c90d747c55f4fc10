"""Teaching as a person does it: open a case, ask what if, compare, present, print to PDF."""

from __future__ import annotations

import io
import re
import unicodedata

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from calculator.core.cases import load_cases
from calculator.core.engine import Status, assess
from calculator.core.inputs import FIELDS
from calculator.core.rules import Effect, load_rules
from calculator.core.words import to_assess
from calculator.web.teaching import QuizItem, quiz_items

from .conftest import CASES_PATH, RULES_PATH
from .pages import choose_what_if


def _case_with(rule_id: str) -> str:
    """Return the first teaching case in which a factor is present, read from the files."""
    rules, book = load_rules(RULES_PATH), load_cases(CASES_PATH)
    return next(
        case.id
        for case in book.cases
        if any(
            f.rule.id == rule_id and f.status is Status.PRESENT
            for f in assess(rules, case.answers).findings
        )
    )


def test_a_case_opens_from_the_library_with_its_story_and_result(page: Page, teaching) -> None:
    case_id = _case_with("muscle_only")
    expected = teaching.expected(case_id)
    favourable = expected.titles(Status.PRESENT, Effect.FAVOURABLE)
    assert "muscle_only" in expected.ids(Status.PRESENT, Effect.FAVOURABLE)
    page.goto("/")
    page.get_by_role("link", name="Teaching cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teaching cases")
    page.get_by_role("link", name=teaching.title(case_id), exact=True).click()
    expect(
        page.get_by_text("Teaching case, invented: not a real patient", exact=True)
    ).to_be_visible()
    expected.expect_summary(page)
    region = page.get_by_role("region", name="Favourable factors present")
    expect(region.get_by_role("heading", level=3)).to_have_text(
        [re.compile(rf"Present: favourable\s+{re.escape(title)}$") for title in favourable]
    )
    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Age at onset")).to_have_value(
        str(teaching.answers(case_id).age_at_onset)
    )


def test_a_what_if_then_side_by_side(page: Page, teaching) -> None:
    # Anti-Jo-1 negative alone no longer makes the non-Jo-1 factor present: with no other
    # antisynthetase antibody named, the what-if leaves it not assessed.
    before = teaching.expected("stable-jo1")
    after = teaching.expected("stable-jo1", anti_jo1="negative")
    title = before.title("jo1_negative")
    assert before.status("jo1_negative") is Status.ABSENT
    assert after.status("jo1_negative") is Status.NOT_ASSESSED
    page.goto("/cases/stable-jo1")
    # A teaching case shows its what-ifs without being asked.
    choose_what_if(page, "What if anti-Jo-1 antibody were negative?", shown=True)
    expect(page).to_have_title(re.compile(r"^What if: Anti-Jo-1 antibody were negative"))
    factor = (
        page.get_by_role("region", name=re.compile(r"^Not assessed$"))
        .get_by_role("article")
        .filter(has_text=title)
    )
    expect(factor).to_contain_text("Changed: was ○ Absent")
    needs = to_assess(after.finding("jo1_negative"))
    assert needs == FIELDS["other_ars_antibody"].label, needs
    expect(factor).to_contain_text(f"To assess it, answer: {needs}.")
    after.expect_summary(page)
    page.get_by_role("link", name="Compare the two side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Side by side")
    expect(page.get_by_role("row", name=f"{title} Absent Not assessed Differs")).to_be_visible()
    mda5 = before.title("anti_mda5")
    words = before.words("anti_mda5")
    assert after.words("anti_mda5") == words
    expect(page.get_by_role("row", name=f"{mda5} {words} {words} Same")).to_have_count(0)
    page.get_by_role("link", name="Show every row").click()
    expect(page.get_by_role("row", name=f"{mda5} {words} {words} Same")).to_be_visible()


def test_two_cases_compared_from_the_library(page: Page, teaching) -> None:
    first, second = teaching.expected("stable-jo1"), teaching.expected("pl12-delay")
    page.goto("/cases")
    page.get_by_label("First case").select_option(label=teaching.title("stable-jo1"))
    page.get_by_label("Second case").select_option(label=teaching.title("pl12-delay"))
    page.get_by_role("button", name="Compare").click()

    ages = (first.inputs.age_at_onset, second.inputs.age_at_onset)
    assert ages[0] != ages[1]
    expect(
        page.get_by_role("row", name=f"Age at onset {ages[0]} years {ages[1]} years Differs")
    ).to_be_visible()
    # Only the differences are shown at first; the answers that are the same are named below.
    cancer = FIELDS["malignancy"].describe(first.inputs.malignancy)
    assert first.inputs.malignancy == second.inputs.malignancy
    expect(page.get_by_role("row", name=f"Cancer {cancer} {cancer} Same")).to_have_count(0)
    page.get_by_role("link", name="Show every row").click()
    expect(page.get_by_role("row", name=f"Cancer {cancer} {cancer} Same")).to_be_visible()
    # The non-Jo-1 factor differs: anti-Jo-1 against anti-PL-12.
    assert (first.status("jo1_negative"), second.status("jo1_negative")) == (
        Status.ABSENT,
        Status.PRESENT,
    )
    expect(
        page.get_by_role(
            "row", name=f"{first.title('jo1_negative')} Absent Present: adverse Differs"
        )
    ).to_be_visible()


def test_the_presenter_view_moves_by_keyboard(page: Page, teaching) -> None:
    page.goto("/cases/mda5-rapid")
    page.get_by_role("link", name="Present this case on a projector").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(teaching.title("mda5-rapid"))
    page.wait_for_load_state()  # the keys are handled by the page's script, run on load
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide-2")).to_be_focused()
    expect(page.locator("#slide-2")).to_be_in_viewport()
    page.keyboard.press("End")
    expect(page.locator("[data-slide]").last).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator("#slide-1")).to_be_focused()


def test_the_presenter_view_shows_the_cautions_first(page: Page, teaching, no_violations) -> None:
    # Needs the app fix reported with this change: templates/teaching/present.html shows no
    # cautions, so a class would see anti-MDA5 factors without "these factors may not apply".
    expected = teaching.expected("mda5-rapid")
    assert expected.title("mda5_phenotype") in expected.cautions
    page.goto("/cases/mda5-rapid/present")
    first_slide = page.get_by_role("region", name=teaching.title("mda5-rapid"))
    cautions = first_slide.get_by_role("region", name="Cautions: these factors may not apply")
    expect(cautions.get_by_role("heading", level=3)).to_have_text(
        [re.compile(rf"{re.escape(title)}$") for title in expected.cautions]
    )
    # The cautions come with the story, before the class is asked about any factor.
    for title in expected.titles(Status.PRESENT):
        expect(first_slide).not_to_contain_text(title)
    no_violations(page)


def test_the_pdf_of_a_result_holds_the_case_notes(page: Page, teaching, rules) -> None:
    expected = teaching.expected("pl7-fibrosis")
    present = expected.titles(Status.PRESENT)
    assert {"age_over_60", "extensive_ild", "ppf_2022"} <= expected.ids(Status.PRESENT)
    page.goto("/cases/pl7-fibrosis")
    page.emulate_media(media="print")
    pages = PdfReader(io.BytesIO(page.pdf())).pages
    # NFKC undoes the ligatures the PDF's text may carry ("ﬁ" for "fi").
    text = unicodedata.normalize(
        "NFKC", " ".join(" ".join(p.extract_text().split()) for p in pages)
    )
    assert text.count("Not medical advice") >= 2  # at the top and at the bottom
    # The summary names the factors present (each title is checked below), never counts them.
    assert "Present in these answers, the strongest evidence first:" in text
    assert expected.summary not in text
    for words in (
        *present,
        "Your answers",
        f"Age at onset: {expected.inputs.age_at_onset} years",
        *(f"PMID {r.pmid}" for f in expected.present for r in f.rule.references if r.pmid),
        f"Rules version {rules.version}",
        "Assessed 20",
    ):
        assert words in text, words
    assert "What if" not in text  # buttons stay on screen
    assert "Rules and evidence" not in text  # no navigation


def _quiz_case(teaching) -> str:
    """Return the first case whose quiz asks about a caution shown and a factor set aside or
    that does not apply, read from the files."""
    for case in teaching.book.cases:
        assessment = teaching.expected(case.id).assessment
        answers = {item.answer for item in quiz_items(assessment)}
        if {"shown"} <= answers and answers & {"set_aside", "does_not_apply"}:
            return case.id
    raise AssertionError("no case asks about a caution and a factor set aside")


def _guesses(teaching, case_id: str) -> tuple[list[tuple[QuizItem, str, str]], QuizItem]:
    """Return (question, the words to choose, the verdict) for a caution and a factor set aside
    (or not applying) guessed right and one factor guessed wrong; and a question left alone."""
    items = quiz_items(teaching.expected(case_id).assessment)
    caution = next(i for i in items if i.kind == "caution" and i.answer == "shown")
    special = next(i for i in items if i.answer in ("set_aside", "does_not_apply"))
    wrong = next(i for i in items if i.kind == "factor" and i is not special)
    mistaken = next(words for value, words in wrong.choices if value != wrong.answer)
    left = next(i for i in items if i not in (caution, special, wrong))
    guesses = [
        (caution, caution.answer_words, "right"),
        (special, special.answer_words, "right"),
        (wrong, mistaken, "wrong"),
    ]
    return guesses, left


def _answer_and_check(page: Page, teaching, case_id: str) -> None:
    """Open the case's quiz from the library, make the guesses and press "Check my answers";
    nothing of the result may be seen before."""
    case = teaching.book.get(case_id)
    page.goto("/cases")
    for each in teaching.book.cases:  # every result and teaching point folded away
        expect(page.get_by_text(each.teaches)).to_be_hidden()
    page.get_by_role(
        "link", name=re.compile(rf"^Open as a quiz\W+{re.escape(case.title)}$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quiz: {case.title}")
    expect(page.get_by_text(case.teaches)).to_be_hidden()
    expect(page.get_by_role("region", name="Your answers, marked")).to_have_count(0)
    expect(page.get_by_text("The case’s answer:").first).to_be_hidden()
    expect(page.get_by_role("list", name="All factors at a glance")).to_have_count(0)
    guesses, _ = _guesses(teaching, case_id)
    for item, words, _verdict in guesses:
        page.get_by_role("group", name=item.legend, exact=True).get_by_label(
            words, exact=True
        ).check()
    page.get_by_role("button", name="Check my answers").click()


def _expect_marked(page: Page, teaching, case_id: str) -> None:
    """Check that every guess is marked right or wrong with the case's reason."""
    guesses, left = _guesses(teaching, case_id)
    marked = page.get_by_role("region", name="Your answers, marked")
    expect(marked).to_be_visible()
    right = sum(verdict == "right" for _, _, verdict in guesses)
    items = quiz_items(teaching.expected(case_id).assessment)
    expect(marked).to_contain_text(f"{right} of {len(items)} right")
    expect(marked).to_contain_text(teaching.book.get(case_id).teaches)
    for item, words, verdict in guesses + [(left, "", "none")]:
        group = page.get_by_role("group", name=item.legend, exact=True)
        said = {
            "right": "✓ Right.",
            "wrong": f"✗ Not right: you chose {words}.",
            "none": "No answer chosen.",
        }[verdict]
        expect(group.get_by_text(said, exact=True)).to_be_visible()
        expect(group).to_contain_text(
            f"The case’s answer: {item.answer_words}. Why: {item.reason}."
        )


def test_a_quiz_is_marked_in_the_page_and_sends_nothing(
    page: Page, teaching, no_violations
) -> None:
    case_id = _quiz_case(teaching)
    page.goto(f"/cases/{case_id}?quiz=1")
    no_violations(page)  # the quiz before it is checked
    sent: list[str] = []
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    _answer_and_check(page, teaching, case_id)
    _expect_marked(page, teaching, case_id)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?quiz=1$"))
    assert not [r for r in sent if r.startswith("POST") or "quiz" in r.split("?")[0]], sent
    expect(page.get_by_role("region", name="Your answers, marked")).to_be_focused()
    no_violations(page)  # marked
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_quiz_without_javascript_is_marked_by_the_reply(no_js_page: Page, teaching) -> None:
    case_id = _quiz_case(teaching)
    _answer_and_check(no_js_page, teaching, case_id)
    expect(no_js_page).to_have_url(re.compile(rf"/cases/{case_id}/quiz$"))  # no guess in it
    _expect_marked(no_js_page, teaching, case_id)
