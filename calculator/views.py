"""The pages: the form, the result (with its what-ifs), and the rule catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request

from . import report, rules_of
from .engine import Assessment, assess
from .forms import FORM_GROUPS, AnswersForm
from .inputs import FIELDS, InputError
from .whatif import apply, what_ifs

bp = Blueprint("calculator", __name__)


def init_app(app: Flask) -> None:
    """Register the pages and the values every template needs.

    What never changes for a factor (explanation, evidence, references) is
    rendered once here, not on every result page.
    """
    app.register_blueprint(bp)
    app.jinja_env.globals["status_words"] = report.status_words
    app.jinja_env.globals["reason"] = report.reason
    macros = app.jinja_env.get_template("_macros.html").module
    app.extensions["factor_html"] = {
        rule.id: macros.factor_body(rule) for rule in rules_of(app).factors
    }
    app.context_processor(
        lambda: {
            "disclaimer": report.DISCLAIMER,
            "ruleset": rules_of(current_app),
            "fields": FIELDS,
            "form_groups": FORM_GROUPS,
        }
    )


def show_result(assessment: Assessment, form: AnswersForm | None = None, **extra: Any) -> str:
    """Render a result page: the factors, their what-ifs, and the answers to go back to."""
    return render_template(
        "calculator/result.html",
        assessment=assessment,
        sections=report.sections(assessment),
        summary=report.summary_line(assessment),
        answers=report.answers(assessment),
        known=report.known_answers(assessment),
        what_ifs=what_ifs(assessment),
        form=form or AnswersForm(formdata=None),
        factor_html=current_app.extensions["factor_html"],
        now=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **extra,
    )


@bp.get("/")
def form():
    """Show the empty form."""
    return render_template("calculator/form.html", form=AnswersForm(formdata=None))


@bp.post("/")
def submit():
    """Assess the answers and show the result, or show the form again with errors.

    The same POST serves the result page's buttons: "change" returns the filled
    form, and "what_if" shows the result with one answer changed.
    """
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
    rules = rules_of(current_app)
    assessment = assess(rules, inputs)
    what_if = request.form.get("what_if")
    if not what_if:
        return show_result(assessment, form)
    try:
        changed, name = apply(inputs, what_if)
    except InputError:
        abort(400)
    return show_result(
        assess(rules, changed),
        form,
        baseline=assessment,
        before={f.rule.id: f for f in assessment.findings},
        changed_field=name,
        was=FIELDS[name].describe(getattr(inputs, name)),
        baseline_known=report.known_answers(assessment),
    )


@bp.get("/rules")
def catalogue():
    """List every rule with its condition in words, its evidence and references."""
    return render_template("calculator/rules.html")
