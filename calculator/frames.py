"""Markup rendered once, at start-up, with named slots that each request fills.

A result page shows every factor as a tile and as an article, and every answer as a
row. Little of that differs from one patient to the next: a status, a reason, a few
what-if buttons, an answer. The same Jinja macros that the templates use render each
rule's tile and article, for every status, once, with a marker where a request's words
go; a request then only joins strings. Rendering the same markup again for every
request cost most of a result page's time.

Nothing a patient answered is kept: the frames hold only what the rules and the form
say, and a filled frame lives as long as the page it is part of.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .engine import Finding, Status
from .inputs import FIELDS
from .report import NOT_APPLICABLE, Words, status_words_of
from .rules import RuleSet
from .whatif import Askable, WhatIf

_MARK = "\x00"  # never in the rules or the form's labels; a request's words go in after the split
_SLOT = re.compile(f"{_MARK}(\\w+){_MARK}")


def slot(name: str) -> Markup:
    """Mark the place of a slot in a macro's output (the marker passes escaping unchanged)."""
    return Markup(f"{_MARK}{name}{_MARK}")  # noqa: S704 - a fixed marker and an identifier


class Frame:
    """Markup with named slots: fill() escapes each value (Markup passes as it is)."""

    def __init__(self, markup: str) -> None:
        parts = _SLOT.split(str(markup))
        self._static = parts[0::2]
        self._names = parts[1::2]
        if _MARK in "".join(self._static):
            raise ValueError("a slot's marker is malformed in a frame's markup")
        self._first = self._static[0]
        self._then = tuple(zip(self._names, self._static[1:], strict=True))

    @property
    def slots(self) -> tuple[str, ...]:
        """Name the slots, in order."""
        return tuple(self._names)

    def fill(self, **values: Any) -> Markup:
        """Return the markup with each slot replaced by its value, escaped."""
        out = [self._first]
        for name, static in self._then:
            value = values[name]
            out.append(value if isinstance(value, Markup) else _escaped(value))
            out.append(static)
        return Markup("".join(out))  # noqa: S704 - the static parts are Jinja's, the rest escaped


def _escaped(value: Any) -> str:
    """Escape text as markupsafe.escape does, without making a Markup of each small part."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def join(parts: Iterable[Markup], between: str = "") -> Markup:
    """Join markup without escaping it again (Markup.join escapes every part anew)."""
    return Markup(between.join(parts))  # noqa: S704 - every part is Markup already


@dataclass(frozen=True)
class ResultFrames:
    """The frames of a result page, for every rule, status and variant, made at start-up."""

    tiles: dict[tuple[str, Status, bool], Frame]  # (rule id, status, changed by a what-if)
    articles: dict[tuple[str, Status, bool, bool], Frame]  # (rule id, status, what-ifs, open)
    answers: dict[tuple[str, bool, bool, bool], Frame]  # (field, not known, changed, Change)
    what_if: Frame
    what_if_groups: dict[str, Frame]  # a choice field's group of options in the what-if form
    what_if_options: dict[tuple[str, str], Markup]  # (field, value): one of its choices
    what_if_measurements: dict[str, Markup]  # a number field
    changed_note: Callable[[Finding], Markup]  # a what-if's mark on a factor it changed

    @classmethod
    def build(cls, rules: RuleSet, macros: Any, factor_html: dict[str, Markup]) -> ResultFrames:
        """Render every frame with the templates' macros (`macros` is _macros.html's module)."""
        tiles, articles = {}, {}
        for rule in rules.factors:
            for status in Status:
                words = status_words_of(status, rule.effect)
                for moved in (False, True):
                    tiles[rule.id, status, moved] = Frame(
                        macros.tile(rule, status.value, words, moved=moved, reason=slot("reason"))
                    )
                for offers in (False, True):
                    for opened in (False, True):
                        articles[rule.id, status, offers, opened] = Frame(
                            macros.factor_article(
                                rule,
                                status.value,
                                words,
                                factor_html[rule.id],
                                offers=offers,
                                opened=opened,
                            )
                        )
        answers = {
            (name, unknown, changed, change): Frame(
                macros.answer_row(name, spec.label, unknown, changed, change)
            )
            for name, spec in FIELDS.items()
            for unknown in (False, True)
            for changed in (False, True)
            for change in (False, True)
        }
        choices = {name: spec for name, spec in FIELDS.items() if not spec.is_number}
        return cls(
            tiles,
            articles,
            answers,
            Frame(macros.what_if_button()),
            {name: Frame(macros.what_if_group(spec.label)) for name, spec in choices.items()},
            {
                (name, choice.value): macros.what_if_choice(
                    name, spec.label, choice.value, choice.label
                )
                for name, spec in choices.items()
                for choice in spec.known_choices
            },
            {
                name: macros.what_if_measurement(name, spec.label, spec.unit)
                for name, spec in FIELDS.items()
                if spec.is_number
            },
            macros.changed_note,
        )


def what_if_options(frames: ResultFrames, offered: Iterable[Askable]) -> tuple[Markup, Markup]:
    """Write the what-if form's options: (other choices by field, measurements)."""
    choices, numbers = [], []
    for item in offered:
        if item.choices is None:
            numbers.append(frames.what_if_measurements[item.name])
            continue
        options = join(frames.what_if_options[item.name, v] for v, _ in item.choices)
        choices.append(frames.what_if_groups[item.name].fill(options=options))
    return join(choices), join(numbers)


def _offers(frame: Frame, offers: Iterable[WhatIf]) -> Markup:
    return join(frame.fill(token=o.token, question=o.question) for o in offers)


def _reason(words: Words, finding: Finding, tile: bool) -> str:
    if finding.status is Status.NOT_ASSESSED:
        return f"Needs: {words.short_needs(finding)}" if tile else words.to_assess(finding)
    return words.reason(finding)


def tiles(
    frames: ResultFrames, findings: Iterable[Finding], words: Words, changed: frozenset[str]
) -> Markup:
    """Write the tiles of the factor map, in the order given."""
    return join(
        (
            frames.tiles[f.rule.id, f.status, f.rule.id in changed].fill(
                reason=_reason(words, f, tile=True)
            )
            for f in findings
        ),
        "\n",
    )


def articles(
    frames: ResultFrames,
    findings: Iterable[Finding],
    words: Words,
    offers: dict[str, list[WhatIf]],
    *,
    opened: bool,
    before: dict[str, Finding] | None,
    rules_url: str,
) -> Markup:
    """Write the articles of one section: status, reason, what-ifs, explanation.

    `opened` opens the what-ifs (a teaching case shows them); `before` holds a
    what-if's original findings, to mark the factors whose status changed;
    `rules_url` is where the rule catalogue is for this request.
    """
    written = []
    for finding in findings:
        rule_id = finding.rule.id
        offered = offers.get(rule_id, [])
        frame = frames.articles[rule_id, finding.status, bool(offered), opened and bool(offered)]
        changed = Markup("")
        if before is not None and before[rule_id].status is not finding.status:
            changed = frames.changed_note(before[rule_id])
        written.append(
            frame.fill(
                changed=changed,
                reason=_reason(words, finding, tile=False),
                offers=_offers(frames.what_if, offered),
                rules_url=rules_url,
            )
        )
    return join(written, "\n")


def answer_rows(
    frames: ResultFrames,
    rows: Iterable[tuple[str, str, str]],
    *,
    changed_field: str | None,
    was: str,
    change: bool,
) -> Markup:
    """Write the rows of "Your answers"; a what-if's changed answer says what it was."""
    return join(
        frames.answers[name, answer in ("Not known", NOT_APPLICABLE), name == changed_field, change]
        .fill(answer=answer, was=was)
        for name, _, answer in rows
    )
