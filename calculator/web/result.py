"""The result page, shared by the calculator's pages and the teaching cases."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import render_template
from markupsafe import Markup, escape

from ..core import words as said
from ..core.engine import Assessment, Finding, Status
from ..core.notes import notes_text
from ..core.whatif import Askable, askable, what_ifs
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
