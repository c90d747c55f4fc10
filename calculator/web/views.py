"""The pages: the form, the result (with its what-ifs), and the rule catalogue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request

from ..core import words as said
from ..core.engine import assess
from ..core.inputs import FIELDS, Inputs, lower_first
from ..loaded import cases_of, rules_of
from .forms import (
    FORM_GROUPS,
    LUNG_FIELDS,
    LUNG_ROWS,
    LUNG_TABLE,
    AnswersForm,
    changed_answers,
    was_values,
)
from .live import LIVE_FIELDS
from .result import asked_what_if, hidden_inputs, show_result, show_what_if, what_if_choices

bp = Blueprint("calculator", __name__)
EMPTY = Inputs()
EXPIRED = (
    "The form had expired, or was sent from another site: its answers were not kept. "
    "Enter them again and submit."
)


def init_app(app: Flask) -> None:
    """Register the pages and the values every template needs."""
    app.register_blueprint(bp)
    app.jinja_env.globals["status_words"] = said.status_words
    app.jinja_env.globals["hidden_inputs"] = hidden_inputs
    app.jinja_env.globals["what_if_choices"] = what_if_choices
    app.jinja_env.globals["live_fields"] = LIVE_FIELDS
    app.jinja_env.filters["lower_first"] = lower_first
    # What never changes for a factor (explanation, evidence, references), rendered once.
    bodies = app.jinja_env.globals["factor_bodies"] = {}
    macros = app.jinja_env.get_template("_macros.html").module
    bodies.update({rule.id: macros.factor_body(rule) for rule in rules_of(app).factors})
    app.context_processor(
        lambda: {
            "disclaimer": said.DISCLAIMER,
            "ruleset": rules_of(),
            "fields": FIELDS,
            "form_groups": FORM_GROUPS,
            "lung_rows": LUNG_ROWS,
            "lung_table": LUNG_TABLE,
            "lung_fields": LUNG_FIELDS,
            "not_applicable": said.NOT_APPLICABLE,
        }
    )


def show_form(
    form: AnswersForm,
    status: int = 200,
    focus: str | None = None,
    was: dict[str, str] | None = None,
):
    """Render the form, at one question when a Change link asked for it.

    A question that applies only with ILD is hidden while ILD is not present:
    Change on it goes to the ILD question, which opens it. A form opened by Change
    carries the answers as they were, so that the next result marks those changed.
    """
    focus = focus if focus in FIELDS else None
    gate = FIELDS[focus].only_when if focus else None
    if gate and form[gate[0]].data != gate[1]:
        focus = gate[0]
    return render_template("calculator/form.html", form=form, focus=focus, was=was or {}), status


@bp.get("/")
def form():
    """Show the empty form."""
    return show_form(AnswersForm(formdata=None))


@bp.post("/")
def submit():
    """Assess the answers and show the result, or show the form again with errors.

    The same POST serves the result page's buttons: "change" (or "change:FIELD")
    returns the filled form, at that question; "clear" an empty form; and
    "what_if" shows the result with one answer changed.
    """
    form = AnswersForm()
    action = request.form.get("action", "")
    if action == "clear":
        return show_form(AnswersForm(formdata=None))
    token_ok = form.validate()  # checks the CSRF token; to_inputs judges the answers
    if not token_ok:
        # Never echo answers that came without a valid token: a cross-site POST would get
        # its answers back in the real form, with a fresh token, ready to submit.
        empty = AnswersForm(formdata=None)
        empty.csrf_token.errors = [EXPIRED]
        return show_form(empty, 400)
    if action == "change" or action.startswith("change:"):
        was = was_values(request.form, changing=True)
        return show_form(form, focus=action.partition(":")[2], was=was)
    inputs = form.to_inputs()
    was = was_values(request.form, changing=False)  # kept while the answers are corrected
    if inputs is None:
        return show_form(form, 400, was=was)
    if inputs == EMPTY:
        form.nothing_answered = True
        return show_form(form, 400, was=was)
    assessment = assess(rules_of(), inputs)
    case = _posted_case(inputs)
    what_if = asked_what_if(request.form)
    units = form.entered_units()
    if not what_if:
        edited = {
            name: said.described(FIELDS[name], value, was_units)
            for name, (value, was_units) in changed_answers(inputs, request.form).items()
        }
        return show_result(
            assessment, form, keep_answers=case is None, case=case, units=units, edited=edited
        )
    return show_what_if(assessment, what_if, form, case=case, units=units)


def _posted_case(inputs: Inputs) -> Any:
    """Return the teaching case a what-if was asked from, if its answers are the case's own.

    The case id is not clinical (cases are invented); answers changed by hand are a
    patient's, and then no case is named.
    """
    found = cases_of().get(request.form.get("case", ""))
    return found if found is not None and found.answers == inputs else None


@bp.get("/result")
def restore():
    """Show a result again after Back or Forward, from answers the browser kept in this tab.

    Nothing is kept on the server: the page asks the browser (JavaScript and
    sessionStorage) to post the answers again; without them it says so.
    """
    return render_template("calculator/restore.html", form=AnswersForm(formdata=None))


@bp.get("/rules")
def catalogue():
    """List every rule with its condition in words, its evidence and references."""
    return render_template("calculator/rules.html")
