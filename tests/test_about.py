"""The about page, and the pages that say something was not found."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from calculator.core.words import DISCLAIMER

KUWANA = "Inflammatory Myopathy–Associated ILD: Unraveling Mechanisms, Markers, and Management"
GLOSSARY = ("ASyS", "ARS", "ILD", "HRCT", "FVC", "DLCO", "PPF", "RP-ILD", "CADM", "KL-6")
# The sections of /about, by heading id, in the order a reader meets them.
SECTIONS = (
    "when-title",
    "when-not-title",
    "read-title",
    "pitfalls-title",
    "privacy-title",
    "sources-title",
    "version-title",
    "glossary-title",
    "disclaimer-title",
)


class Page(HTMLParser):
    """Read what the tests look at in <main>: headings, the glossary and each section's text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []  # (level, id, text)
        self.sections: dict[str, str] = {}  # section id or heading id -> its text
        self.terms: list[tuple[str, str]] = []  # (dt, dd) of the glossary section
        self.scripts: list[dict[str, str]] = []
        self._heading: list | None = None
        self._open: list[tuple[str, str | None]] = []  # (tag, section key)
        self._texts: dict[str, list[str]] = {}
        self._in_glossary = False
        self._cell: list[str] | None = None
        self._term = ""
        self._in_main = False
        self.feed(html)
        self.close()
        self.sections = {key: " ".join("".join(t).split()) for key, t in self._texts.items()}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self.scripts.append(a)
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        if tag == "section":
            key = a.get("id") or a.get("aria-labelledby") or ""
            self._open.append((tag, key))
            self._texts.setdefault(key, [])
            if key == "glossary-title":
                self._in_glossary = True
        elif tag in {"dt", "dd"} and self._in_glossary:
            self._cell = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), a.get("id", ""), []]

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main = False
        if tag == "section" and self._open:
            _, key = self._open.pop()
            if key == "glossary-title":
                self._in_glossary = False
        elif tag in {"dt", "dd"} and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if tag == "dt":
                self._term = text
            else:
                self.terms.append((self._term, text))
            self._cell = None
        elif self._heading is not None and tag == f"h{self._heading[0]}":
            level, ident, parts = self._heading
            self.headings.append((level, ident, " ".join("".join(parts).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            self._texts[key].append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading[2].append(data)


@pytest.fixture
def about(client) -> Page:
    response = client.get("/about")
    assert response.status_code == 200
    return Page(response.get_data(as_text=True))


def test_about_has_one_h1_and_every_section_in_order(about):
    assert [h for h in about.headings if h[0] == 1] == [(1, "", "About this calculator")]
    ids = [ident for level, ident, _ in about.headings if level == 2]
    assert ids == list(SECTIONS)


def test_about_headings_never_skip_a_level(about):
    levels = [level for level, _, _ in about.headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_about_says_when_to_use_it_and_when_not(about):
    when_not = about.sections["when-not-title"]
    for words in ("Not for a diagnosis", "anti-MDA5", "dermatomyositis", "children", "adults"):
        assert words in when_not
    assert "no risk percentage" in when_not


def test_about_says_how_to_read_the_result(about):
    read = about.sections["read-title"]
    for words in (
        "It is not a score",
        "not assessed",
        "Evidence: consistent",
        "Evidence: mixed",
        "Evidence: limited",
        "Studied in",
        "Cautions",
    ):
        assert words in read, words


def test_about_names_the_pitfalls(about):
    pitfalls = about.sections["pitfalls-title"]
    for words in (
        "another antisynthetase antibody",
        "A negative anti-Jo-1 on its own decides nothing",
        "Rapidly progressive ILD has no agreed definition",
        "weak breathing muscles",
        "pulmonary hypertension or anaemia",
        "is a snapshot",
        '"Not screened" for cancer is not "none found"',
    ):
        assert words in pitfalls, words


def test_about_says_nothing_entered_is_stored_or_logged(about):
    privacy = about.sections["privacy-title"]
    assert "Nothing you enter is stored or logged on the server" in privacy
    assert "this browser tab keeps your answers" in privacy and "Clear my answers" in privacy


def test_about_names_the_three_sources_without_links(about, client):
    sources = about.sections["sources-title"]
    assert "NIH Genetic and Rare Diseases Information Center" in sources
    assert '"Antisynthetase syndrome"' in sources
    assert KUWANA in sources
    assert "Nippon Medical School" in sources
    assert "DiseaseMaps.org" in sources
    html = client.get("/about").get_data(as_text=True)
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html)


def test_about_gives_the_rules_version_and_review_date(about, rules):
    version = about.sections["version-title"]
    assert rules.version in version
    assert rules.reviewed.isoformat() in version


def test_every_glossary_term_is_defined(about):
    assert [term for term, _ in about.terms] == list(GLOSSARY)
    for term, definition in about.terms:
        assert len(definition.split()) >= 5, (term, definition)


def test_the_full_disclaimer_is_in_its_own_section(about):
    assert DISCLAIMER in about.sections["disclaimer"]


def test_about_loads_no_external_or_inline_script(about):
    assert about.scripts, "the site's own script is expected"
    for script in about.scripts:
        assert script.get("src", "").startswith("/static/"), script


def test_a_missing_page_reads_page_not_found(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = Page(response.get_data(as_text=True))
    html = response.get_data(as_text=True)
    assert "<title>Page not found – " in html
    assert page.headings[0] == (1, "", "Page not found")
    assert "There is no page at this address." in html


@pytest.mark.parametrize("path", ["/cases/nobody", "/cases/nobody/present"])
def test_an_unknown_teaching_case_links_to_the_list(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert Page(html).headings[0] == (1, "", "Page not found")
    assert "The teaching case was not found" in html
    assert '<a href="/cases">See the list of teaching cases</a>' in html
    assert "nobody" not in html


def test_a_missing_api_address_still_answers_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "errors": [{"field": "body", "message": "There is no page at this address."}]
    }


def test_every_page_names_an_icon_that_is_served(client) -> None:
    # No 404 for a favicon: pages link the icon, and /favicon.ico leads to it.
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert match, "the page names no icon"
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    habit = client.get("/favicon.ico")
    assert habit.status_code == 301 and habit.headers["Location"].endswith(match.group(1))
