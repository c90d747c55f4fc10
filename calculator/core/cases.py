"""Teaching cases: invented vignettes, kept as data and checked at start-up like the rules."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .datafile import DataFileError, load_items_file
from .inputs import Inputs


class CasesError(DataFileError):
    """The teaching cases file cannot be used; every problem found is listed."""

    kind = "teaching cases file"


class Case(BaseModel):
    """One invented patient: a short story and the answers it gives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Used in the case's address.")
    title: str = Field(min_length=1)
    story: str = Field(min_length=1)
    teaches: str = Field(min_length=1, description="What the case shows a class.")
    answers: Inputs


class CaseBook(BaseModel):
    """The whole teaching cases file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[Case] = Field(min_length=1)

    def get(self, case_id: str) -> Case | None:
        """Return the case with this id, or None."""
        return next((case for case in self.cases if case.id == case_id), None)


def load_cases(path: Path | str) -> CaseBook:
    """Read and validate the teaching cases, or raise CasesError listing every problem."""
    return load_items_file(
        path,
        CaseBook,
        items="cases",
        item_model=Case,
        error=CasesError,
        known_keys=[*Case.model_fields, *Inputs.model_fields],
    )
