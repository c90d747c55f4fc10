"""Issue 20: comparisons with their cautions, and what-ifs on teaching cases as addresses."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from calculator.core.compare import Comparison
from calculator.core.engine import assess
from calculator.core.whatif import what_ifs
from calculator.core.words import status_words
from calculator.web.result import changed_by

from .test_teaching import BOOK, RULES

ASSESSED = {case.id: assess(RULES, case.answers) for case in BOOK.cases}


def cautions_of(case_id: str) -> list[str]:
    return [f.rule.title for f in ASSESSED[case_id].cautions]


# Every pair of cases whose cautions differ, read from the cases file.
CAUTION_PAIRS = [
    (a.id, b.id)
    for a, b in itertools.combinations(BOOK.cases, 2)
    if cautions_of(a.id) != cautions_of(b.id)
]


def first_offer(case_id: str) -> str:
    """Return the first what-if a case's result offers, as its button sends it."""
    offers = what_ifs(ASSESSED[case_id])
    return next(offer.token for found in offers.values() for offer in found)


def caution_row(html: str) -> str:
    """Return the first row of the first table's body: the cautions' row."""
    body = html[html.index("<tbody>") :]
    return body[: body.index("</tr>")]


def cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def test_the_cases_have_pairs_whose_cautions_differ():
    assert CAUTION_PAIRS


@pytest.mark.parametrize(("a", "b"), CAUTION_PAIRS, ids="-".join)
@pytest.mark.parametrize("view", ["", "present"])
def test_every_comparison_starts_with_each_columns_cautions(client, a, b, view):
    html = client.get("/compare?" + urlencode({"a": a, "b": b, "view": view})).get_data(
        as_text=True
    )
    row = caution_row(html)
    assert "Cautions: these factors may not apply" in row
    for cell, case_id in zip(cells(row)[:2], (a, b), strict=True):
        titles = cautions_of(case_id)
        for title in titles:
            assert str(escape(title)) in cell, (case_id, title)
        assert (cell == "None") is not bool(titles)
    if not view:
        assert "Differs" in cells(row)[2]


def test_set_aside_and_does_not_apply_are_said_in_the_cells_and_differ():
    said = {}
    for a, b in itertools.combinations(BOOK.cases, 2):
        for first, second, differs in Comparison(ASSESSED[a.id], ASSESSED[b.id]).factors:
            words = {status_words(first)[1], status_words(second)[1]}
            if first.status is second.status and len(words) == 2:
                assert differs, (a.id, b.id, first.rule.id)
                said.setdefault(frozenset(words), (a.id, b.id, first.rule.title))
    # The cases show a factor set aside beside one plainly not assessed, and one that does not
    # apply beside one absent: the same engine status, shown (and compared) as different.
    assert frozenset({"Set aside", "Not assessed"}) in said
    assert frozenset({"Does not apply", "Absent"}) in said


def test_a_set_aside_cell_reads_set_aside_in_a_row_that_differs(client):
    for a, b in itertools.combinations(BOOK.cases, 2):
        for first, second, _ in Comparison(ASSESSED[a.id], ASSESSED[b.id]).factors:
            if bool(first.set_aside_by) != bool(second.set_aside_by):
                html = client.get(f"/compare?a={a.id}&b={b.id}").get_data(as_text=True)
                title = re.escape(str(escape(first.rule.title)))
                row = re.search(
                    rf'<tr class="differs">\s*<th scope="row">{title}</th>(.*?)</tr>', html, re.S
                )
                assert row and "Set aside" in row.group(1)
                return
    raise AssertionError("no pair of cases shows a factor set aside in one only")


@pytest.mark.parametrize("case", BOOK.cases, ids=lambda c: c.id)
def test_a_what_if_on_a_case_is_an_address_and_keeps_the_story(client, case):
    token = first_offer(case.id)
    address = f"/cases/{case.id}/what-if?" + urlencode({"what_if": token})
    response = client.get(address)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>What if: " in html and str(escape(case.story)) in html
    assert f'href="/cases/{case.id}">Back to the original case' in html
    compare = "/compare?" + urlencode({"a": case.id, "what_if": token})
    assert f'href="{escape(compare)}"' in html
    assert "data-keep-what-if" not in html and "data-keep-answers" not in html
    # Another what-if from here is an address too, from the case's answers: the story stays.
    forms = re.findall(
        r'<form method="get" action="([^"]+)" class="what-if-row">(.*?)</form>', html, re.S
    )
    assert forms and {action for action, _ in forms} == {f"/cases/{case.id}/what-if"}
    assert not [body for _, body in forms if 'type="hidden"' in body]


def test_a_what_if_of_a_what_if_keeps_the_story(client):
    case = BOOK.get("pl7-fibrosis")
    first = client.get(f"/cases/{case.id}/what-if?what_if=age_at_onset%3D60")
    second = client.get(
        f"/cases/{case.id}/what-if?what_if_field=fvc_percent_predicted&what_if_number=80"
    )
    for response in (first, second):
        assert response.status_code == 200
        assert str(escape(case.story)) in response.get_data(as_text=True)
    assert "What if: Forced vital capacity" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "address",
    [
        "/cases/pl7-fibrosis/what-if?what_if=age_at_onset%3Dold",
        "/cases/pl7-fibrosis/what-if?what_if=nothing%3D1",
        "/cases/pl7-fibrosis/what-if?what_if=ild%3Dabsent",
        "/cases/pl7-fibrosis/present/what-if?what_if=age_at_onset%3D500&slide=4",
        "/cases/pl7-fibrosis/present/what-if",
        "/compare?a=pl7-fibrosis&what_if=anti_jo1%3Dmaybe",
    ],
)
def test_a_bad_what_if_address_is_a_clear_400(client, address):
    response = client.get(address)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "What if could not be shown." in html


def test_an_unknown_case_what_if_is_a_404(client):
    assert client.get("/cases/nobody/what-if?what_if=age_at_onset%3D60").status_code == 404
    assert client.get("/cases/nobody/present/what-if?what_if=age_at_onset%3D60").status_code == 404


def test_a_case_beside_its_own_what_if(client):
    case = BOOK.get("pl7-fibrosis")
    token = first_offer(case.id)
    html = client.get("/compare?" + urlencode({"a": case.id, "what_if": token})).get_data(
        as_text=True
    )
    _, change = changed_by(ASSESSED[case.id], token)
    differing = set(re.findall(r'<tr class="differs">\s*<th scope="row">([^<]+)</th>', html))
    assert {str(escape(f.rule.title)) for _, f in change.factors} <= differing
    assert "Cautions: these factors may not apply" in caution_row(html)
    back = "/cases/pl7-fibrosis/what-if?" + urlencode({"what_if": token})
    assert f'<a href="{escape(back)}">Back to the what-if</a>' in html
    slides = client.get(
        "/compare?" + urlencode({"a": case.id, "what_if": token, "view": "present"})
    ).get_data(as_text=True)
    assert slides.count("data-slide") == 2 and "What if: " in slides
    assert "Back to the what-if slide" in slides


def test_a_slides_what_if_is_an_address_that_leads_back_to_the_slide(client):
    html = client.get("/cases/pl7-fibrosis/present").get_data(as_text=True)
    form = html[html.rindex("<form", 0, html.index('class="slide-what-ifs')) :]
    form = form[: form.index("</form>")]
    assert 'method="get" action="/cases/pl7-fibrosis/present/what-if"' in form
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    slide = dict(hidden)["slide"]
    assert [name for name, _ in hidden] == ["slide"]  # no answer in the address
    token = re.search(r'name="what_if" value="([^"]+)"', form).group(1)
    shown = client.get(
        "/cases/pl7-fibrosis/present/what-if?" + urlencode({"what_if": token, "slide": slide})
    ).get_data(as_text=True)
    assert f'href="/cases/pl7-fibrosis/present#slide-{slide}" data-back' in shown
    # Side by side as slides, and back to this what-if slide, which leads back to its slide.
    compare = re.search(r'<a href="([^"]+)">Side by side with the case</a>', shown).group(1)
    slides = client.get(compare.replace("&amp;", "&")).get_data(as_text=True)
    # The slide's link shows "Back"; its name, for a screen reader, is the whole phrase.
    back = re.search(r'<a href="([^"]+)" data-back(?: aria-label="([^"]+)")?>([^<]+)</a>', slides)
    assert back and (back.group(2) or back.group(3)) == "Back to the what-if slide"
    assert f"slide={slide}" in back.group(1)
    assert client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True) == shown


@pytest.mark.parametrize("slide", ["²", "-1", "9" * 50, "x"])
def test_a_comparison_with_a_bad_slide_is_a_400(client, slide):
    query = urlencode({"a": "pl7-fibrosis", "what_if": "age_at_onset=60", "slide": slide})
    assert client.get(f"/compare?{query}").status_code == 400


def _what_ifs_that_change_a_caution() -> list[tuple[str, str]]:
    """Every (case, offered what-if) of the cases file after which the cautions differ."""
    found = []
    for case in BOOK.cases:
        tokens = {o.token for offers in what_ifs(ASSESSED[case.id]).values() for o in offers}
        for token in sorted(tokens):
            after, _ = changed_by(ASSESSED[case.id], token)
            if [f.rule.id for f in after.cautions] != [
                f.rule.id for f in ASSESSED[case.id].cautions
            ]:
                found.append((case.id, token))
    return found


CAUTION_WHAT_IFS = _what_ifs_that_change_a_caution()


def test_some_what_if_changes_a_caution():
    assert CAUTION_WHAT_IFS


@pytest.mark.parametrize(("case_id", "token"), CAUTION_WHAT_IFS, ids="-".join)
def test_a_case_beside_its_what_if_starts_with_each_columns_cautions(client, case_id, token):
    after, _ = changed_by(ASSESSED[case_id], token)
    for view in ("", "present"):
        query = urlencode({"a": case_id, "what_if": token, "view": view})
        row = caution_row(client.get(f"/compare?{query}").get_data(as_text=True))
        for cell, assessment in zip(cells(row)[:2], (ASSESSED[case_id], after), strict=True):
            titles = [f.rule.title for f in assessment.cautions]
            assert all(str(escape(title)) in cell for title in titles)
            assert (cell == "None") is not bool(titles)
