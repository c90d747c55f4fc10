"""FHIR R4: the Questionnaire, our CodeSystems and the $assess operation, all from the input model.

Nothing here is written by hand per field or per rule: the Questionnaire's items
come from FIELDS, its answer options from the Choice enums, the factor codes from
the rules. Answers come in as a QuestionnaireResponse, checked by fhir.resources'
R4B models (using only elements R4 has too) and then by the input model, the one
judge of answers; the factors go out as a Bundle of a RiskAssessment and one
Observation per factor and caution. No probability is ever stated.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import Blueprint, Flask, current_app, request, url_for
from pydantic import ValidationError

from ..core import jsonbody, words
from ..core.engine import Assessment, Finding, Status, assess
from ..core.inputs import FIELDS, GROUPS, Choice, InputError, Inputs, Presence, parse_values
from ..core.rules import RuleSet
from ..loaded import rules_of
from .numbers import is_number

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

FHIR_JSON = "application/fhir+json"
QUESTIONNAIRE_ID = "asys-prognostic-factors"
ANSWERS_ID = "asys-answers"
FACTORS_ID = "asys-factors"
UCUM = "http://unitsofmeasure.org"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
EXT = "http://hl7.org/fhir/StructureDefinition/"
# fhir.resources takes any code; R4 binds QuestionnaireResponse.status to these (required).
R4_RESPONSE_STATUSES = frozenset(
    {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
)

# Our unit words, as the input model states them, in UCUM with the display of FHIR R4's
# ucum-common value set. A test checks that every number field's unit is here.
UCUM_UNITS = {
    "years": ("a", "year"),
    "months": ("mo", "month"),
    "% predicted": ("%", "percent"),
    "mg/L": ("mg/L", "milligram per liter"),
    "U/mL": ("U/mL", "enzyme unit per milliliter"),
    "ng/mL": ("ng/mL", "nanogram per milliliter"),
}


def init_app(app: Flask) -> None:
    """Register the FHIR endpoints; their errors are OperationOutcomes."""
    app.register_blueprint(bp)
    app.extensions.setdefault("error_bodies", {})["/fhir/"] = _error_body


def _answer_set(choices: type[Choice]) -> str:
    """Name an answer set after its enum: OtherArs -> other_ars."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", choices.__name__).lower()


def answer_code(member: Choice) -> str:
    """Return the code of one answer: the answer set, a dot, the value ("antibody.positive").

    The same word means different things in different sets ("not_tested"), so each
    code is qualified by its set.
    """
    return f"{_answer_set(type(member))}.{member.value}"


def _answer_sets() -> dict[str, type[Choice]]:
    """Return each Choice enum the input model uses, once, in field order."""
    found: dict[str, type[Choice]] = {}
    for spec in FIELDS.values():
        if spec.choices is not None:
            found.setdefault(_answer_set(spec.choices), spec.choices)
    return found


def _base() -> str:
    return url_for("fhir.metadata", _external=True).removesuffix("metadata")


def canonical(kind: str, ident: str) -> str:
    """Return the canonical URL of one of our resources: where this server serves it."""
    return f"{_base()}{kind}/{ident}"


def coding(member: Choice) -> dict[str, str]:
    """Return the Coding of one answer."""
    return {
        "system": canonical("CodeSystem", ANSWERS_ID),
        "code": answer_code(member),
        "display": member.label,
    }


def _item(name: str) -> dict[str, Any]:
    """Build one question from its field."""
    spec = FIELDS[name]
    item: dict[str, Any] = {"linkId": name, "text": spec.label}
    if spec.choices is not None:
        item["type"] = "choice"
        item["answerOption"] = [{"valueCoding": coding(member)} for member in spec.choices]
    else:
        kind = "Integer" if spec.is_integer else "Decimal"
        item["type"] = kind.lower()
        code, display = UCUM_UNITS[spec.unit]
        bound = int if spec.is_integer else float
        item["extension"] = [
            {"url": f"{EXT}minValue", f"value{kind}": bound(spec.minimum)},
            {"url": f"{EXT}maxValue", f"value{kind}": bound(spec.maximum)},
            {
                "url": f"{EXT}questionnaire-unit",
                "valueCoding": {"system": UCUM, "code": code, "display": display},
            },
        ]
    if spec.only_when is not None:
        field, value = spec.only_when
        member = FIELDS[field].choices(value)  # type: ignore[misc]
        item["enableWhen"] = [{"question": field, "operator": "=", "answerCoding": coding(member)}]
    if spec.asked_unless is not None:
        field, value = spec.asked_unless
        member = FIELDS[field].choices(value)  # type: ignore[misc]
        item["enableWhen"] = [{"question": field, "operator": "!=", "answerCoding": coding(member)}]
    if spec.hint:
        item["item"] = [{"linkId": f"{name}.hint", "type": "display", "text": spec.hint}]
    return item


def questionnaire(rules: RuleSet) -> dict[str, Any]:
    """Build the Questionnaire from the input model: one group per form group."""
    groups = []
    for key, title in GROUPS.items():
        names = [name for name, spec in FIELDS.items() if spec.group == key]
        if names:
            groups.append(
                {"linkId": key, "type": "group", "text": title, "item": [_item(n) for n in names]}
            )
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": canonical("Questionnaire", QUESTIONNAIRE_ID),
        "version": rules.version,
        "name": "AsysPrognosticFactors",
        "title": "ASyS prognostic factors: what is known about the patient",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "The answers the ASyS prognostic factor calculator reads. A question left "
            "unanswered, or answered 'not known', is not known, never 'no'. " + words.DISCLAIMER
        ),
        "item": groups,
    }


def answers_codesystem() -> dict[str, Any]:
    """Build the CodeSystem of every answer to every choice question."""
    concepts = [
        {"code": answer_code(member), "display": member.label}
        for choices in _answer_sets().values()
        for member in choices
    ]
    return _codesystem(
        ANSWERS_ID,
        "AsysAnswers",
        "Answers to the ASyS prognostic factor questions",
        "Each answer a choice question of the calculator takes, qualified by its answer set; "
        "each set has one 'not known' answer.",
        concepts,
    )


def factors_codesystem(rules: RuleSet) -> dict[str, Any]:
    """Build the CodeSystem of the factors and cautions, from the rules."""
    concepts = [
        {
            "code": rule.id,
            "display": rule.title,
            "definition": rule.explanation,
            "property": [{"code": "effect", "valueCode": rule.effect.value}],
        }
        for rule in rules.rules
    ]
    system = _codesystem(
        FACTORS_ID,
        "AsysFactors",
        "Prognostic factors and cautions of antisynthetase syndrome",
        f"The factors and cautions of the calculator's rules, version {rules.version}. "
        "A factor names a documented association, never a probability.",
        concepts,
    )
    system["version"] = rules.version
    system["property"] = [
        {
            "code": "effect",
            "description": "adverse, favourable, or caution (when the factors may not apply)",
            "type": "code",
        }
    ]
    return system


def _codesystem(
    ident: str, name: str, title: str, description: str, concepts: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": ident,
        "url": canonical("CodeSystem", ident),
        "name": name,
        "title": title,
        "status": "active",
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def capability_statement(rules: RuleSet) -> dict[str, Any]:
    """Say what this server does: read three resources, and the $assess operation."""
    read = [{"code": "read"}]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": rules.reviewed.isoformat(),
        "kind": "instance",
        "software": {"name": "ASyS prognostic factor calculator", "version": rules.version},
        "implementation": {"description": "ASyS prognostic factor calculator", "url": _base()},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": words.DISCLAIMER,
                "resource": [
                    {"type": "Questionnaire", "interaction": read},
                    {"type": "CodeSystem", "interaction": read},
                ],
                "operation": [
                    {
                        "name": "assess",
                        "definition": _base() + "OperationDefinition/assess",
                        "documentation": (
                            "POST a QuestionnaireResponse to the Questionnaire "
                            f"{QUESTIONNAIRE_ID}; the answer is a Bundle (collection) of a "
                            "RiskAssessment and one Observation per factor and caution."
                        ),
                    }
                ],
            }
        ],
    }


MAX_ISSUES = 20
"""The most issues an OperationOutcome lists; one more says how many were not listed, so
that a reply is never much larger than its request."""


def outcome(issues: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """Build an OperationOutcome of (code, message, expression) issues, each an error.

    At most MAX_ISSUES are listed, each message and expression cut, then "N more".
    """
    listed = [
        {
            "severity": "error",
            "code": code,
            "diagnostics": message[:300],
            **({"expression": [where[:200]]} if where else {}),
        }
        for code, message, where in issues[:MAX_ISSUES]
    ]
    if len(issues) > MAX_ISSUES:
        listed.append(
            {
                "severity": "error",
                "code": "too-costly",
                "diagnostics": f"{len(issues) - MAX_ISSUES} more not listed.",
            }
        )
    return {"resourceType": "OperationOutcome", "issue": listed}


def _error_body(code: int, message: str) -> Any:
    kind = {404: "not-found", 405: "not-supported", 413: "too-costly"}.get(code, "processing")
    if code == 415 or code == 400:
        kind = "structure"
    return _fhir(outcome([(kind, message, None)]))


def _fhir(resource: dict[str, Any], status: int = 200) -> Any:
    return current_app.response_class(
        json.dumps(resource, ensure_ascii=False), status=status, mimetype=FHIR_JSON
    )


def _link_expression(link_id: str) -> str:
    return f"QuestionnaireResponse.item.where(linkId='{link_id[:60]}')"


class AnswersError(Exception):
    """The QuestionnaireResponse cannot be read as answers; each issue names its linkId."""

    def __init__(self, issues: list[tuple[str, str, str | None]], status: int = 422) -> None:
        super().__init__("; ".join(message for _, message, _ in issues))
        self.issues = issues
        self.status = status


def read_response(body: bytes) -> Inputs:
    """Read a QuestionnaireResponse for our Questionnaire as Inputs, or raise AnswersError."""
    try:
        data = json.loads(jsonbody.strict(body))
    except InputError as problem:
        raise AnswersError(
            [("structure", e["message"], None) for e in problem.errors], 400
        ) from None
    except (ValueError, RecursionError) as problem:
        raise AnswersError(
            [("structure", f"The body is not valid JSON: {problem}.", None)], 400
        ) from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise AnswersError(
            [("structure", "Send a QuestionnaireResponse resource.", "QuestionnaireResponse")],
            400,
        )
    try:
        response = QuestionnaireResponse.model_validate(data)
    except (ValidationError, ValueError, TypeError, RecursionError) as problem:
        raise AnswersError(_structure_issues(problem), 400) from None
    if response.status not in R4_RESPONSE_STATUSES:
        raise AnswersError(
            [
                (
                    "structure",
                    f"status must be one of {', '.join(sorted(R4_RESPONSE_STATUSES))}.",
                    "QuestionnaireResponse.status",
                )
            ],
            400,
        )
    target = (response.questionnaire or "").split("|")[0]
    if target != canonical("Questionnaire", QUESTIONNAIRE_ID):
        raise AnswersError(
            [
                (
                    "invalid",
                    f"questionnaire must be the canonical URL of {QUESTIONNAIRE_ID} "
                    f"({canonical('Questionnaire', QUESTIONNAIRE_ID)}).",
                    "QuestionnaireResponse.questionnaire",
                )
            ]
        )
    if response.status == "entered-in-error":
        raise AnswersError(
            [
                (
                    "invalid",
                    "An entered-in-error response is not assessed.",
                    "QuestionnaireResponse.status",
                )
            ]
        )
    values: dict[str, Any] = {}
    issues: list[tuple[str, str, str | None]] = []
    raw_items = data.get("item")
    _read_items(
        response.item or [], raw_items if isinstance(raw_items, list) else [], values, issues
    )
    if issues:
        raise AnswersError(issues)
    try:
        return parse_values(values)
    except InputError as problem:
        raise AnswersError(
            [("value", e["message"], _link_expression(e["field"])) for e in problem.errors]
        ) from None


def _structure_issues(problem: Exception) -> list[tuple[str, str, str | None]]:
    if isinstance(problem, ValidationError):
        found = []
        for error in problem.errors(include_url=False)[:MAX_ISSUES]:
            where = ".".join(str(p) for p in error["loc"])
            found.append(("structure", error["msg"][:200], f"QuestionnaireResponse.{where}"[:200]))
        more = problem.error_count() - MAX_ISSUES
        if more > 0:
            found.append(("structure", f"{more} more not listed.", None))
        return found or [("structure", "The resource is not valid.", None)]
    return [("structure", "The resource is not a valid QuestionnaireResponse.", None)]


def _raw(items: list[Any], index: int) -> dict[str, Any]:
    """Return the JSON of the index-th item or answer, as sent, or {}."""
    found = items[index] if index < len(items) else None
    return found if isinstance(found, dict) else {}


def _raw_list(raw: dict[str, Any], key: str) -> list[Any]:
    found = raw.get(key)
    return found if isinstance(found, list) else []


def _read_items(
    items: list[Any],
    raw_items: list[Any],
    values: dict[str, Any],
    issues: list[tuple[str, str, str | None]],
) -> None:
    """Collect each answer by its linkId; groups are read through.

    `raw_items` are the same items as sent (JSON), for their numbers: a number is read
    from the JSON, never from the model, which would take "1E+1000000" as a decimal.
    An item nested under a question or an answer is refused, naming it: our questions
    have no sub-questions, and an answer there would otherwise be silently dropped.
    """
    for index, item in enumerate(items):
        link = item.linkId or ""
        where = _link_expression(link)
        raw = _raw(raw_items, index)
        if link in GROUPS:
            if item.answer:
                issues.append(("invalid", f"{link!r} is a group: it takes no answer.", where))
            _read_items(item.item or [], _raw_list(raw, "item"), values, issues)
            continue
        if link.endswith(".hint") and link.removesuffix(".hint") in FIELDS:
            continue
        spec = FIELDS.get(link)
        if spec is None:
            issues.append(
                ("invalid", f"{link[:40]!r} is not a question of {QUESTIONNAIRE_ID}.", where)
            )
            continue
        if link in values:
            issues.append(("invalid", f"{link!r} is answered more than once.", where))
            continue
        nested = [
            child.linkId or ""
            for child in item.item or []
            if (child.linkId or "") != f"{link}.hint"
        ]
        nested += [
            child.linkId or "" for answer in item.answer or [] for child in answer.item or []
        ]
        if nested:
            issues += [
                (
                    "invalid",
                    f"{child[:40]!r} is nested inside {link!r}: these questions have no "
                    "sub-questions; give each answer at the top level or in its group.",
                    _link_expression(child),
                )
                for child in nested
            ]
            continue
        answers = item.answer or []
        if len(answers) > 1:
            issues.append(("invalid", f"{link!r} takes one answer.", where))
            continue
        if not answers:
            values[link] = None if spec.is_number else spec.unknown_value
            continue
        value, message = _answer_value(spec, answers[0], _raw(_raw_list(raw, "answer"), 0))
        if message:
            issues.append(("value", message, where))
        else:
            values[link] = value


def _answer_value(spec: Any, answer: Any, raw: dict[str, Any]) -> tuple[Any, str | None]:
    """Return the input's value for one answer, or a message saying what was expected.

    A number must be a JSON number: "64" (text) is not a valueInteger, nor is 64.0.
    """
    if spec.choices is not None:
        code = answer.valueCoding
        valid = ", ".join(answer_code(m) for m in spec.choices)
        if code is None:
            return None, f"{spec.name!r} takes a valueCoding from {ANSWERS_ID}: one of {valid}."
        system = code.system or ""
        prefix = f"{_answer_set(spec.choices)}."
        value = (code.code or "").removeprefix(prefix)
        if (
            system != canonical("CodeSystem", ANSWERS_ID)
            or not (code.code or "").startswith(prefix)
            or value not in spec.values
        ):
            return None, f"{spec.name!r}: {str(code.code)[:40]!r} is not one of {valid}."
        return value, None
    kind = "valueInteger" if spec.is_integer else "valueDecimal"
    number = raw.get(kind)
    if number is None:
        return None, f"{spec.name!r} takes a {kind}. {spec.number_message}"
    if not is_number(number, integer=spec.is_integer):
        return None, f"{spec.name!r} takes a {kind} as a JSON number. {spec.number_message}"
    return (number if spec.is_integer else float(number)), None


def bundle(assessment: Assessment, subject: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write an assessment as a Bundle: a RiskAssessment, then one Observation per finding."""
    rules = assessment.rules
    subject = subject or {"display": "The patient the answers describe"}
    findings = [*assessment.findings, *assessment.caution_findings]
    ids = [f"urn:uuid:{uuid.uuid4()}" for _ in findings]
    notes = [{"text": words.DISCLAIMER}]
    notes += [
        {"text": f"Caution: {f.rule.title}. {f.rule.explanation}"} for f in assessment.cautions
    ]
    notes.append(
        {"text": words.summary_line(assessment) + ". The number of factors is not a score."}
    )
    risk = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": subject,
        "method": {
            "text": f"ASyS prognostic factor rules, version {rules.version} "
            f"(reviewed {rules.reviewed.isoformat()})",
        },
        "basis": [{"reference": ref} for ref in ids],
        "note": notes,
    }
    entries = [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": risk}]
    entries += [
        {"fullUrl": ref, "resource": observation(f, subject, rules)}
        for ref, f in zip(ids, findings, strict=True)
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def observation(finding: Finding, subject: dict[str, Any], rules: RuleSet) -> dict[str, Any]:
    """Write one factor's or caution's finding as an Observation."""
    rule = finding.rule
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": canonical("CodeSystem", FACTORS_ID),
                    "version": rules.version,
                    "code": rule.id,
                    "display": rule.title,
                }
            ],
            "text": rule.title,
        },
        "subject": subject,
    }
    if finding.does_not_apply:
        found["dataAbsentReason"] = {
            "coding": [
                {"system": DATA_ABSENT, "code": "not-applicable", "display": "Not Applicable"}
            ],
            "text": words.reason(finding),
        }
    elif finding.status is Status.NOT_ASSESSED:
        found["dataAbsentReason"] = {
            "coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}],
            "text": words.reason(finding),
        }
    else:
        member = Presence.PRESENT if finding.status is Status.PRESENT else Presence.ABSENT
        found["valueCodeableConcept"] = {"coding": [coding(member)], "text": member.label}
        found["note"] = [{"text": words.reason(finding)}]
    return found


@bp.get("/metadata")
def metadata():
    """Serve the CapabilityStatement."""
    return _fhir(capability_statement(rules_of(current_app)))


@bp.get(f"/Questionnaire/{QUESTIONNAIRE_ID}")
def questionnaire_view():
    """Serve the Questionnaire, generated from the input model."""
    return _fhir(questionnaire(rules_of(current_app)))


@bp.get(f"/CodeSystem/{ANSWERS_ID}")
def answers_view():
    """Serve the CodeSystem of answers."""
    return _fhir(answers_codesystem())


@bp.get(f"/CodeSystem/{FACTORS_ID}")
def factors_view():
    """Serve the CodeSystem of factors and cautions."""
    return _fhir(factors_codesystem(rules_of(current_app)))


@bp.post("/$assess")
def assess_view():
    """Assess a QuestionnaireResponse; answer a Bundle, or an OperationOutcome naming the linkId."""
    if request.mimetype not in (FHIR_JSON, "application/json"):
        return _fhir(
            outcome([("structure", f"Send a QuestionnaireResponse as {FHIR_JSON}.", None)]), 415
        )
    try:
        inputs = read_response(request.get_data(cache=False))
    except AnswersError as problem:
        return _fhir(outcome(problem.issues), problem.status)
    return _fhir(bundle(assess(rules_of(current_app), inputs)))
