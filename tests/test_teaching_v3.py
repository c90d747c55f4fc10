"""Issue 10: a presenter for a lecture hall, what-ifs you can see, compare in context, quizzes."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from calculator.core.compare import Comparison
from calculator.core.engine import Status, assess
from calculator.core.inputs import FIELDS, Inputs
from calculator.core.rules import Effect
from calculator.core.whatif import askable
from calculator.core.whatif import change_of as change
from calculator.core.words import known_answers, reason, tiles
from calculator.web.teaching import ABSENT_PER_SLIDE, MORE_CHARACTERS, slides_of

from .helpers import title_of
from .test_teaching import BOOK, RULES


def case_answers(case_id: str) -> dict[str, str]:
    """Return a case's answers as the result page's hidden fields post them."""
    return known_answers(assess(RULES, BOOK.get(case_id).answers))


@pytest.mark.parametrize("case", BOOK.cases, ids=lambda c: c.id)
def test_the_slides_tell_the_story_ask_answer_then_go_factor_by_factor(case):
    assessment = assess(RULES, case.answers)
    deck = slides_of(case, assessment)
    kinds = [slide.kind for slide in deck]
    discussed = (
        assessment.where(Status.PRESENT, Effect.ADVERSE)
        + assessment.where(Status.PRESENT, Effect.FAVOURABLE)
        + assessment.where(Status.NOT_ASSESSED)
    )
    absent = assessment.where(Status.ABSENT)
    # The cautions with the story, before any question; each factor followed by its "more"
    # slide (explanation and caveat, or the caveat on a slide of its own when both are long);
    # the absent factors a few to a slide.
    factor_kinds = []
    for finding in discussed:
        rule = finding.rule
        long = rule.caveat and len(rule.explanation) + len(rule.caveat) > MORE_CHARACTERS
        factor_kinds += ["factor", "more"] + (["caveat"] if long else [])
    absent_slides = kinds.count("absent")
    assert kinds == (
        ["story"]
        + ["caution"] * len(assessment.cautions)
        + ["question", "answer"]
        + factor_kinds
        + ["absent"] * absent_slides
        + ["end"]
    )
    assert [s.finding for s in deck if s.kind == "factor"] == discussed
    assert [f for s in deck if s.kind == "absent" for f in s.findings] == absent
    assert all(len(s.findings) <= ABSENT_PER_SLIDE for s in deck if s.kind == "absent")
    assert absent_slides == -(-len(absent) // ABSENT_PER_SLIDE)
    assert [s.number for s in deck] == list(range(1, len(deck) + 1))


def test_the_presenter_has_no_site_chrome_and_says_this_patients_reason(client):
    html = client.get("/cases/pl7-fibrosis/present").get_data(as_text=True)
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assessment = assess(RULES, BOOK.get("pl7-fibrosis").answers)
    deck = slides_of(BOOK.get("pl7-fibrosis"), assessment)
    assert html.count('class="slide-disclaimer"') == len(deck)
    for slide in deck[:-1]:
        assert f'href="#slide-{slide.number + 1}" data-next' in html
    age = next(f for f in assessment.findings if f.rule.id == "age_over_60")
    start = html.index(f'id="slide-{next(s.number for s in deck if s.finding == age)}"')
    shown = html[start : html.index("</section>", start)]
    age_given = f"{BOOK.get('pl7-fibrosis').answers.age_at_onset} years"
    assert str(escape(reason(age))) in shown and age_given in shown


def test_the_question_comes_before_any_status(client):
    html = client.get("/cases/pl7-fibrosis/present").get_data(as_text=True)
    question = html[html.index('id="slide-2"') : html.index('id="slide-3"')]
    for rule in RULES.factors:
        assert str(escape(rule.title)) in question
    assert "Present: adverse" not in question and "Absent" not in question


def test_a_what_if_names_the_change_first():
    before = assess(RULES, BOOK.get("pl7-fibrosis").answers)
    after = assess(RULES, before.inputs.model_copy(update={"age_at_onset": 60}))
    said = change(before, after, "age_at_onset")
    # No count: not a score.
    assert said.line == f"{title_of(RULES, 'age_over_60')}: present → absent"
    assert said.ids == {"age_over_60"}
    assert (said.was, said.now) == (f"{before.inputs.age_at_onset} years", "60 years")


def test_a_what_if_keeps_the_tiles_in_their_places(client):
    before = assess(RULES, BOOK.get("pl7-fibrosis").answers)
    after = assess(RULES, before.inputs.model_copy(update={"age_at_onset": 60}))
    assert [f.rule.id for f in tiles(after, before)] == [f.rule.id for f in tiles(before)]
    html = client.post(
        "/",
        data={**case_answers("pl7-fibrosis"), "case": "pl7-fibrosis", "what_if": "age_at_onset=60"},
    ).get_data(as_text=True)
    map_ = html[html.index('class="factor-map"') : html.index("</ol>", html.index("factor-map"))]
    shown = re.findall(r'<span class="tile-title">([^<]+)</span>', map_)
    assert shown == [str(escape(f.rule.title)) for f in tiles(before)]
    assert map_.count("tile--changed") == 1
    banner = html[html.index('class="what-if-banner"') : html.index('class="glance"')]
    assert str(escape(f"{title_of(RULES, 'age_over_60')}: present → absent")) in banner


def test_a_teaching_case_what_if_keeps_its_story_and_leads_back_to_the_case(client):
    data = {**case_answers("pl7-fibrosis"), "case": "pl7-fibrosis", "what_if": "age_at_onset=60"}
    html = client.post("/", data=data).get_data(as_text=True)
    assert BOOK.get("pl7-fibrosis").story in html
    assert (
        '<a class="button button--secondary" href="/cases/pl7-fibrosis">Back to the original'
        in html
    )


def test_a_case_named_with_other_answers_is_not_shown_as_the_case(client):
    data = {**case_answers("pl7-fibrosis"), "age_at_onset": "40", "case": "pl7-fibrosis"}
    html = client.post("/", data=data).get_data(as_text=True)
    assert BOOK.get("pl7-fibrosis").story not in html


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"what_if_field": "age_at_onset", "what_if_number": "59"}, "Age at onset were 59 years"),
        ({"what_if": "anti_ro52=positive"}, "Anti-Ro52 antibody were positive"),
    ],
)
def test_any_one_answer_can_be_asked(client, data, said):
    response = client.post("/", data={**case_answers("pl7-fibrosis"), **data})
    assert response.status_code == 200
    assert f"What if: {said}" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"what_if_field": "age_at_onset", "what_if_number": "old"}, "Age at onset: Enter"),
        ({"what_if_field": "age_at_onset", "what_if_number": "500"}, "Age at onset: Enter"),
        ({"what_if_field": "no_such_field", "what_if_number": "5"}, "is not a known field"),
        ({"what_if": "ild=absent"}, "Applies only when ILD is present"),
    ],
)
def test_a_bad_what_if_is_a_clear_error_not_a_crash(client, data, words):
    response = client.post("/", data={**case_answers("pl7-fibrosis"), **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and words in html
    assert html.startswith("<!doctype html>") and "<title>Error: " in html


def test_the_what_if_form_offers_only_answers_that_apply():
    no_ild = {a.name for a in askable(Inputs(ild="absent"))}
    assert not no_ild & {name for name, spec in FIELDS.items() if spec.ild_only}
    with_answers = {a.name: a for a in askable(BOOK.get("pl7-fibrosis").answers)}
    assert "ild" not in with_answers  # ILD absent would contradict the ILD answers given
    assert "none_found" not in [v for v, _ in with_answers["malignancy"].choices or []]
    assert with_answers["age_at_onset"].choices is None


def test_a_patients_offered_what_ifs_are_folded_a_cases_open(client):
    html = client.post("/", data=case_answers("pl7-fibrosis")).get_data(as_text=True)
    assert '<details class="factor-more">' in html and 'factor-more" open' not in html
    case = client.get("/cases/pl7-fibrosis").get_data(as_text=True)
    assert '<details class="factor-more" open>' in case


def test_compare_shows_only_the_differences_when_long_and_names_the_rest(client, rules):
    html = client.get("/compare?a=stable-jo1&b=pl7-fibrosis").get_data(as_text=True)
    rows = re.findall(r'<tr class="([^"]*)">(.*?)</tr>', html, re.S)
    # Only the cautions' row, always first, may say "Same".
    assert not [row for kind, row in rows if ">Same<" in row and "caution-row" not in kind]
    assert "The same in both (" in html
    assert "Show every row" in html
    every = client.get("/compare?a=stable-jo1&b=pl7-fibrosis&rows=all").get_data(as_text=True)
    assert ">Same<" in every and "Show only the differences" in every


def test_compare_columns_link_to_each_case_and_its_presenter(client):
    html = client.get("/compare?a=stable-jo1&b=pl7-fibrosis").get_data(as_text=True)
    for case_id in ("stable-jo1", "pl7-fibrosis"):
        assert f'href="/cases/{case_id}"' in html and f'href="/cases/{case_id}/present"' in html


@pytest.mark.parametrize(
    ("back", "href", "text"),
    [
        ("", "/cases", "Back to the teaching cases"),
        ("case", "/cases/stable-jo1", "Back to "),
        ("present", "/cases/stable-jo1/present#slide-end", "Back to the presenter view"),
    ],
)
def test_compare_leads_back_where_it_came_from(client, back, href, text):
    html = client.get(f"/compare?a=stable-jo1&b=pl7-fibrosis&back={back}").get_data(as_text=True)
    assert f'<a href="{href}">{text}' in html


def test_a_case_compared_with_itself_is_explained(client):
    response = client.get("/compare?a=stable-jo1&b=stable-jo1")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a case compared with itself has no differences" in html
    assert 'name="b"' in html


def test_a_posted_comparison_leads_back_to_the_what_if_not_the_cases(client):
    data = {"a-age_at_onset": "50", "b-age_at_onset": "70", "what_if": "age_at_onset=70"}
    html = client.post("/compare", data=data).get_data(as_text=True)
    assert "Back to the teaching cases" not in html
    assert 'name="what_if" value="age_at_onset=70">Back to the what-if' in html
    assert "Back to the original answers" in html


def test_the_presenter_compares_two_cases_as_slides(client):
    html = client.get("/compare?a=stable-jo1&b=pl7-fibrosis&view=present&back=present")
    text = html.get_data(as_text=True)
    comparison = Comparison(
        *(assess(RULES, BOOK.get(case_id).answers) for case_id in ("stable-jo1", "pl7-fibrosis"))
    )
    # The factors that differ, a few to a slide, each slide of factors headed by the cautions
    # row; then the answers that differ. Each differing factor is on exactly one slide.
    slides = text.split("data-slide>")[1:]
    of_factors = [s for s in slides if "Factors that differ" in s]
    assert of_factors and all("Cautions: these factors may not apply" in s for s in of_factors)
    for first, _second, differs in comparison.factors:
        if differs:
            assert sum(f"<th scope=\"row\">{first.rule.title}</th>" in s for s in of_factors) == 1
    answers = sum(1 for *_, differs in comparison.answers if differs)
    assert len(slides) - len(of_factors) == -(-answers // 5)
    assert 'class="site-header"' not in text

