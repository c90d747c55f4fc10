"""The JSON API: POST /api/v2/assess (v1 is gone: 410) and GET /healthz.

A good assessment request is usually answered before Flask sees it, by
fastpath.AssessFastPath; both paths give the answer of `answer`, and any
request the fast path does not take comes here, to the view below.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request

from . import jsonbody, report, rules_of
from .engine import assess
from .inputs import InputError, parse_json

bp = Blueprint("api", __name__)


def init_app(app: Flask) -> None:
    """Register the API, and its writer for the rules the app loaded."""
    app.register_blueprint(bp)
    app.extensions["json_writer"] = report.JsonWriter(rules_of(app))


def answer(app: Flask, body: bytes) -> bytes:
    """Assess a JSON body of answers and return the API's answer, as UTF-8 JSON.

    Raises InputError when the body is not valid answers (malformed: 400, else 422).
    """
    inputs = parse_json(jsonbody.strict(body))
    return app.extensions["json_writer"].write(assess(rules_of(app), inputs))


def error(status: int, field: str, message: str):
    """Return a JSON error naming the field at fault."""
    return jsonify(errors=[{"field": field, "message": message}]), status


@bp.post("/api/v1/assess")
def assess_v1():
    """Say that v1 is gone, and where v2 is."""
    return error(
        410,
        "body",
        "API v1 has been replaced: send the answers to /api/v2/assess, which also returns "
        "the working, cautions and derived values of contract v2.",
    )


@bp.post("/api/v2/assess")
def assess_json():
    """Assess a JSON object of answers; omitted answers mean not known."""
    if not request.is_json:
        return error(415, "body", "Send the answers as JSON, with Content-Type: application/json.")
    body = request.get_data(cache=False)
    try:
        data = answer(current_app, body)
    except InputError as problem:
        return jsonify(errors=problem.errors), 400 if problem.malformed else 422
    return current_app.response_class(data, mimetype="application/json")


@bp.get("/healthz")
def healthz():
    """Say the app is up, with the rules version it serves."""
    return jsonify(status="ok", rules_version=rules_of(current_app).version)
