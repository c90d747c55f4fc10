"""Browser-test fixtures: answer the form as a person does; what the rules say for the answers.

Expected results are worked out from rules.yaml and cases.yaml (never typed in as counts), so
that a new rule or case changes the expectations with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Locator, Page, expect

from calculator import resource
from calculator.core import words as report
from calculator.core.cases import CaseBook, load_cases
from calculator.core.engine import Assessment, Finding, Status, assess
from calculator.core.inputs import FIELDS, Inputs
from calculator.core.rules import Effect, RuleSet, load_rules

# The files the live server loads, found as the app finds them.
RULES_PATH = resource("rules.yaml")
CASES_PATH = resource("cases.yaml")
_BY_LABEL = {spec.label: spec for spec in FIELDS.values()}
# How the result page names a factor's status, before its title.
STATUS_WORDS = (
    "(?:Present: adverse|Present: favourable|Absent|Not assessed|Set aside|Does not apply)"
)
_UNIT_OF = {f"Unit of {spec.label}": spec for spec in FIELDS.values() if spec.form_units}

# Set the form's fields by name as the page's script would find them typed: the ILD radios'
# change shows (and enables) the questions that need ILD, and the form keeps the answers in
# the tab for Back and Forward as it does for typed ones.
_SET_FIELDS = """values => {
  const form = document.querySelector("form.answers");
  for (const [name, value] of Object.entries(values)) {
    const fields = form.querySelectorAll(`[name="${name}"]`);
    if (!fields.length) { throw new Error(`no field ${name} in the form`); }
    for (const field of fields) {
      if (field.type === "radio") { field.checked = field.value === value; }
      else { field.value = value; }
    }
  }
  for (const radio of form.querySelectorAll('input[name="ild"]')) {
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }
  form.dispatchEvent(new Event("input", { bubbles: true }));
}"""


class Expected:
    """What the rules say for one set of answers, in the words the result page uses."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        self.inputs = assessment.inputs

    def finding(self, rule_id: str) -> Finding:
        """Return one factor's finding."""
        return next(f for f in self.assessment.findings if f.rule.id == rule_id)

    def title(self, rule_id: str) -> str:
        """Return the title of a factor or a caution."""
        rules = [*self.assessment.findings, *self.assessment.caution_findings]
        return next(f.rule.title for f in rules if f.rule.id == rule_id)

    def status(self, rule_id: str) -> Status:
        return self.finding(rule_id).status

    def words(self, rule_id: str) -> str:
        """Say a factor's status as the result and compare pages do."""
        finding = self.finding(rule_id)
        if finding.status is Status.PRESENT:
            return f"Present: {finding.rule.effect.value}"
        return {Status.ABSENT: "Absent", Status.NOT_ASSESSED: "Not assessed"}[finding.status]

    def titles(self, status: Status, effect: Effect | None = None) -> list[str]:
        """Return the titles of the factors with a status (and an effect), in file order."""
        return [
            f.rule.title
            for f in self.assessment.findings
            if f.status is status and (effect is None or f.rule.effect is effect)
        ]

    def ids(self, status: Status, effect: Effect | None = None) -> set[str]:
        return {
            f.rule.id
            for f in self.assessment.findings
            if f.status is status and (effect is None or f.rule.effect is effect)
        }

    @property
    def cautions(self) -> list[str]:
        """Return the titles of the cautions that are present."""
        return [f.rule.title for f in self.assessment.cautions]

    def count(self, status: Status, effect: Effect | None = None) -> int:
        return len(self.titles(status, effect))

    @property
    def present(self) -> list[Finding]:
        """Return the factors present, in the order the result's summary names them."""
        return report.glance(self.assessment).present

    @property
    def present_titles(self) -> list[str]:
        return [f.rule.title for f in self.present]

    def expect_summary(self, page: Page) -> None:
        """Check that the result's summary names every factor present, with its reason."""
        summary = page.get_by_role("region", name="Summary", exact=True)
        expect(summary).to_be_visible()
        named = summary.locator("[data-present]")
        expect(named).to_have_count(len(self.present))
        for finding in self.present:
            item = summary.locator(f'[data-present="{finding.rule.id}"]')
            rule = finding.rule
            expect(item).to_have_text(
                f"{rule.title} ({rule.effect.value}; {rule.evidence.value} evidence): "
                f"{report.reason(finding)}"
            )
        if not self.present:
            expect(summary).to_contain_text("No documented factor is present in these answers")
        expect(summary).not_to_contain_text(self.summary)  # names, never counts as a score

    @property
    def summary(self) -> str:
        """Say the counts as the presenter view's one-line summary does (not the result)."""
        adverse = self.count(Status.PRESENT, Effect.ADVERSE)
        return (
            f"{adverse} adverse factor{'' if adverse == 1 else 's'} present, "
            f"{self.count(Status.PRESENT, Effect.FAVOURABLE)} favourable, "
            f"{self.count(Status.NOT_ASSESSED)} not assessed"
        )


class FormHelper:
    """Answer the calculator's form by its labels and legends, as a person reads them."""

    # A typical case: anti-PL-7 with progressive ILD. Three adverse factors are present,
    # among them the non-Jo-1 antibody, which needs the other antibody named.
    example = {
        "Age at onset": "65",
        "Anti-Jo-1 antibody": "Negative",
        "Another antisynthetase antibody": "Anti-PL-7",
        "Interstitial lung disease (ILD)": "Present",
        "Course of the ILD": "Progressive (chronic, worsening)",
    }
    example_present = ("age_over_60", "progressive_ild", "jo1_negative")
    numbers = frozenset(spec.label for spec in FIELDS.values() if spec.is_number)

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    @staticmethod
    def question(page: Page, legend: str) -> Locator:
        """Return the group of radios with this legend."""
        return page.get_by_role("group", name=legend, exact=True)

    def fill(self, page: Page, answers: dict[str, str]) -> None:
        """Type each number and check each radio, in the order given."""
        for label, value in answers.items():
            if label in self.numbers:
                page.get_by_label(label, exact=True).fill(value)
            else:
                self.question(page, label).get_by_label(value, exact=True).check()

    def expect_kept(self, page: Page, answers: dict[str, str]) -> None:
        """Check that every answer is still typed in or checked."""
        for label, value in answers.items():
            if label in self.numbers:
                expect(page.get_by_label(label, exact=True)).to_have_value(value)
            else:
                radio = self.question(page, label).get_by_label(value, exact=True)
                expect(radio).to_be_checked()

    @staticmethod
    def factor(scope: Page | Locator, title: str) -> Locator:
        """Return the result page's article about the factor with this title (in a section)."""
        name = re.compile(rf"^{STATUS_WORDS} {re.escape(title)}$")
        page = scope if isinstance(scope, Page) else scope.page
        return scope.get_by_role("article").filter(has=page.get_by_role("heading", name=name))

    @staticmethod
    def submit(page: Page) -> None:
        """Press the form's button."""
        page.get_by_role("button", name="Show the prognostic factors").click()

    def post(self, page: Page, answers: dict[str, str]) -> None:
        """Send answers given by label through the form without typing them, for a test about
        the result rather than the form: the fields are set by script in one step, then the
        form's button is pressed, so the result and the tab's history are as after typing."""
        page.goto("/")
        page.evaluate(_SET_FIELDS, self.values(answers))
        self.submit(page)

    @staticmethod
    def values(answers: dict[str, str]) -> dict[str, str]:
        """Turn answers given by label into the form's values by field name, as the form sends
        them (numbers as typed, in the unit chosen)."""
        values: dict[str, str] = {}
        for label, answer in answers.items():
            if label in _UNIT_OF:
                spec = _UNIT_OF[label]
                code = next(code for code, name, _ in spec.form_units if name == answer)
                values[f"{spec.name}_unit"] = code
            elif _BY_LABEL[label].is_number:
                values[_BY_LABEL[label].name] = answer
            else:
                spec = _BY_LABEL[label]
                values[spec.name] = next(m.value for m in spec.choices if m.label == answer)
        return values

    @staticmethod
    def inputs(answers: dict[str, str]) -> Inputs:
        """Turn answers given by label into the input model, numbers in the API's units."""
        values: dict[str, Any] = {}
        factors: dict[str, int] = {}
        for label, answer in answers.items():
            if label in _UNIT_OF:
                spec = _UNIT_OF[label]
                factors[spec.name] = next(f for _, name, f in spec.form_units if name == answer)
                continue
            spec = _BY_LABEL[label]
            if spec.is_number:
                values[spec.name] = Decimal(answer)
            else:
                values[spec.name] = next(m.value for m in spec.choices if m.label == answer)
        for name, factor in factors.items():
            values[name] *= factor
        for name, value in values.items():
            if isinstance(value, Decimal):
                values[name] = int(value) if FIELDS[name].is_integer else float(value)
        return Inputs(**values)

    def expected(self, answers: dict[str, str]) -> Expected:
        """Return what the rules say for answers given by label."""
        return Expected(assess(self.rules, self.inputs(answers)))


class Teaching:
    """The teaching cases, and what the rules say for each."""

    def __init__(self, rules: RuleSet, book: CaseBook) -> None:
        self.rules = rules
        self.book = book

    def title(self, case_id: str) -> str:
        return self._case(case_id).title

    def answers(self, case_id: str) -> Inputs:
        return self._case(case_id).answers

    def expected(self, case_id: str, **changed: Any) -> Expected:
        """Return what the rules say for a case, with some answers changed."""
        answers = self._case(case_id).answers
        return Expected(assess(self.rules, answers.model_copy(update=changed)))

    def _case(self, case_id: str):
        found = self.book.get(case_id)
        assert found is not None, f"no teaching case {case_id!r} in {CASES_PATH}"
        return found


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    """The rules the live server loaded."""
    return load_rules(RULES_PATH)


@pytest.fixture(scope="session")
def teaching(rules: RuleSet) -> Teaching:
    """The teaching cases the live server loaded."""
    return Teaching(rules, load_cases(CASES_PATH))


@pytest.fixture(autouse=True)
def _fail_fast(context: BrowserContext) -> None:
    """Wait at most 10 s for anything, so that a broken page fails quickly."""
    context.set_default_timeout(10_000)


@pytest.fixture
def form(rules: RuleSet) -> FormHelper:
    return FormHelper(rules)


@pytest.fixture
def no_js_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a browser context with JavaScript turned off."""
    context = new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    return context.new_page()


_axe = Axe()


def assert_no_violations(page: Page) -> None:
    """Run axe-core on the page as it is now; print its report when it finds anything."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def no_violations() -> Callable[[Page], None]:
    """Check a page with axe-core: the accessibility tests' helper, for any test."""
    return assert_no_violations
