"""CDS Hooks 2.0: discovery, and a patient-view service that reads the record through codes.yaml.

The prefetched Patient, Conditions and Observations are mapped to the inputs only
through the verified codes of `codes.yaml`; anything else leaves its input not
known. The answer is one summary card, never a probability and never an error for
missing data: an empty record gets a card that says what could not be assessed.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ..core import jsonbody, words
from ..core.engine import Assessment, Status, assess
from ..core.inputs import FIELDS, ILD_ONLY_FIELDS, InputError, Inputs, parse_values
from ..core.rules import Effect
from ..loaded import rules_of
from .codes import UCUM, Code, CodeTable, How, Resource
from .numbers import is_number

bp = Blueprint("cdshooks", __name__)

SERVICE_ID = "asys-prognostic-factors"
FHIR_SERVER_PATTERN = r"^https?://[!-~]+$"
r"""A FHIR server's base URL: visible ASCII only. "\s" differs between regex engines (Python's
counts U+0085 as a space, JSON Schema checkers' do not), so the server and the OpenAPI
document say exactly this, and agree."""
LABEL = "ASyS prognostic factor calculator"


# --- Our models of CDS Hooks 2.0 (checked against the specification's examples) -----------


class _Strict(BaseModel):
    """No empty values: "null, "", [] or {} are prohibited" unless stated otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _nothing_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            empty = [k for k, v in data.items() if v is None or v == "" or v == [] or v == {}]
            empty = [k for k in empty if not (k == "cards" and data[k] == [])]
            if empty:
                raise ValueError(f"empty values are not allowed: {', '.join(empty)}")
        return data


class Coding(_Strict):
    code: str
    system: str
    display: str | None = None


class Link(_Strict):
    label: str
    url: AnyUrl
    type: Literal["absolute", "smart"]
    appContext: str | None = None  # noqa: N815 - the spec's name
    autolaunchable: bool | None = None

    @model_validator(mode="after")
    def _app_context_for_smart(self) -> Link:
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext is only for a link of type 'smart'")
        return self


class Source(_Strict):
    label: str
    url: AnyUrl | None = None
    icon: AnyUrl | None = None
    topic: Coding | None = None


class Action(_Strict):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: list[str] | None = None  # noqa: N815
    uuid: str | None = None

    @model_validator(mode="after")
    def _resource_for_create(self) -> Action:
        if self.type in ("create", "update") and self.resource is None:
            raise ValueError(f"a {self.type!r} action needs its resource")
        return self


class Suggestion(_Strict):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None  # noqa: N815
    actions: list[Action] | None = None


class OverrideReason(Coding):
    display: str  # the spec: the service MUST populate a display for each reason


class Card(_Strict):
    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=139)  # "<140-character"
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None  # noqa: N815
    overrideReasons: list[OverrideReason] | None = None  # noqa: N815
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _selection_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("suggestions need a selectionBehavior")
        return self


class CardsResponse(_Strict):
    cards: list[Card]
    systemActions: list[Action] | None = None  # noqa: N815


class Service(_Strict):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None  # noqa: N815


class Discovery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    services: list[Service]


class FhirAuthorization(_Strict):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class PatientViewContext(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    userId: str = Field(pattern=r"^[A-Za-z]+/[A-Za-z0-9.-]{1,64}$")  # [type]/[FHIR id]  # noqa: N815
    patientId: str = Field(min_length=1)  # noqa: N815
    encounterId: str = ""  # noqa: N815 - optional, but never null


class HookRequest(BaseModel):
    """A CDS Hooks call; unknown members are allowed (`extension`, later versions)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)  # noqa: N815
    fhirServer: str | None = Field(default=None, pattern=FHIR_SERVER_PATTERN)  # noqa: N815
    fhirAuthorization: FhirAuthorization | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """Refuse a null optional member: the spec says to omit it."""
        if isinstance(data, dict):
            for key in ("fhirServer", "fhirAuthorization"):
                if key in data and data[key] is None:
                    raise ValueError(f"{key} is null: omit it instead")
        return data

    @model_validator(mode="after")
    def _server_with_authorization(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self


# --- The service ----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register discovery and the service; their errors are JSON."""
    app.register_blueprint(bp)
    app.extensions.setdefault("error_bodies", {})["/cds-services"] = _error_body


def _error_body(code: int, message: str) -> Any:
    return jsonify(error=message)


def codes_of(app: Flask) -> CodeTable:
    """Return the codes table the app loaded at start-up."""
    return app.extensions["codes"]


def prefetch_templates(codes: CodeTable) -> dict[str, str]:
    """Return the prefetch templates: the patient, and the coded Conditions and Observations."""
    conditions = ",".join(f"{c.system}|{c.code}" for c in codes.of(Resource.CONDITION))
    observations = ",".join(f"{c.system}|{c.code}" for c in codes.of(Resource.OBSERVATION))
    return {
        "patient": "Patient/{{context.patientId}}",
        "conditions": f"Condition?patient={{{{context.patientId}}}}&code={conditions}",
        "observations": f"Observation?patient={{{{context.patientId}}}}&code={observations}",
    }


def discovery(codes: CodeTable) -> dict[str, Any]:
    """Describe the one service."""
    return {
        "services": [
            {
                "hook": "patient-view",
                "title": "ASyS prognostic factors",
                "description": (
                    "Lists the documented prognostic factors of antisynthetase syndrome that "
                    "the record shows present, and what it cannot assess. Never a probability."
                ),
                "id": SERVICE_ID,
                "prefetch": prefetch_templates(codes),
                "usageRequirements": (
                    "Reads only the prefetched data; it never calls the FHIR server. Data under "
                    "codes it does not know are left not known."
                ),
            }
        ]
    }


@dataclass
class Mapped:
    """The inputs read from a record, and what could not be read, in words."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


_FHIR = {"Patient": Patient, "Condition": Condition, "Observation": Observation}
_RESULT_STATUSES = {"final", "amended", "corrected"}
MAX_AGE = 150


def _resources(prefetch: dict[str, Any] | None, patient_id: str, mapped: Mapped) -> list[Any]:
    """Return the valid resources of the prefetch about this patient, and only theirs.

    A Condition or Observation is read only when its subject is `Patient/{patientId}`
    of the hook's context (one naming the patient by identifier or display only, or
    naming no one, could be anyone's); the Patient only when its id is patientId.
    The numbers read are checked as JSON before any model or conversion sees them.
    """
    found: list[Any] = []
    skipped = other = unread = 0
    for value in (prefetch or {}).values():
        raw: list[Any] = []
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            entries = value.get("entry")
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    raw.append(entry.get("resource"))
        elif value is not None:
            raw.append(value)
        for item in raw:
            kind = item.get("resourceType") if isinstance(item, dict) else None
            model = _FHIR.get(kind) if isinstance(kind, str) else None
            if model is None:
                continue
            if not _about(item, kind, patient_id):
                other += 1
                continue
            if not _numbers_ok(item, kind):
                unread += 1
                continue
            try:
                found.append(model.model_validate(_read_part(item, kind)))
            except (ValidationError, ValueError, TypeError, RecursionError):
                skipped += 1
    if skipped:
        mapped.notes.append(
            f"{skipped} prefetched resource(s) were not valid FHIR and were skipped."
        )
    if other:
        mapped.notes.append(
            f"{other} prefetched resource(s) were not about this patient (another patient, "
            "or none named as Patient/ and the context's patientId), so were not read."
        )
    if unread:
        mapped.notes.append(
            f"{unread} prefetched resource(s) gave a value as text or out of range where a "
            "number is read, so were not read."
        )
    return found


# The elements this service reads of each resource. Only these are validated: the rest
# (components, extensions, notes...) is never read, so it costs nothing to check.
_READ = {
    "Patient": ("resourceType", "id", "birthDate"),
    "Condition": (
        "resourceType",
        "subject",
        "code",
        "verificationStatus",
        "onsetDateTime",
        "onsetAge",
    ),
    "Observation": (
        "resourceType",
        "subject",
        "status",
        "code",
        "effectiveDateTime",
        "effectivePeriod",
        "valueQuantity",
        "valueCodeableConcept",
    ),
}


def _read_part(item: dict[str, Any], kind: str) -> dict[str, Any]:
    """Return the elements of a raw resource that this service reads."""
    return {key: item[key] for key in _READ[kind] if key in item}


def _about(item: dict[str, Any], kind: str, patient_id: str) -> bool:
    """Say whether a raw resource is this patient's: by id, or by subject reference exactly."""
    if kind == "Patient":
        return item.get("id") == patient_id
    subject = item.get("subject")
    return isinstance(subject, dict) and subject.get("reference") == f"Patient/{patient_id}"


def _numbers_ok(item: dict[str, Any], kind: str) -> bool:
    """Check, as JSON, the numbers this service reads: a quantity's value, an onset age's."""
    element = {"Observation": "valueQuantity", "Condition": "onsetAge"}.get(kind)
    quantity = item.get(element) if element else None
    if not isinstance(quantity, dict) or "value" not in quantity:
        return True
    return is_number(quantity["value"])


def _when(resource: Any, now: datetime.datetime) -> datetime.datetime | None:
    """Return an Observation's effective time (a date counts as its midnight, UTC)."""
    value = getattr(resource, "effectiveDateTime", None)
    if value is None and getattr(resource, "effectivePeriod", None) is not None:
        value = resource.effectivePeriod.end or resource.effectivePeriod.start
    return _as_datetime(value, now)


EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
# The request's day anywhere on Earth: it is already tomorrow in UTC+14.
LATEST_ZONE = datetime.timedelta(hours=14)


def _as_datetime(value: Any, now: datetime.datetime) -> datetime.datetime | None:
    """Return a date or time as an aware datetime, or None outside 1900 to the request's day."""
    if isinstance(value, datetime.datetime):
        found = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    elif isinstance(value, datetime.date):
        found = datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.UTC)
    else:
        return None  # a year, or a year and month alone, is too coarse to order or to age
    try:
        late = found > now + LATEST_ZONE
        early = found < EARLIEST
    except (OverflowError, ValueError):
        return None
    return None if late or early else found


def _codes(concept: Any, table: CodeTable) -> list[Code]:
    return [
        entry
        for c in (getattr(concept, "coding", None) or [])
        if (entry := table.find(c.system, c.code)) is not None
    ]


def map_record(
    request_data: HookRequest, table: CodeTable, now: datetime.datetime | None = None
) -> Mapped:
    """Map the prefetched record to inputs, through the verified codes only.

    `now` is the request's time: a date after its day (anywhere on Earth) is not used.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    mapped = Mapped()
    patient_id = str(request_data.context.get("patientId", ""))
    resources = _resources(request_data.prefetch, patient_id, mapped)
    patients = [r for r in resources if isinstance(r, Patient)]
    birth = _as_datetime(patients[0].birthDate, now) if patients else None
    observations: dict[str, list[tuple[datetime.datetime, float, Code]]] = {}
    coded: dict[str, set[str]] = {}
    presence: dict[str, set[str]] = {}
    onsets: list[datetime.datetime] = []
    ages: list[int] = []
    cancers: list[tuple[datetime.datetime | None, Code]] = []
    ignored = 0
    for resource in resources:
        if isinstance(resource, Patient):
            continue
        entries = _codes(resource.code, table)
        if not entries:
            ignored += 1
            continue
        for entry in entries:
            if isinstance(resource, Observation):
                _read_observation(resource, entry, observations, coded, mapped, now)
            else:
                status = _verification(resource)
                if entry.how is How.TIMING:
                    if status == "present":
                        cancers.append((_onset(resource, birth, now)[0], entry))
                    continue
                if status == "absent" and not entry.refuted_means_absent:
                    status = None
                if status is not None:
                    presence.setdefault(entry.input, set()).add(status)
                if status == "present" and entry.onset_gives:
                    when, age = _onset(resource, birth, now)
                    if when is not None:
                        onsets.append(when)
                    if age is not None:
                        ages.append(age)
    if ignored:
        mapped.notes.append(
            f"{ignored} resource(s) had no code this service knows, so were not read."
        )
    for name, statuses in presence.items():
        if len(statuses) == 1:
            mapped.values[name] = next(iter(statuses))
        else:
            mapped.notes.append(f"{FIELDS[name].label}: the record says both present and absent.")
    for name, answers in coded.items():
        if len(answers) == 1:
            mapped.values[name] = next(iter(answers))
        else:
            mapped.notes.append(f"{FIELDS[name].label}: the results disagree.")
    for name, results in observations.items():
        _most_recent(name, results, mapped)
    if ages:
        mapped.values["age_at_onset"] = min(ages)
    onset = min(onsets) if onsets else None
    for when, entry in cancers:
        if onset is not None and when is not None:
            years = abs((when - onset).days) / 365.25
            if years <= (entry.years or 0):
                mapped.values[entry.input] = entry.within
    if mapped.values.get("ild") != "present":
        dropped = [n for n in ILD_ONLY_FIELDS if mapped.values.pop(n, None) is not None]
        if dropped:
            mapped.notes.append(
                "Left not known because the record does not show ILD as present: "
                + ", ".join(FIELDS[n].label for n in dropped)
                + "."
            )
    return mapped


def _verification(condition: Any) -> str | None:
    """Return present, absent (refuted) or None, from a Condition's verification status."""
    status = getattr(condition, "verificationStatus", None)
    codes = {c.code for c in (getattr(status, "coding", None) or [])}
    if status is None or "confirmed" in codes:
        return "present"
    if "refuted" in codes:
        return "absent"
    return None


def _onset(
    condition: Any, birth: datetime.datetime | None, now: datetime.datetime
) -> tuple[datetime.datetime | None, int | None]:
    """Return a Condition's onset time and the age then, each when the record gives it.

    An onsetAge with a comparator ("<40") is a bound, not an age: it gives none.
    """
    when = _as_datetime(getattr(condition, "onsetDateTime", None), now)
    age_of = getattr(condition, "onsetAge", None)
    age = None
    if age_of is not None and age_of.value is not None:
        if (
            age_of.system == UCUM
            and age_of.code == "a"
            and age_of.comparator is None
            and 0 <= age_of.value <= MAX_AGE
        ):
            age = int(age_of.value)
    elif when is not None and birth is not None and when >= birth:
        age = when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))
    return when, age


def _read_observation(
    resource: Any,
    entry: Code,
    observations: dict[str, list[tuple[datetime.datetime, float, Code]]],
    coded: dict[str, set[str]],
    mapped: Mapped,
    now: datetime.datetime,
) -> None:
    label = FIELDS[entry.input].label
    if resource.status not in _RESULT_STATUSES:
        return
    if entry.how is How.CODED:
        answers = {
            a.answer
            for c in (getattr(resource.valueCodeableConcept, "coding", None) or [])
            for a in entry.answers or []
            if (a.system, a.code) == (c.system, c.code)
        }
        if len(answers) == 1:
            coded.setdefault(entry.input, set()).update(answers)
        return
    quantity = resource.valueQuantity
    when = _when(resource, now)
    if quantity is None or quantity.value is None:
        return
    if quantity.comparator is not None:
        mapped.notes.append(f"{label}: a result given as a bound (<, >) was not used.")
        return
    if when is None:
        mapped.notes.append(
            f"{label}: a result without a full date, or dated before 1900 or after today, "
            "was not used."
        )
        return
    factor = (entry.units or {}).get(quantity.code or "") if quantity.system == UCUM else None
    if factor is None:
        mapped.notes.append(f"{label}: a result in a unit this service does not read was not used.")
        return
    observations.setdefault(entry.input, []).append((when, float(quantity.value) * factor, entry))


def _most_recent(
    name: str, results: list[tuple[datetime.datetime, float, Code]], mapped: Mapped
) -> None:
    """Take the most recent result; and, when asked, the earliest of the 12 months before it."""
    results.sort(key=lambda r: r[0])
    latest, value, entry = results[-1]
    mapped.values[name] = value
    if entry.year_before:
        start = year_before(latest.date())
        earlier = [r for r in results if start <= r[0].date() and r[0] < latest]
        if earlier:
            mapped.values[entry.year_before] = earlier[0][1]


def year_before(day: datetime.date) -> datetime.date:
    """Return the first day of the year up to `day`: the same date a year earlier.

    From 29 February, a year earlier has no 29 February: 1 March, never more than a year.
    """
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return datetime.date(day.year - 1, 3, 1)


def inputs_of(mapped: Mapped) -> Inputs:
    """Turn mapped values into Inputs, dropping any the input model refuses, and saying so."""
    values = dict(mapped.values)
    while True:
        try:
            return parse_values(values)
        except InputError as problem:
            bad = [e["field"] for e in problem.errors if e["field"] in values]
            if not bad:
                return Inputs()
            for name in bad:
                values.pop(name)
                mapped.notes.append(
                    f"{FIELDS[name].label}: the record's value is outside what the calculator "
                    "takes, so it was left not known."
                )


MAX_NOTES = 20


def _notes(notes: list[str]) -> list[str]:
    """Say each note once, with how many times it applied; at most MAX_NOTES, then how many
    more, so that a card is never much larger than the record it was read from."""
    counted = Counter(notes)
    lines = [f"- {note}" + (f" ({n} times)" if n > 1 else "") for note, n in counted.items()]
    if len(lines) > MAX_NOTES:
        lines = [*lines[:MAX_NOTES], f"- {len(lines) - MAX_NOTES} more notes not listed."]
    return lines


def card(assessment: Assessment, mapped: Mapped, codes: CodeTable) -> dict[str, Any]:
    """Build the one summary card."""
    present = assessment.where(Status.PRESENT)
    adverse = assessment.where(Status.PRESENT, Effect.ADVERSE)
    cautions = assessment.cautions
    known = [n for n in FIELDS if FIELDS[n].is_known(getattr(assessment.inputs, n))]
    if not known:
        summary = "ASyS factors: the record has no data this service can read; nothing assessed."
    else:
        summary = f"ASyS factors: {words.summary_line(assessment)}."
        if cautions:
            summary = f"{summary[:-1]}; {len(cautions)} caution{'s' if len(cautions) > 1 else ''}."
    lines = [f"**{words.DISCLAIMER}**", ""]
    if cautions:
        lines += ["### Cautions", ""]
        lines += [f"- **{f.rule.title}**: {words.reason(f)}" for f in cautions]
        lines.append("")
    lines += ["### Factors present", ""]
    lines += [
        f"- **{f.rule.title}** ({f.rule.effect.value}): {words.reason(f)}" for f in present
    ] or ["- None shown by the data read."]
    lines += ["", "### Not assessed", ""]
    lines += [
        f"- {f.rule.title}: {words.reason(f)}" for f in assessment.where(Status.NOT_ASSESSED)
    ] or ["- None."]
    unread = [FIELDS[n].label for n in FIELDS if n not in codes.reached]
    lines += [
        "",
        "### What the record could not give",
        "",
        "No verified code reaches: " + ", ".join(unread) + ".",
    ]
    lines += _notes(mapped.notes)
    if "age_at_onset" not in mapped.values:
        lines.append(
            "- Age at onset: not known (the birth date alone is not the age at onset; it is "
            "read only from a dermatomyositis or polymyositis condition's onset)."
        )
    built = {
        "uuid": str(uuid.uuid4()),
        "summary": summary[:139],
        "detail": "\n".join(lines),
        "indicator": "warning" if (adverse or cautions) else "info",
        "source": {"label": LABEL, "url": url_for("calculator.catalogue", _external=True)},
        "links": [
            {
                "label": "Check and complete the answers in the calculator",
                "url": url_for("calculator.form", _external=True),
                "type": "absolute",
            }
        ],
    }
    return built


@bp.get("/cds-services")
def discovery_view():
    """List the service (CDS Hooks discovery)."""
    return jsonify(discovery(codes_of(current_app)))


@bp.post(f"/cds-services/{SERVICE_ID}")
def service_view():
    """Answer a patient-view call with one summary card."""
    if not request.is_json:
        return jsonify(error="Send the hook request as JSON (Content-Type: application/json)."), 415
    body = request.get_data(cache=False)
    try:
        hook = HookRequest.model_validate_json(jsonbody.strict(body), strict=True)
        if hook.hook != "patient-view":
            raise ValueError(
                f"this service answers the 'patient-view' hook, not {hook.hook[:40]!r}"
            )
        PatientViewContext.model_validate(hook.context, strict=True)
    except InputError as problem:
        return jsonify(error=problem.errors[0]["message"]), 400
    except (ValidationError, ValueError) as problem:
        return jsonify(error=_say(problem)), 400
    table = codes_of(current_app)
    mapped = map_record(hook, table)
    assessment = assess(rules_of(current_app), inputs_of(mapped))
    return jsonify(cards=[card(assessment, mapped, table)])


def _say(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        first = problem.errors(include_url=False)[0]
        where = ".".join(str(p)[:40] for p in first["loc"][:8]) or "body"  # keys are echoed
        return f"{where[:200]}: {first['msg'][:200]}"
    return str(problem)[:300]
