"""Teaching: the case library, what-if, side by side, and the visual summary."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from markupsafe import escape

from calculator import StartupError, create_app
from calculator.core.cases import CasesError, load_cases
from calculator.core.engine import Status, assess
from calculator.core.inputs import FIELDS
from calculator.core.rules import load_rules
from calculator.core.whatif import apply, what_ifs
from calculator.core.words import glance, status_words
from calculator.web.teaching import slides_of

from .helpers import ROOT, RULES_PATH, present_in_summary, title_of
from .test_api import answers as any_answers

CASES_PATH = ROOT / "calculator" / "cases.yaml"
RULES = load_rules(RULES_PATH)
BOOK = load_cases(CASES_PATH)


def test_the_cases_show_every_rule_present_absent_and_not_assessed():
    seen = {
        (finding.rule.id, finding.status)
        for case in BOOK.cases
        for finding in assess(RULES, case.answers).findings
    }
    missing = {(r.id, s) for r in RULES.factors for s in Status} - seen
    assert not missing


def test_each_case_has_a_short_story():
    for case in BOOK.cases:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", case.story) if s]
        assert 2 <= len(sentences) <= 5, case.id


CASE_HEADER = "cases:\n  - id: one\n    title: One\n    story: A story. Two sentences.\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            CASE_HEADER + "    teaches: x\n    answers: {age_at_onst: 60}\n",
            ["case 'one' (case 1, line 2)", "answers.age_at_onst", "did you mean 'age_at_onset'"],
        ),
        (
            CASE_HEADER + "    teaches: x\n    answers: {ild: absent, ild_course: progressive}\n",
            ["case 'one'", "Applies only when ILD is present"],
        ),
        (
            CASE_HEADER + "    teaches: x\n    answers: {anti_jo1: yes}\n",
            ["case 'one'", "answers.anti_jo1"],
        ),
        (CASE_HEADER + "    answers: {}\n", ["case 'one'", "teaches: this is required"]),
        (
            CASE_HEADER
            + "    teaches: x\n    answers: {}\n"
            + CASE_HEADER[7:]
            + "    teaches: x\n    answers: {}\n",
            ["duplicate id 'one'"],
        ),
    ],
)
def test_a_broken_cases_file_is_refused_naming_the_case(tmp_path, text, fragments):
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CasesError) as caught:
        load_cases(path)
    for fragment in fragments:
        assert fragment in str(caught.value)
    with pytest.raises(StartupError, match="teaching cases file"):
        create_app({"SECRET_KEY": "x", "CASES_PATH": str(path)})


def test_the_library_lists_every_case_with_its_result(client):
    html = client.get("/cases").get_data(as_text=True)
    for case in BOOK.cases:
        assert f'href="/cases/{case.id}"' in html
        summary = assess(RULES, case.answers)
        assert f"{summary.summary['not_assessed']} not assessed" in html


def test_a_case_opens_with_its_story_and_its_result(client):
    response = client.get("/cases/pl7-fibrosis")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invented: not a real patient" in html
    assert BOOK.get("pl7-fibrosis").story in html
    expected = glance(assess(RULES, BOOK.get("pl7-fibrosis").answers)).present
    assert present_in_summary(html) == [f.rule.id for f in expected]
    assert "Not medical advice" in html


def test_an_unknown_case_is_a_404(client):
    assert client.get("/cases/nobody").status_code == 404


def test_the_visual_summary_shows_every_factor_in_words(client):
    html = client.get("/cases/mda5-rapid").get_data(as_text=True)
    tiles = html[html.index('class="factor-map"') : html.index("</ol>", html.index("factor-map"))]
    assert tiles.count("<li") == len(RULES.factors)
    findings = assess(RULES, BOOK.get("mda5-rapid").answers).findings
    assert {f.status for f in findings} >= {Status.PRESENT, Status.NOT_ASSESSED}
    for finding in findings:
        said = status_words(finding)[1]
        assert f'{said}</span> <span class="tile-title">{escape(finding.rule.title)}' in tiles


def test_each_factor_offers_what_ifs_as_addresses_of_the_case_and_the_change(client):
    html = client.get("/cases/preserved-fvc").get_data(as_text=True)
    assert 'form="case-what-if" name="what_if" value="age_at_onset=61"' in html
    assert "What if age at onset were 61 years?" in html
    assert 'form="answers"' not in html.replace('form="answers" name="action"', "")
    form = html[html.index('<form id="case-what-if"') :]
    form = form[: form.index("</form>")]
    assert 'method="get" action="/cases/preserved-fvc/what-if"' in form
    assert "<input" not in form  # the address holds the change alone, never the answers


def test_a_what_if_shows_the_changed_result_and_marks_what_changed(client):
    response = client.post("/", data={"age_at_onset": "60", "what_if": "age_at_onset=61"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "What if: Age at onset were 61 years" in html
    assert "Age at onset: 60 years → 61 years." in html  # the change, from what it was
    assert 'data-present="age_over_60"' in html
    start = html.index('id="factor-age_over_60"')
    assert "Changed:</strong> was" in html[start : html.index("</article>", start)]
    assert html.count("Changed:</strong>") == 1
    assert '<input type="hidden" name="b-age_at_onset" value="61">' in html
    assert '<input type="hidden" name="a-age_at_onset" value="60">' in html


@pytest.mark.parametrize(
    "token",
    [
        "nothing=1",
        "age_at_onset=old",
        "age_at_onset=500",
        "anti_jo1=maybe",
        "ild_course=progressive",
    ],
)
def test_a_tampered_what_if_is_refused(client, token):
    assert client.post("/", data={"age_at_onset": "60", "what_if": token}).status_code == 400


@settings(max_examples=80, deadline=None)
@given(any_answers())
def test_every_offered_what_if_changes_its_factor_as_it_says(data):
    from calculator.core.inputs import Inputs

    assessment = assess(RULES, Inputs(**data))
    offers = what_ifs(assessment)
    for finding in assessment.findings:
        for offer in offers[finding.rule.id]:
            changed, name = apply(assessment.inputs, offer.token)
            assert name == offer.field
            after = {f.rule.id: f.status for f in assess(RULES, changed).findings}
            assert after[finding.rule.id] is offer.status is not finding.status


@settings(max_examples=100, deadline=None)
@given(any_answers())
def test_one_changed_answer_can_break_only_the_rules_it_is_part_of(data):
    """The what-ifs check only the "only when" rules of the answer they change: enough."""
    from calculator.core.inputs import FIELDS, ONLY_WHEN_INVOLVING, Inputs, only_when_conflicts
    from calculator.core.whatif import candidates

    inputs = Inputs(**data)
    answers = dict(inputs)
    for name in FIELDS:
        for value in candidates(RULES.number_limits, inputs, name):
            changed = {**answers, name: value}
            narrow = only_when_conflicts(changed, ONLY_WHEN_INVOLVING[name])
            assert narrow == only_when_conflicts(changed), (name, value)


def every_what_if(assessment) -> dict[str, list]:
    """The what-ifs found by trying every input of every rule: what what_ifs() must match."""
    from calculator.core.whatif import MOST_PER_FACTOR, WhatIf, tries

    offers = {}
    for finding in assessment.findings:
        found = {}
        for name in finding.rule.inputs:
            for value, status in tries(finding.rule, assessment.inputs, RULES.number_limits, name):
                if status is not finding.status and status not in found:
                    found[status] = WhatIf(name, value, status)
        offers[finding.rule.id] = list(found.values())[:MOST_PER_FACTOR]
    return offers


@settings(max_examples=150, deadline=None)
@given(any_answers())
def test_trying_only_the_inputs_in_the_working_finds_the_same_what_ifs(data):
    from calculator.core.inputs import Inputs

    assessment = assess(RULES, Inputs(**data))
    assert what_ifs(assessment) == every_what_if(assessment)


def test_the_cases_offer_the_same_what_ifs_as_trying_every_input():
    for case in BOOK.cases:
        assessment = assess(RULES, case.answers)
        assert what_ifs(assessment) == every_what_if(assessment), case.id


def test_two_cases_side_by_side_mark_what_differs(client):
    html = client.get("/compare?a=stable-jo1&b=pl7-fibrosis").get_data(as_text=True)
    rows = re.findall(r'<tr class="(differs)?">\s*<th scope="row">([^<]+)</th>', html)
    differing = {label for mark, label in rows if mark}
    a, b = (assess(RULES, BOOK.get(case_id).answers) for case_id in ("stable-jo1", "pl7-fibrosis"))
    changed = {
        str(escape(before.rule.title))
        for before, after in zip(a.findings, b.findings, strict=True)
        if before.status is not after.status
    }
    answers = {
        spec.label
        for name, spec in FIELDS.items()
        if getattr(a.inputs, name) != getattr(b.inputs, name)
    }
    kept = {str(escape(f.rule.title)) for f in a.findings} - changed - answers
    assert changed and answers and kept
    assert changed | answers <= differing
    assert not kept & differing
    assert "≠</span> Differs" in html


def test_compare_with_unknown_cases_is_a_404(client):
    assert client.get("/compare?a=stable-jo1&b=nobody").status_code == 404
    assert client.get("/compare").status_code == 404


def test_a_posted_comparison_of_answers(client):
    response = client.post("/compare", data={"a-age_at_onset": "50", "b-age_at_onset": "70"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Original answers" in html and "What if" in html
    title = re.escape(str(escape(title_of(RULES, "age_over_60"))))
    assert re.search(rf'<tr class="differs">\s*<th scope="row">{title}', html)


def test_a_posted_comparison_needs_the_csrf_token(csrf_app):
    assert csrf_app.test_client().post("/compare", data={"a-age_at_onset": "50"}).status_code == 400


def test_the_presenter_view_tells_the_story_asks_then_answers_factor_by_factor(client):
    response = client.get("/cases/mda5-rapid/present")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assessment = assess(RULES, BOOK.get("mda5-rapid").answers)
    discussed = [f for f in assessment.findings if f.status is not Status.ABSENT]
    # story, its cautions, question, answer, each factor present or not assessed and the more
    # about it, the absent ones, the end
    deck = slides_of(BOOK.get("mda5-rapid"), assessment)
    assert html.count("data-slide") == len(deck)
    assert {s.finding.rule.id for s in deck if s.kind == "factor"} == {f.rule.id for f in discussed}
    assert "Not medical advice" in html
    first = html.index(f'id="slide-{next(s.number for s in deck if s.kind == "answer")}"')
    assert "Present: adverse" in html[first : html.index("</section>", first)]
    assert client.get("/cases/nobody/present").status_code == 404


def test_the_presenter_view_keeps_every_caveat_of_the_factors_it_discusses(client):
    html = client.get("/cases/pl7-fibrosis/present").get_data(as_text=True)
    for finding in assess(RULES, BOOK.get("pl7-fibrosis").answers).findings:
        if finding.rule.caveat and finding.status is not Status.ABSENT:
            assert str(escape(finding.rule.caveat)) in html, finding.rule.id


def test_a_tiny_decimal_survives_a_what_if_round_trip(client):
    html = client.post("/", data={"diagnostic_delay_months": "0.00001"}).get_data(as_text=True)
    assert '<input type="hidden" name="diagnostic_delay_months" value="0.00001">' in html
    changed = client.post(
        "/", data={"diagnostic_delay_months": "0.00001", "what_if": "anti_jo1=negative"}
    )
    assert changed.status_code == 200
    assert "<dd>0.00001 months</dd>" in changed.get_data(as_text=True)


@pytest.mark.parametrize("token", ["anti_jo1=not_tested", "ild=unknown"])
def test_a_what_if_to_not_known_is_refused(client, token):
    assert client.post("/", data={"anti_jo1": "positive", "what_if": token}).status_code == 400


def test_a_failed_comparison_says_what_to_do(client):
    response = client.post("/compare", data={"a-age_at_onset": "old", "b-age_at_onset": "70"})
    assert response.status_code == 400
    assert "press &#39;Compare the two side by side&#39; again" in response.get_data(as_text=True)


def test_cancer_what_ifs_read_as_questions(client):
    html = client.get("/cases/referral-letter").get_data(as_text=True)
    assert "What if screening had found no cancer?" in html
    assert "What if cancer had been found within 3 years of onset?" in html
    assert "What if cancer were" not in html
