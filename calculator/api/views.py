"""The JSON API v3: POST /api/v3/assess, GET /api/v3/rules (the catalogue), GET /healthz.

v1 and v2 are gone: they answer 410, naming v3.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from ..core import jsonbody
from ..core.engine import assess
from ..core.inputs import InputError, parse_json
from ..loaded import rules_of
from .models import CATALOGUE, assessment_out, catalogue_out

bp = Blueprint("api", __name__)
ASSESS = "/api/v3/assess"
CATALOGUE_LIFETIME = 24 * 60 * 60  # seconds; a new rules version has a new ETag
FIELD_ECHO = 60


def init_app(app: Flask) -> None:
    """Register the API; the catalogue never changes while the app runs, so make it once."""
    app.register_blueprint(bp)
    app.extensions["catalogue"] = catalogue_out(rules_of(app)).model_dump_json().encode()


def error(status: int, field: str, message: str):
    """Return a JSON error naming the field at fault."""
    return jsonify(errors=[{"field": field, "message": message}]), status


@bp.post("/api/v1/assess")
@bp.post("/api/v2/assess")
def gone():
    """Say that this version is gone, and where v3 is."""
    return error(
        410,
        "body",
        f"This version of the API has been replaced: send the answers to {ASSESS}. "
        f"Its answers carry statuses, reasons and workings; the rules' texts are at {CATALOGUE}.",
    )


@bp.post(ASSESS)
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


@bp.get(CATALOGUE)
def catalogue():
    """Return every rule's texts, evidence and references; cacheable per rules version."""
    response = Response(current_app.extensions["catalogue"], mimetype="application/json")
    response.set_etag(rules_of().version)
    response.cache_control.public = True
    response.cache_control.max_age = CATALOGUE_LIFETIME
    return response.make_conditional(request)


@bp.get("/healthz")
def healthz():
    """Say the app is up, with the rules version it serves."""
    return jsonify(status="ok", rules_version=rules_of().version)
