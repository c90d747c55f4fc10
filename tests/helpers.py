"""Shared test data."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES_PATH = ROOT / "rules.yaml"
# The API's assessment.
ASSESS_URL = "/api/v3/assess"


def is_checked(html: str, name: str, value: str) -> bool:
    """Tell whether the radio button `name` = `value` is checked in a page."""
    import re

    pattern = rf'<input type="radio"[^>]*name="{name}" value="{value}"\s+checked'
    return re.search(pattern, html) is not None


def present_in_summary(html: str) -> list[str]:
    """Return the ids of the factors the result's summary names as present, in order."""
    import re

    start = html.index('id="summary"')
    section = html[start : html.index("</section>", start)]
    return re.findall(r'data-present="(\w+)"', section)


def title_of(rules, rule_id: str) -> str:
    """Return the title of a factor or caution as rules.yaml gives it, rather than typed in."""
    return next(rule.title for rule in rules.rules if rule.id == rule_id)
