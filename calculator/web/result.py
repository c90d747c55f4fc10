"""The result page, shared by the calculator's pages and the teaching cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import render_template
from markupsafe import Markup, escape

from ..core import words as said
from ..core.engine import Assessment, Finding, Status, assess
from ..core.inputs import FIELDS, InputError
from ..core.notes import notes_text
from ..core.whatif import Askable, Change, apply, askable, change_of, token_of, what_ifs
from .forms import AnswersForm


def hidden_inputs(known: dict[str, str], prefix: str = "") -> Markup:
    """Write answers as hidden inputs, for a form that sends them back."""
    lines = (
        f'<input type="hidden" name="{escape(prefix + name)}" value="{escape(value)}">\n'
        for name, value in known.items()
    )
    return Markup("".join(lines))  # noqa: S704 - every name and value is escaped above


def show_result(
    assessment: Assessment,
    form: AnswersForm | None = None,
    baseline: Assessment | None = None,
    units: said.Units | None = None,
    **extra: Any,
) -> str:
    """Render a result page: the summary, the factors, the answers and the text for the notes.

    For a what-if, `baseline` is the original: its tiles keep their order, and
    `extra` says what changed (changed_field, was, before, change, ...). `units` are
    those the numbers were entered in: the answers, the notes and the page's forms
    keep them (display only).
    """
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    words = said.Words()
    case = extra.get("case")
    change = extra.get("change")
    return render_template(
        "calculator/result.html",
        assessment=assessment,
        baseline=baseline,
        words=words,
        sections=said.sections(assessment),
        tiles=said.tiles(assessment, baseline),
        changed_ids=change.ids if change else frozenset(),
        # A what-if page asks no further what-if of its own answers: one from there starts
        # from the answers given (its form carries them), so every what-if is one change.
        offers=what_ifs(assessment, _with_offers(assessment, case)) if baseline is None else {},
        answers=said.answers(assessment, units),
        askable=askable((baseline or assessment).inputs),
        glance=said.glance(assessment, words),
        known=said.known_answers(assessment, units),
        form=form or AnswersForm(formdata=None),
        notes=notes_text(
            assessment,
            now,
            words,
            what_if=change,
            case_title=case.title if case else None,
            units=units,
        ),
        now=now,
        **extra,
    )


def asked_what_if(values: Mapping[str, str]) -> str:
    """Return the change asked for: a what-if button's "field=value", or the what-if form's
    (from a POST's body, or from a teaching case's GET address)."""
    token = values.get("what_if", "")
    if token:
        return token
    name = values.get("what_if_field", "")
    if not name:
        return ""
    spec = FIELDS.get(name)
    value = values.get(f"what_if_value-{name}", "") if spec else ""
    if spec is not None and spec.is_number and not value:
        value = values.get("what_if_number", "")
    return token_of(name, value or "")


def what_if_message(error: InputError) -> str:
    """Say why a what-if could not be shown, naming the answer."""
    item = error.errors[0]
    spec = FIELDS.get(item["field"])
    label = spec.label if spec else "The what-if"
    return f"What if could not be shown. {label}: {item['message']}"


def changed_by(assessment: Assessment, token: str) -> tuple[Assessment, Change]:
    """Assess the answers with one changed as `token` asks; raise InputError if it cannot be."""
    changed, name = apply(assessment.inputs, token)
    after = assess(assessment.rules, changed)
    return after, change_of(assessment, after, name)


def show_what_if(
    assessment: Assessment,
    token: str,
    form: AnswersForm | None = None,
    case: Any = None,
    units: said.Units | None = None,
) -> Any:
    """Render the result with one answer changed, or the result with the what-if's error (400).

    `units` are those the numbers were entered in (display only)."""
    units = units or {}
    try:
        after, change = changed_by(assessment, token)
    except InputError as error:
        page = show_result(assessment, form, case=case, what_if_error=what_if_message(error))
        return page, 400
    name = change.field
    return show_result(
        after,
        form,
        baseline=assessment,
        before={f.rule.id: f for f in assessment.findings},
        changed_field=name,
        change=change,
        what_if=token,
        was=said.described(FIELDS[name], getattr(assessment.inputs, name), units),
        baseline_known=said.known_answers(assessment, units),
        case=case,
        # The changed answer reads as the what-if asked it, in the rules' unit.
        units={field: code for field, code in units.items() if field != name},
    )


def _with_offers(assessment: Assessment, case: Any) -> list[Finding]:
    """Return the findings whose what-if buttons the page shows: all on a teaching case; for a
    patient, those shown in full (an absent factor, or one that does not apply, is one line)."""
    if case is not None:
        return list(assessment.findings)
    return [f for f in assessment.findings if f.status is not Status.ABSENT]


@cache
def _choice_option(name: str, label: str, value: str, answer: str) -> str:
    """Write one option of the what-if form: the same few dozen for every page, written once."""
    shown = f"{escape(label)}: {escape(answer)}"
    return f'<option value="{escape(name)}={escape(value)}">{shown}</option>'


def what_if_choices(askable: list[Askable]) -> Markup:
    """Write the what-if form's choices, grouped by question, as the template would."""
    groups = (
        f'<optgroup label="{escape(item.label)}">'
        + "".join(_choice_option(item.name, item.label, v, a) for v, a in item.choices)
        + "</optgroup>"
        for item in askable
        if item.choices
    )
    return Markup("".join(groups))  # noqa: S704 - every label and value is escaped above
