"""The pages: the result's anatomy, the rule catalogue, headers, and what ships."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
from markupsafe import escape

from calculator.core.engine import assess
from calculator.core.inputs import FIELDS, ILD_ONLY_FIELDS, Inputs
from calculator.core.rules import load_rules
from calculator.core.words import glance

from .helpers import ROOT, RULES_PATH, present_in_summary

RULES = load_rules(RULES_PATH)


def result_page(client, **answers) -> str:
    response = client.post("/", data=answers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_result_page_is_in_the_order_of_design_md(client):
    html = result_page(
        client, age_at_onset="66", myositis="present", ild="absent", anti_jo1="positive"
    )
    order = [
        "Not medical advice",
        'id="summary"',
        'id="heading-adverse"',
        'id="heading-favourable"',
        'id="heading-not_assessed"',
        'id="heading-absent"',
        'id="heading-answers"',
        'class="ruleset-version"',
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    expected = assess(
        RULES, Inputs(age_at_onset=66, myositis="present", ild="absent", anti_jo1="positive")
    )
    assert present_in_summary(html) == [f.rule.id for f in glance(expected).present]
    assert "is not a score" in html
    footer = html[html.index("<footer") :]
    assert "Not medical advice" in footer
    assert f"Rules version {RULES.version}, reviewed {RULES.reviewed.isoformat()}" in footer


def test_each_factor_shows_explanation_evidence_and_reference_links(client):
    html = result_page(client, anti_jo1="negative", other_ars_antibody="pl7")
    start = html.index('id="factor-jo1_negative"')
    factor = html[start : html.index("</article>", start)]
    rule = next(r for r in RULES.rules if r.id == "jo1_negative")
    assert rule.explanation in factor
    assert "Evidence: mixed" in factor
    assert "Present: adverse" in factor
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/23422076/"' in factor


def test_not_assessed_factors_name_the_answers_that_would_assess_them(client):
    html = result_page(
        client, ild="present", respiratory_muscle_weakness="absent", hrct_extent="indeterminate"
    )
    start = html.index('id="factor-extensive_ild"')
    factor = html[start : html.index("</article>", start)]
    assert "Not assessed" in factor
    assert "To assess it, answer:</strong> FVC." in factor


def test_your_answers_lists_every_input_and_says_not_known(client):
    html = result_page(client, age_at_onset="50", hrct_extent="", ild="unknown")
    answers = html[html.index("Your answers") :]
    for spec in FIELDS.values():
        assert f"<dt>{spec.label}</dt>" in answers
    assert "<dd>50 years</dd>" in answers
    not_applicable = answers.count('class="not-known">Not applicable (no ILD)</dd>')
    assert not_applicable == len(ILD_ONLY_FIELDS)  # ILD is not known, so they do not apply
    assert answers.count('class="not-known">Not known</dd>') == len(FIELDS) - 1 - not_applicable


def test_the_rule_catalogue_shows_every_rule_from_the_file(client):
    html = client.get("/rules").get_data(as_text=True)
    for rule in RULES.rules:
        assert f'id="rule-{rule.id}"' in html
        assert escape(rule.explanation) in html
        for ref in rule.references:
            assert escape(ref.citation) in html
    assert "Extent of ILD on HRCT is Extensive" in html
    assert "Forced vital capacity (FVC) is below 70% predicted" in html
    assert "Age at onset is above 60 years" in html
    assert "At least 2 of these:" in html
    assert "Fall in FVC over the past year is at least 5 points" in html
    for word in ("consistent", "mixed", "limited"):
        assert f"Evidence: {word}" in html
    assert html.count("Studied in:") == len(RULES.factors)
    for source in ("GARD", "Kuwana", "DiseaseMaps"):
        assert f"<dt>{source}</dt>" in html
    assert f"version {RULES.version}" in html


@pytest.mark.parametrize("path", ["/", "/rules", "/nowhere", "/healthz"])
def test_security_headers_are_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_no_page_has_inline_script_or_style_or_a_third_party_origin(client):
    pages = [
        client.get("/"),
        client.get("/rules"),
        client.post("/", data={"age_at_onset": "70"}),
        client.post("/", data={"age_at_onset": "x"}),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "<style" not in html
        sources = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        # Only reference links leave the site, and only as links, never as loaded resources.
        assert not re.findall(r'src="https?://', html)
        cited = {ref.url for rule in RULES.rules for ref in rule.references if ref.url}
        assert all("pubmed" in s or "doi.org" in s or s in cited for s in sources), sources


def test_error_pages_do_not_echo_input_or_show_a_traceback(client):
    response = client.get("/nowhere<script>alert(1)</script>")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<script>alert" not in html
    assert "Traceback" not in html


def test_the_wheel_ships_templates_static_files_and_rules(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "calculator/rules.yaml",
        "calculator/templates/base.html",
        "calculator/templates/calculator/result.html",
        "calculator/static/style.css",
        "calculator/static/app.js",
        "calculator/static/rules.schema.json",
    ):
        assert expected in names


def test_the_code_is_lint_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout


def test_numbers_are_written_back_in_full_never_rounded(client):
    html = result_page(
        client,
        ild="present",
        myositis="absent",
        hrct_extent="indeterminate",
        fvc_percent_predicted="69.9999999",
    )
    assert "<dd>69.9999999% predicted</dd>" in html
    assert '<input type="hidden" name="fvc_percent_predicted" value="69.9999999">' in html
    start = html.index('id="factor-extensive_ild"')
    assert "Present: adverse" in html[start : html.index("</article>", start)]
