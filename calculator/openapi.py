"""The OpenAPI 3.1 document of the API, generated from the same pydantic models it runs on."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from .inputs import FIELDS, Inputs
from .report import AssessmentOut

bp = Blueprint("openapi", __name__)


class ErrorItem(BaseModel):
    """One problem, naming the field at fault ("body" for the request as a whole)."""

    field: str
    message: str


class ErrorsOut(BaseModel):
    """Every problem found in a request."""

    errors: list[ErrorItem] = Field(min_length=1)


class HealthOut(BaseModel):
    """The app is up, and serves this rules version."""

    status: str
    rules_version: str


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


@cache
def document() -> dict[str, Any]:
    """Build the OpenAPI document once; it depends on the models only."""
    _, schemas = models_json_schema(
        [
            (Inputs, "validation"),
            (AssessmentOut, "serialization"),
            (ErrorsOut, "serialization"),
            (HealthOut, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )
    errors = "#/components/schemas/ErrorsOut"
    example = {
        "age_at_onset": 64,
        "anti_jo1": "negative",
        "other_ars_antibody": "pl7",
        "ild": "present",
        "ild_course": "progressive",
        "fvc_percent_predicted": 62,
        "fvc_percent_predicted_year_before": 68,
        "crp_mg_per_l": 12,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASyS prognostic factor calculator API",
            "version": "2",
            "description": (
                "Lists which documented prognostic factors of antisynthetase syndrome are "
                "present, absent or not assessed for one set of answers. Not medical advice: "
                "every answer carries the disclaimer. Nothing sent is stored or logged. Each "
                "factor comes with the comparisons that decided it (`working`), the population "
                "it was studied in and its references; cautions say when the factors may not "
                "apply. The number of factors is not a score."
            ),
        },
        "paths": {
            "/api/v1/assess": {
                "post": {
                    "operationId": "assessV1",
                    "summary": "Gone: use /api/v2/assess",
                    "deprecated": True,
                    "responses": {"410": _json(errors, "API v1 has been replaced by v2")},
                }
            },
            "/api/v2/assess": {
                "post": {
                    "operationId": "assess",
                    "summary": "Assess one set of answers",
                    "description": (
                        "Omitted answers mean not known. A factor whose answers are not known "
                        "is `not_assessed`, never `absent`."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Inputs"},
                                "example": example,
                            }
                        },
                    },
                    "responses": {
                        "200": _json("#/components/schemas/AssessmentOut", "Every factor's status"),
                        "400": _json(errors, "The body is not valid JSON"),
                        "413": _json(errors, "The body is larger than the limit"),
                        "415": _json(errors, "The body was not sent as application/json"),
                        "422": _json(errors, "Answers that are not valid, each field named"),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Tell a load balancer the app is up",
                    "responses": {"200": _json("#/components/schemas/HealthOut", "Up")},
                }
            },
        },
        "components": {"schemas": schemas["$defs"]},
    }


def init_app(app: Flask) -> None:
    """Register the document and its readable page."""
    app.register_blueprint(bp)


@bp.get("/openapi.json")
def openapi_json():
    """Serve the OpenAPI document."""
    return jsonify(document())


@bp.get("/api")
def api_page():
    """Show the API readably, from the same document."""
    doc = document()
    return render_template(
        "openapi/api.html",
        doc=doc,
        inputs=doc["components"]["schemas"]["Inputs"],
        fields=FIELDS,
    )
