"""For teaching: the case library, a case's result, and two sets of answers side by side."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, request

from . import report, rules_of
from .cases import CaseBook
from .engine import assess
from .errors import unknown_case
from .forms import AnswersForm
from .views import show_result

bp = Blueprint("teaching", __name__)


def init_app(app: Flask) -> None:
    """Register the teaching pages; the cases' summaries are fixed, so work them out once."""
    app.register_blueprint(bp)
    rules = rules_of(app)
    app.extensions["case_summaries"] = {
        case.id: report.summary_line(assess(rules, case.answers)) for case in cases_of(app).cases
    }


def cases_of(app: Flask) -> CaseBook:
    """Return the teaching cases the app loaded at start-up."""
    return app.extensions["cases"]


@bp.get("/cases")
def library():
    """List the teaching cases, each with its summary, and offer to compare two."""
    return render_template(
        "teaching/cases.html",
        book=cases_of(current_app),
        summaries=current_app.extensions["case_summaries"],
    )


@bp.get("/cases/<case_id>")
def case(case_id: str):
    """Show a teaching case's result, its story above it."""
    found = cases_of(current_app).get(case_id) or unknown_case()
    return show_result(assess(rules_of(current_app), found.answers), case=found)


@bp.get("/cases/<case_id>/present")
def present(case_id: str):
    """Show a case for a projector: the summary first, then one factor per slide."""
    found = cases_of(current_app).get(case_id) or unknown_case()
    assessment = assess(rules_of(current_app), found.answers)
    return render_template(
        "teaching/present.html",
        case=found,
        assessment=assessment,
        sections=report.sections(assessment),
        summary=report.summary_line(assessment),
    )


@bp.get("/compare")
def compare_cases():
    """Compare two teaching cases, chosen by id (invented cases: their ids may be in a URL)."""
    book = cases_of(current_app)
    first, second = book.get(request.args.get("a", "")), book.get(request.args.get("b", ""))
    if first is None or second is None:
        abort(404)
    rules = rules_of(current_app)
    comparison = report.Comparison(assess(rules, first.answers), assess(rules, second.answers))
    return render_template(
        "teaching/compare.html", comparison=comparison, names=(first.title, second.title)
    )


@bp.post("/compare")
def compare_answers():
    """Compare two sets of answers posted as a-* and b-* fields (a case and its what-if)."""
    token = AnswersForm()
    first = AnswersForm(prefix="a", meta={"csrf": False})
    second = AnswersForm(prefix="b", meta={"csrf": False})
    a, b = first.to_inputs(), second.to_inputs()
    if not token.validate() or a is None or b is None:
        message = (
            "The comparison could not be shown: the page had expired or its answers were "
            "changed. Go back, and press 'Compare the two side by side' again."
        )
        page = render_template("errors/error.html", code=400, title="Bad Request", message=message)
        return page, 400
    rules = rules_of(current_app)
    comparison = report.Comparison(assess(rules, a), assess(rules, b))
    return render_template(
        "teaching/compare.html", comparison=comparison, names=("Original answers", "What if")
    )
