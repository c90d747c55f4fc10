"""The JSON API and the form give the same assessment for the same answers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from calculator.core.inputs import FIELDS
from calculator.core.words import _short_label

from .pages import RESULT_TITLE

SECTIONS = {
    ("present", "adverse"): "Adverse factors present",
    ("present", "favourable"): "Favourable factors present",
    ("not_assessed", "adverse"): "Not assessed",
    ("not_assessed", "favourable"): "Not assessed",
    ("absent", "adverse"): "Factors absent",
    ("absent", "favourable"): "Factors absent",
}


def test_the_api_and_the_form_agree(page: Page, form) -> None:
    # Progressive, meeting the 2022 criteria (an FVC fall of exactly 5 points and CT
    # progression), with a cancer outside the 3-year window: a caution as well as factors.
    body = {
        "age_at_onset": 58,
        "myositis": "present",
        "anti_jo1": "positive",
        "anti_ro52": "positive",
        "ild": "present",
        "ild_course": "progressive",
        "hrct_extent": "indeterminate",
        "fvc_percent_predicted": 64.5,
        "dlco_percent_predicted": 50,
        "fibrosis_on_ct": "present",
        "symptoms_worse_past_year": "no",
        "fvc_percent_predicted_year_before": 69.5,
        "dlco_percent_predicted_year_before": 58,
        "ct_progression_past_year": "yes",
        "respiratory_muscle_weakness": "absent",
        "crp_mg_per_l": 12,
        "malignancy": "outside_window_inactive",
    }
    response = page.request.post("/api/v3/assess", data=body)
    assert response.ok, response.text()
    api = response.json()
    counts = api["summary"]
    assert api["derived"]["fvc_decline_past_year"] == 5

    # The result page is under test, not the typing: the form's values are set by script.
    form.post(
        page,
        {
            "Age at onset": "58",
            "Muscle involvement (myositis)": "Present",
            "Anti-Jo-1 antibody": "Positive",
            "Anti-Ro52 antibody": "Positive",
            "Interstitial lung disease (ILD)": "Present",
            "Course of the ILD": "Progressive (chronic, worsening)",
            "Extent of ILD on HRCT": "Indeterminate: hard to judge whether more or less than 20%",
            "Forced vital capacity (FVC)": "64.5",
            "Diffusing capacity (DLCO)": "50",
            "Fibrosis on CT": "Present",
            "Respiratory symptoms worse in the past year": (
                "No, or fully explained by another cause"
            ),
            "FVC up to a year before": "69.5",
            "DLCO up to a year before": "58",
            "Radiological progression in the past year": "Yes",
            "Breathing-muscle weakness": "Absent",
            "C-reactive protein (CRP)": "1.2",  # the same 12 mg/L, typed in mg/dL
            "Unit of C-reactive protein (CRP)": "mg/dL",
            "Cancer": "Only cancer more than 3 years from onset, not active at onset",
        },
    )

    expect(page).to_have_title(RESULT_TITLE)
    # The summary names the factors the API found present: the adverse first, then the
    # favourable, as many as the API counts.
    strength = ["consistent", "mixed", "limited"]
    present = sorted(
        (factor for factor in api["factors"] if factor["status"] == "present"),
        key=lambda f: (f["effect"] != "adverse", strength.index(f["evidence"])),
    )
    assert len(present) == counts["adverse_present"] + counts["favourable_present"]
    named = page.get_by_role("region", name="Summary", exact=True).locator("[data-present]")
    expect(named).to_have_text(
        [
            re.compile(
                rf"^{re.escape(f['title'])} \({f['effect']}; {f['evidence']} evidence\): "
                + re.escape(f["reason"])
            )
            for f in present
        ]
    )
    for factor, item in zip(present, named.all(), strict=True):
        expect(item).to_have_attribute("data-present", factor["id"])

    expected: dict[str, list[str]] = {name: [] for name in SECTIONS.values()}
    expected["Factors that do not apply"] = []
    ranked = present + [f for f in api["factors"] if f["status"] != "present"]
    for factor in ranked:  # the factors present as the summary ranks them, the rest in order
        if factor["applies"] is False:
            expected["Factors that do not apply"].append(factor["title"])
        else:
            expected[SECTIONS[factor["status"], factor["effect"]]].append(factor["title"])
    assert expected["Adverse factors present"] and expected["Factors absent"]
    for heading, titles in expected.items():
        region = page.get_by_role("region", name=re.compile(rf"^{heading}$"))
        # A patient's absent factors, and those that do not apply, are one line each.
        one_line = heading in ("Factors absent", "Factors that do not apply")
        on_page = (
            region.get_by_role("listitem") if one_line else region.get_by_role("heading", level=3)
        )
        expect(on_page).to_have_count(len(titles))
        if titles:
            expect(on_page).to_contain_text(titles)

    # The same reasons: the answers that would assess a factor, or a "Why" line.
    for factor in api["factors"]:
        if factor["status"] == "absent":
            line = page.locator(f"#factor-{factor['id']}")
            expect(line).to_contain_text(factor["reason"][1:])  # its first letter lower-cased
            continue
        article = form.factor(page, factor["title"])
        if factor["status"] == "not_assessed" and not factor["set_aside_by"]:
            needs = article.get_by_role("paragraph").filter(has_text="To assess it, answer: ")
            for name in factor["missing_inputs"]:
                expect(needs).to_contain_text(_short_label(FIELDS[name].label))
        else:
            expect(article).to_contain_text("Why: ")
    ppf = next(f for f in api["factors"] if f["id"] == "ppf_2022")
    assert ppf["status"] == "present", ppf
    expect(form.factor(page, ppf["title"])).to_contain_text("5 points (at least 5)")

    cautions = [caution["title"] for caution in api["cautions"]]
    assert cautions, "the answers were chosen to show a caution"
    section = page.get_by_role("region", name="Cautions: these factors may not apply")
    expect(section.get_by_role("heading", level=3)).to_have_text(
        [re.compile(rf"{re.escape(title)}$") for title in cautions]
    )
    expect(page.get_by_role("note")).to_contain_text("Not medical advice")
    expect(page.get_by_role("contentinfo")).to_contain_text(api["disclaimer"])
