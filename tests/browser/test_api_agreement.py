"""The JSON API and the form give the same assessment for the same answers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SECTIONS = {
    ("present", "adverse"): "Adverse factors present",
    ("present", "favourable"): "Favourable factors present",
    ("not_assessed", "adverse"): "Not assessed",
    ("not_assessed", "favourable"): "Not assessed",
    ("absent", "adverse"): "Factors absent",
    ("absent", "favourable"): "Factors absent",
}


def test_the_api_and_the_form_agree(page: Page, form) -> None:
    body = {
        "age_at_onset": 58,
        "anti_jo1": "positive",
        "myositis": "present",
        "ild": "present",
        "ild_course": "non_progressive",
        "hrct_extent": "indeterminate",
        "fvc_percent_predicted": 64.5,
        "malignancy": "outside_window",
    }
    response = page.request.post("/api/v1/assess", data=body)
    assert response.ok, response.text()
    api = response.json()
    counts = api["summary"]

    page.goto("/")
    form.fill(
        page,
        {
            "Age at onset": "58",
            "Anti-Jo-1 antibody": "Positive",
            "Muscle involvement (myositis)": "Present",
            "Interstitial lung disease (ILD)": "Present",
            "Course of the ILD": "Non-progressive (stable)",
            "Extent of ILD on HRCT": "Indeterminate (extent hard to judge)",
            "Forced vital capacity (FVC)": "64.5",
            "Cancer": "Only more than 3 years before or after onset",
        },
    )
    form.submit(page)

    adverse = counts["adverse_present"]
    summary = (
        f"{adverse} adverse factor{'' if adverse == 1 else 's'} present, "
        f"{counts['favourable_present']} favourable, {counts['not_assessed']} not assessed"
    )
    expect(page.get_by_text(f"{summary}.", exact=True)).to_be_visible()

    expected: dict[str, list[str]] = {name: [] for name in SECTIONS.values()}
    for factor in api["factors"]:
        expected[SECTIONS[factor["status"], factor["effect"]]].append(factor["title"])
    assert expected["Adverse factors present"] and expected["Favourable factors present"]
    for heading, titles in expected.items():
        region = page.get_by_role("region", name=re.compile(rf"^{heading} \(\d+\)$"))
        titles_on_page = region.get_by_role("heading", level=3)
        expect(titles_on_page).to_have_count(len(titles))
        if titles:
            expect(titles_on_page).to_contain_text(titles)
    expect(page.get_by_role("note")).to_contain_text(api["disclaimer"])
