"""The OpenAPI 3.1 document of the API, generated from the same pydantic models it runs on."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from .api.models import CATALOGUE, AssessmentOut, CatalogueOut
from .api.views import ASSESS
from .core.inputs import FIELDS, Inputs
from .record.cdshooks import FHIR_SERVER_PATTERN
from .record.fhir import R4_RESPONSE_STATUSES, answer_code

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


_FHIR = "application/fhir+json"
_RESOURCE = {"type": "object", "required": ["resourceType"]}

# The QuestionnaireResponse $assess reads, as FHIR R4 (fhir.resources) takes it: the elements
# it reads and their FHIR primitive patterns, nothing else. Which linkIds and answers the
# Questionnaire takes, each once, is the Questionnaire's to say: a body valid here with answers
# it does not take is a 422 naming the linkId, never a 400.
# Printable ASCII: every such string is a FHIR string to any regex engine ("\s" is not: Python
# counts U+001C-U+001F as spaces, pydantic-core's Rust regex does not).
_STRING = {"type": "string", "pattern": "^[ -~]+$"}
# A code is one of the answers' codes: any other is a 422 naming the linkId.
_CODE = {
    "enum": list(
        dict.fromkeys(answer_code(m) for spec in FIELDS.values() for m in spec.choices or [])
    )
}
_ITEM_REF = {"$ref": "#/components/schemas/QuestionnaireResponseItem"}
QUESTIONNAIRE_RESPONSE_SCHEMAS: dict[str, Any] = {
    "QuestionnaireResponse": {
        "type": "object",
        "description": "A FHIR R4 QuestionnaireResponse to the Questionnaire of the inputs.",
        "required": ["resourceType", "status"],
        "additionalProperties": False,
        "properties": {
            "resourceType": {"const": "QuestionnaireResponse"},
            "status": {"enum": sorted(R4_RESPONSE_STATUSES)},
            "questionnaire": {"type": "string"},
            "item": {"type": "array", "items": _ITEM_REF},
        },
    },
    "QuestionnaireResponseItem": {
        "type": "object",
        "description": "A group, whose items are read through, or one question and its answer.",
        "required": ["linkId"],
        "additionalProperties": False,
        "properties": {
            "linkId": _STRING,
            "answer": {"type": "array", "items": {"$ref": "#/components/schemas/Answer"}},
            "item": {"type": "array", "items": _ITEM_REF},
        },
    },
    "Answer": {
        "description": "One answer: a coded choice, a whole number or a decimal, as a JSON number.",
        "oneOf": [
            {
                "type": "object",
                "required": ["valueCoding"],
                "additionalProperties": False,
                "properties": {
                    "valueCoding": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "system": {"type": "string"},
                            "code": _CODE,
                            "display": _STRING,
                        },
                    }
                },
            },
            {
                "type": "object",
                "required": ["valueInteger"],
                "additionalProperties": False,
                "properties": {
                    "valueInteger": {
                        "type": "integer",
                        "minimum": -(2**31),
                        "maximum": 2**31 - 1,
                    }
                },
            },
            {
                "type": "object",
                "required": ["valueDecimal"],
                "additionalProperties": False,
                "properties": {"valueDecimal": {"type": "number"}},
            },
        ],
    },
}


def _fhir(description: str) -> dict[str, Any]:
    return {"description": description, "content": {_FHIR: {"schema": _RESOURCE}}}


# The patient-view call as documented: what the service needs. It also accepts fhirServer,
# fhirAuthorization and extensions, but never calls a FHIR server.
HOOK_REQUEST = {
    "type": "object",
    "required": ["hook", "hookInstance", "context"],
    "dependentRequired": {"fhirAuthorization": ["fhirServer"]},
    "properties": {
        "hook": {"const": "patient-view"},
        "hookInstance": {"type": "string", "minLength": 1},
        "fhirServer": {"type": "string", "pattern": FHIR_SERVER_PATTERN},
        "fhirAuthorization": {
            "type": "object",
            "additionalProperties": False,
            "required": ["access_token", "token_type", "expires_in", "scope", "subject"],
            "properties": {
                "access_token": {"type": "string", "minLength": 1},
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer"},
                "scope": {"type": "string", "minLength": 1},
                "subject": {"type": "string", "minLength": 1},
                "patient": {"type": "string", "minLength": 1},
            },
        },
        "context": {
            "type": "object",
            "required": ["userId", "patientId"],
            "properties": {
                "userId": {"type": "string", "pattern": "^[A-Za-z]+/[A-Za-z0-9.-]{1,64}$"},
                "patientId": {"type": "string", "minLength": 1},
                "encounterId": {"type": "string"},
            },
        },
        "prefetch": {
            "type": ["object", "null"],
            "description": "Prefetched FHIR resources (or null) by key; none is required",
        },
    },
}


def _record_paths() -> dict[str, Any]:
    """Describe the FHIR R4 and CDS Hooks 2.0 endpoints; FHIR bodies as generic resources."""
    outcome = "an OperationOutcome"
    reads = {
        "/fhir/metadata": ("fhirMetadata", "The CapabilityStatement of this FHIR server"),
        "/fhir/Questionnaire/asys-prognostic-factors": (
            "fhirQuestionnaire",
            "The FHIR R4 Questionnaire of the inputs, generated from the input model",
        ),
        "/fhir/CodeSystem/asys-answers": ("fhirAnswers", "The CodeSystem of the answers"),
        "/fhir/CodeSystem/asys-factors": (
            "fhirFactors",
            "The CodeSystem of the factors and cautions",
        ),
    }
    paths: dict[str, Any] = {
        path: {"get": {"operationId": op, "summary": summary, "responses": {"200": _fhir(summary)}}}
        for path, (op, summary) in reads.items()
    }
    paths["/fhir/$assess"] = {
        "post": {
            "operationId": "fhirAssess",
            "summary": "Assess a QuestionnaireResponse for the Questionnaire",
            "description": (
                "Answers a Bundle (collection): a RiskAssessment (the rules version, the "
                "disclaimer, no probability) and one Observation per factor and caution, present "
                "or absent as a coded value, not assessed as a dataAbsentReason."
            ),
            "requestBody": {
                "required": True,
                "content": {
                    _FHIR: {"schema": {"$ref": "#/components/schemas/QuestionnaireResponse"}}
                },
            },
            "responses": {
                "200": _fhir("A Bundle of a RiskAssessment and one Observation per finding"),
                "400": _fhir(f"Not JSON, or not a valid QuestionnaireResponse: {outcome}"),
                "413": _fhir(f"The body is larger than the limit: {outcome}"),
                "415": _fhir(f"Not sent as {_FHIR}: {outcome}"),
                "422": _fhir(
                    f"An answer the Questionnaire does not take, a number sent as text, or an "
                    f"item nested under a question: {outcome} naming its linkId"
                ),
            },
        }
    }
    paths["/cds-services"] = {
        "get": {
            "operationId": "cdsDiscovery",
            "summary": "CDS Hooks 2.0 discovery: the patient-view service and its prefetch",
            "responses": {
                "200": {
                    "description": "The services",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["services"]}}
                    },
                }
            },
        }
    }
    paths["/cds-services/asys-prognostic-factors"] = {
        "post": {
            "operationId": "cdsPatientView",
            "summary": "CDS Hooks patient-view: one card of the factors the record shows",
            "description": (
                "Reads only the prefetched Patient, Conditions and Observations, through the "
                "verified codes of codes.yaml; no prefetch gives a card saying what is missing."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": HOOK_REQUEST}},
            },
            "responses": {
                "200": {
                    "description": "One card",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["cards"]}}
                    },
                },
                "400": {
                    "description": "Not a valid patient-view request",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["error"]}}
                    },
                },
                "413": {
                    "description": "The body is larger than the limit",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["error"]}}
                    },
                },
                "415": {
                    "description": "Not sent as application/json",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["error"]}}
                    },
                },
            },
        }
    }
    return paths


@cache
def document() -> dict[str, Any]:
    """Build the OpenAPI document once; it depends on the models only."""
    _, schemas = models_json_schema(
        [
            (Inputs, "validation"),
            (AssessmentOut, "serialization"),
            (CatalogueOut, "serialization"),
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
        "respiratory_muscle_weakness": "absent",
        "fvc_percent_predicted": 62,
        "fvc_percent_predicted_year_before": 68,
        "crp_mg_per_l": 12,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASyS prognostic factor calculator API",
            "version": "3",
            "description": (
                "Lists which documented prognostic factors of antisynthetase syndrome are "
                "present, absent or not assessed for one set of answers, or do not apply to "
                "this patient. Not medical advice: every answer carries the disclaimer. "
                "Nothing sent is stored or logged. Each factor comes with a one-line reason "
                "and the comparisons that decided it (`working`); a caution that is present "
                "may set aside a factor's reassurance (`set_aside_by`). The rules' texts, "
                f"evidence and references are in the catalogue, `GET {CATALOGUE}`, cacheable "
                "per rules version (ETag). The number of factors is not a score. Versions 1 "
                "and 2 are gone: POST /api/v1/assess and /api/v2/assess answer 410 Gone, "
                f"naming {ASSESS}."
            ),
        },
        "paths": {
            ASSESS: {
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
            CATALOGUE: {
                "get": {
                    "operationId": "catalogue",
                    "summary": "Every rule's texts, evidence and references",
                    "description": (
                        "Served with an ETag (the rules version) and a public cache lifetime: "
                        "fetch it once per rules version."
                    ),
                    "responses": {
                        "200": _json("#/components/schemas/CatalogueOut", "The catalogue"),
                        "304": {"description": "Not modified: the ETag sent is current"},
                    },
                }
            },
            **_record_paths(),
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Tell a load balancer the app is up",
                    "responses": {"200": _json("#/components/schemas/HealthOut", "Up")},
                }
            },
        },
        "components": {"schemas": {**schemas["$defs"], **QUESTIONNAIRE_RESPONSE_SCHEMAS}},
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
