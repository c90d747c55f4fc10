"""What the app loaded once at start-up, found from any layer: the rules and the teaching cases."""

from __future__ import annotations

from flask import Flask, current_app

from .core.cases import CaseBook
from .core.rules import RuleSet


def rules_of(app: Flask | None = None) -> RuleSet:
    """Return the rule set the app loaded at start-up."""
    return (app or current_app).extensions["rules"]


def cases_of(app: Flask | None = None) -> CaseBook:
    """Return the teaching cases the app loaded at start-up."""
    return (app or current_app).extensions["cases"]
