"""The pages: the form, the result, and the rule catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, render_template, request

from . import report, rules_of
from .engine import assess
from .forms import AnswersForm
from .inputs import FIELDS

bp = Blueprint("calculator", __name__)


def init_app(app: Flask) -> None:
    """Register the pages and the values every template needs."""
    app.register_blueprint(bp)
    app.context_processor(
        lambda: {
            "disclaimer": report.DISCLAIMER,
            "ruleset": rules_of(current_app),
            "fields": FIELDS,
        }
    )


@bp.get("/")
def form():
    """Show the empty form."""
    return render_template("calculator/form.html", form=AnswersForm(formdata=None))


@bp.post("/")
def submit():
    """Assess the answers and show the result, or show the form again with errors."""
    form = AnswersForm()
    if request.form.get("action") == "change":
        return render_template("calculator/form.html", form=form)
    token_ok = form.validate()  # checks the CSRF token; to_inputs judges the answers
    inputs = form.to_inputs()
    if not token_ok:
        form.csrf_token.errors = [
            "The form had expired. Your answers are kept: check them and submit again."
        ]
    if inputs is None or not token_ok:
        return render_template("calculator/form.html", form=form), 400
    assessment = assess(rules_of(current_app), inputs)
    return render_template(
        "calculator/result.html",
        assessment=assessment,
        sections=report.sections(assessment),
        summary=report.summary_line(assessment),
        answers=report.answers(assessment),
        known=report.known_answers(assessment),
        form=form,
        now=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


@bp.get("/rules")
def catalogue():
    """List every rule with its condition in words, its evidence and references."""
    return render_template("calculator/rules.html")
