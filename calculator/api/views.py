"""The JSON API: POST /api/v2/assess (v1 is gone: 410) and GET /healthz."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request

from ..core import jsonbody
from ..core.engine import assess
from ..core.inputs import InputError, parse_json
from ..loaded import rules_of
from .models import assessment_out

bp = Blueprint("api", __name__)
FIELD_ECHO = 60


def init_app(app: Flask) -> None:
    """Register the API."""
    app.register_blueprint(bp)


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
    try:
        inputs = parse_json(jsonbody.strict(request.get_data(cache=False)))
    except InputError as problem:
        # Cut each field named: an unknown key is echoed, and a key may be 60 KB long.
        errors = [{**e, "field": e["field"][:FIELD_ECHO]} for e in problem.errors]
        return jsonify(errors=errors), 400 if problem.malformed else 422
    answer = assessment_out(assess(rules_of(), inputs))
    return current_app.response_class(answer.model_dump_json(), mimetype="application/json")


@bp.get("/healthz")
def healthz():
    """Say the app is up, with the rules version it serves."""
    return jsonify(status="ok", rules_version=rules_of().version)
