"""Two assessments side by side: each answer and each factor, with what differs."""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Assessment, Finding
from .words import answers, status_words


@dataclass(frozen=True)
class Comparison:
    """Two assessments side by side: each answer and each factor, with what differs."""

    a: Assessment
    b: Assessment

    @property
    def answers(self) -> list[tuple[str, str, str, bool]]:
        """Return (label, answer A, answer B, whether they differ) for every input."""
        rows = []
        for (_, label, first), (_, _, second) in zip(answers(self.a), answers(self.b), strict=True):
            rows.append((label, first, second, first != second))
        return rows

    @property
    def factors(self) -> list[tuple[Finding, Finding, bool]]:
        """Return (finding A, finding B, whether the status differs) for every factor.

        The status is compared as it is shown: "Set aside" differs from "Not assessed",
        and "Does not apply" from "Absent", though the engine's status is the same.
        """
        return [
            (first, second, status_words(first) != status_words(second))
            for first, second in zip(self.a.findings, self.b.findings, strict=True)
        ]

    @property
    def cautions(self) -> tuple[list[Finding], list[Finding], bool]:
        """Return the cautions present for A and for B, and whether they differ."""
        first, second = self.a.cautions, self.b.cautions
        return first, second, [f.rule.id for f in first] != [f.rule.id for f in second]
