"""Shared test data."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES_PATH = ROOT / "rules.yaml"


def is_checked(html: str, name: str, value: str) -> bool:
    """Tell whether the radio button `name` = `value` is checked in a page."""
    import re

    pattern = rf'<input type="radio"[^>]*name="{name}" value="{value}"\s+checked'
    return re.search(pattern, html) is not None
