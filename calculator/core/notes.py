"""The result as plain text for the notes: the words of the page, the disclaimer last."""

from __future__ import annotations

from .engine import Assessment, Status
from .inputs import FIELDS
from .rules import Effect
from .whatif import Change
from .words import DISCLAIMER, Units, Words, answers, ranked, scope_words


def notes_text(
    assessment: Assessment,
    now: str,
    words: Words | None = None,
    *,
    what_if: Change | None = None,
    case_title: str | None = None,
    units: Units | None = None,
) -> str:
    """Write the result as plain text for a patient's notes; the disclaimer last.

    A what-if's text says first that it is not the patient's result, and a
    teaching case's that the patient is invented. A number reads in the unit it was
    entered in (`units`), then in the rules' unit.
    """
    words = words or Words()
    reason, to_assess = words.reason, words.to_assess
    rules = assessment.rules
    lines = [
        "ASyS prognostic factor calculator: documented prognostic factors (not a score)",
        f"Assessed {now}; rules version {rules.version}, reviewed {rules.reviewed.isoformat()}.",
    ]
    if case_title:
        lines.append(f"TEACHING CASE, INVENTED: NOT A REAL PATIENT. {case_title}.")
    if what_if is not None:
        label = FIELDS[what_if.field].label
        lines.append(
            f"WHAT IF, NOT THE RESULT FOR THE ANSWERS GIVEN: {label} changed from "
            f"{what_if.was} to {what_if.now}; every other answer as given."
        )
    lines.append("")
    for finding in assessment.cautions:
        lines.append(
            f"CAUTION: {finding.rule.title}. {reason(finding)}. {finding.rule.explanation}"
        )
    if assessment.cautions:
        lines.append("")
    adverse = ranked(assessment.where(Status.PRESENT, Effect.ADVERSE))
    favourable = ranked(assessment.where(Status.PRESENT, Effect.FAVOURABLE))
    for heading, found in (("Adverse factors present", adverse), ("Favourable", favourable)):
        lines.append(f"{heading}:" if found else f"{heading}: none")
        lines += [f"- {f.rule.title} (evidence: {f.rule.evidence}): {reason(f)}" for f in found]
    unknown = assessment.where(Status.NOT_ASSESSED)
    lines.append("Not assessed:" if unknown else "Not assessed: none")
    lines += [
        f"- {f.rule.title}: {reason(f) if f.set_aside_by else 'would need ' + to_assess(f)}"
        for f in unknown
    ]
    absent = [f for f in assessment.where(Status.ABSENT) if not f.does_not_apply]
    lines.append("Absent: " + ("; ".join(f.rule.title for f in absent) if absent else "none"))
    outside = [f for f in assessment.findings if f.does_not_apply]
    if outside:
        lines.append(
            "Does not apply: " + "; ".join(f"{f.rule.title} ({scope_words(f)})" for f in outside)
        )
    lines += ["", "Answers:"]
    lines += [f"- {label}: {answer}" for _, label, answer in answers(assessment, units)]
    lines += ["", "The number of factors is not a score: factors overlap and are not weighted."]
    lines += [DISCLAIMER]
    return "\n".join(lines) + "\n"
