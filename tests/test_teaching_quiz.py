"""Issue 20: a real quiz on a teaching case, and nothing of the result shown before it is asked."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from calculator.core.engine import Status, assess
from calculator.core.words import status_words, status_words_of
from calculator.web.teaching import factor_answer, quiz_items

from .test_teaching import BOOK, RULES

MDA5 = "mda5-rapid"


def fieldset(html: str, name: str) -> str:
    """Return the quiz's question with this field name."""
    start = html.index(f'id="{name}"')
    return html[start : html.index("</fieldset>", start)]


def verdict(html: str, name: str) -> str:
    """Return the one verdict shown for a question ("right", "wrong" or "none")."""
    shown = re.findall(r'data-verdict="(\w+)">', fieldset(html, name))
    assert len(shown) == 1, shown  # the others carry `hidden` before the closing ">"
    return shown[0]


def hidden_block(html: str, marker: str) -> str:
    """Return the opening tag of the element that carries this marker attribute."""
    start = html.rindex("<", 0, html.index(marker))
    return html[start : html.index(">", start) + 1]


@pytest.mark.parametrize("case", BOOK.cases, ids=lambda c: c.id)
def test_each_factor_offers_the_statuses_the_result_uses_and_the_right_one(client, case):
    html = client.get(f"/cases/{case.id}?quiz=1").get_data(as_text=True)
    assessment = assess(RULES, case.answers)
    for finding in assessment.findings:
        question = fieldset(html, f"factor-{finding.rule.id}")
        offered = re.findall(r"<label [^>]*>([^<]+)</label>", question)
        # The result page's own words for this factor's status are offered...
        assert str(escape(status_words(finding)[1])) in offered, finding.rule.id
        # ... with every status the engine gives a factor (not a case's own answer).
        for status in Status:
            assert str(escape(status_words_of(status, finding.rule.effect)[1])) in offered
    for caution in assessment.caution_findings:
        question = fieldset(html, f"caution-{caution.rule.id}")
        assert re.findall(r"<label [^>]*>([^<]+)</label>", question) == ["Shown", "Not shown"]


def test_set_aside_and_does_not_apply_are_asked_where_the_cases_show_them():
    shown = {factor_answer(f) for case in BOOK.cases for f in assess(RULES, case.answers).findings}
    assert {"set_aside", "does_not_apply"} <= shown  # the cases teach both
    for case in BOOK.cases:
        for item in quiz_items(assess(RULES, case.answers)):
            assert item.answer in dict(item.choices), (case.id, item.name)


def test_nothing_of_the_result_is_shown_before_it_is_asked(client):
    library = client.get("/cases").get_data(as_text=True)
    for case in BOOK.cases:
        card = library[library.index(f'href="/cases/{case.id}"') :]
        card = card[: card.index("</li>")]
        folded = card[card.index('<details class="case-result">') : card.index("</details>")]
        assert str(escape(case.teaches)) in folded and '"case-result" open' not in card
        assert str(escape(case.teaches)) not in card.replace(folded, "")
    for case in BOOK.cases:
        quiz = client.get(f"/cases/{case.id}?quiz=1").get_data(as_text=True)
        assert "hidden" in hidden_block(quiz, "data-quiz-result")
        start = quiz.index("data-quiz-result")
        result = quiz[start : quiz.index("</section>", start)]
        assert str(escape(case.teaches)) in result
        assert quiz.count(str(escape(case.teaches))) == 1
        marks = re.findall(r"<div class=\"quiz-mark\"[^>]*>", quiz)
        assert marks and all("hidden" in mark for mark in marks)
        assert 'class="factor-map"' not in quiz and 'id="summary"' not in quiz


def guesses_for(case_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Guess every other question right and the rest wrong; return the guesses and the
    verdict each should get (one question left unanswered)."""
    items = quiz_items(assess(RULES, BOOK.get(case_id).answers))
    guesses, expected = {}, {}
    for number, item in enumerate(items[:-1]):
        wrong = next(value for value, _ in item.choices if value != item.answer)
        guesses[item.name] = item.answer if number % 2 else wrong
        expected[item.name] = "right" if number % 2 else "wrong"
    expected[items[-1].name] = "none"
    return guesses, expected


@pytest.mark.parametrize("case", BOOK.cases, ids=lambda c: c.id)
def test_a_quiz_sent_without_javascript_marks_every_guess(client, case):
    guesses, expected = guesses_for(case.id)
    response = client.post(f"/cases/{case.id}/quiz", data=guesses)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name, said in expected.items():
        assert verdict(html, name) == said, name
    right = list(expected.values()).count("right")
    assert f"<span data-quiz-right>{right}</span> of {len(expected)}</strong> right" in html
    assert "hidden" not in hidden_block(html, "data-quiz-result")
    assert str(escape(case.teaches)) in html
    # Each guess stays chosen, so the student can change it and check again.
    for name, value in guesses.items():
        assert re.search(rf'name="{name}" value="{value}" checked', html), name
    # The reason of the case is given with each mark.
    for item in quiz_items(assess(RULES, case.answers)):
        assert f"Why: {escape(item.reason)}." in fieldset(html, item.name)


def test_a_guess_that_is_not_a_choice_is_no_guess_and_never_a_500(client):
    data = {"factor-age_over_60": "<script>", "caution-nope": "shown", "factor-": "x" * 5000}
    response = client.post(f"/cases/{MDA5}/quiz", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert verdict(html, "factor-age_over_60") == "none" and "<script>" not in html
    assert client.post("/cases/nobody/quiz", data={}).status_code == 404


def test_a_marked_quiz_keeps_nothing(csrf_app, caplog):
    caplog.set_level(logging.DEBUG)
    client = csrf_app.test_client()
    guesses, _ = guesses_for(MDA5)
    page = client.get(f"/cases/{MDA5}?quiz=1")
    response = client.post(f"/cases/{MDA5}/quiz", data=guesses)
    assert response.status_code == 200
    for each in (page, response):
        assert "Set-Cookie" not in each.headers  # no session: nothing to keep a guess in
        assert each.headers["Cache-Control"] == "no-store"
    assert response.request.url.endswith(f"/cases/{MDA5}/quiz")  # no guess in the address
    assert 'action="/cases/mda5-rapid/quiz"' in page.get_data(as_text=True)
    logged = "\n".join(r.getMessage() + str(r.args or "") for r in caplog.records)
    for name in guesses:
        assert name not in logged


KEY = {item.name: item for item in quiz_items(assess(RULES, BOOK.get(MDA5).answers))}
QUIZ_FIELDS = list(KEY)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(QUIZ_FIELDS), st.text(max_size=20)),
        st.one_of(st.text(max_size=30), st.sampled_from(["present", "set_aside", "shown"])),
        max_size=12,
    )
)
def test_any_guesses_are_marked_never_a_500(app, data):
    response = app.test_client().post(f"/cases/{MDA5}/quiz", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name, item in KEY.items():
        guess = data.get(name)
        expected = "none" if guess not in dict(item.choices) else "wrong"
        assert verdict(html, name) == ("right" if guess == item.answer else expected)
