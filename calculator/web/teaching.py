"""For teaching: the case library, a case's result, and two sets of answers side by side."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from ..core import words as said
from ..core.cases import Case
from ..core.compare import Comparison
from ..core.engine import Assessment, Finding, Status, assess
from ..core.inputs import FIELDS, InputError, lower_first
from ..core.rules import Effect, Rule
from ..core.whatif import what_ifs
from ..loaded import cases_of, rules_of
from .errors import refuse, unknown_case
from .forms import AnswersForm
from .result import asked_what_if, changed_by, show_result, show_what_if, what_if_message

bp = Blueprint("teaching", __name__)


def init_app(app: Flask) -> None:
    """Register the teaching pages; the cases' summaries are fixed, so work them out once."""
    app.register_blueprint(bp)
    app.context_processor(lambda: {"cases_book": cases_of()})
    rules = rules_of(app)
    app.extensions["case_summaries"] = {
        case.id: said.summary_line(assess(rules, case.answers)) for case in cases_of(app).cases
    }


@bp.get("/cases")
def library():
    """List the teaching cases, each result hidden until asked for, and offer to compare two."""
    return render_template(
        "teaching/cases.html",
        book=cases_of(),
        summaries=current_app.extensions["case_summaries"],
    )


@bp.get("/cases/<case_id>")
def case(case_id: str):
    """Show a teaching case's result, its story above it; as a quiz, the questions alone."""
    found = cases_of().get(case_id) or unknown_case()
    if request.args.get("quiz") == "1":
        return show_quiz(found)
    return show_result(assess(rules_of(), found.answers), case=found)


@bp.post("/cases/<case_id>/quiz")
def mark_quiz(case_id: str):
    """Mark a quiz sent without JavaScript. The guesses are read from the body, marked in the
    reply and forgotten: never logged, kept in a session or put in a URL."""
    found = cases_of().get(case_id) or unknown_case()
    return show_quiz(found, request.form)


# A guess at a factor is one of the words the result page could show for it.
SET_ASIDE, DOES_NOT_APPLY = "set_aside", "does_not_apply"
SHOWN, NOT_SHOWN = "shown", "not_shown"


@dataclass
class QuizItem:
    """One question of a quiz: a factor's status, or whether a caution is shown."""

    name: str  # the form field: factor-<id> or caution-<id>
    legend: str
    choices: list[tuple[str, str]]  # (value, words as the result page says them)
    answer: str  # the value that is right for this case
    reason: str  # the case's reason, said when the guess is marked
    guess: str | None = None

    @property
    def kind(self) -> str:
        """Return "caution" or "factor"."""
        return self.name.partition("-")[0]

    @property
    def answer_words(self) -> str:
        """Return the right answer in the result page's words."""
        return dict(self.choices)[self.answer]

    @property
    def guess_words(self) -> str | None:
        """Return the guess in words, or None when none (or no known one) was given."""
        return dict(self.choices).get(self.guess or "")

    @property
    def right(self) -> bool:
        return self.guess == self.answer


def factor_choices(rule: Rule) -> list[tuple[str, str]]:
    """The statuses a factor can have, named as the result page names them: present (as
    adverse or favourable), absent, not assessed; "set aside" only for a factor a caution can
    set aside, "does not apply" only for one defined for some patients (from the rule alone,
    so the choices offered never give the answer away)."""
    choices = [(s.value, said.status_words_of(s, rule.effect)[1]) for s in Status]
    if rule.set_aside_by:
        choices.append((SET_ASIDE, said.SET_ASIDE[1]))
    if rule.applies_when is not None:
        choices.append((DOES_NOT_APPLY, said.DOES_NOT_APPLY[1]))
    return choices


def factor_answer(finding: Finding) -> str:
    """Return the quiz's right answer for a factor: the status its result shows (decided by
    status_words, so that the quiz and the page never disagree)."""
    shown = said.status_words(finding)
    return {said.DOES_NOT_APPLY: DOES_NOT_APPLY, said.SET_ASIDE: SET_ASIDE}.get(
        shown, finding.status.value
    )


def quiz_items(assessment: Assessment, guesses: Mapping[str, str] | None = None) -> list[QuizItem]:
    """Ask about every caution (shown or not), then every factor, in the order of the rules file;
    with guesses, each is marked. A guess that is not one of the choices counts as none."""
    words = said.Words()
    items = [
        QuizItem(
            f"caution-{f.rule.id}",
            f"Caution: {f.rule.title}",
            [(SHOWN, "Shown"), (NOT_SHOWN, "Not shown")],
            SHOWN if f.status is Status.PRESENT else NOT_SHOWN,
            words.reason(f),
        )
        for f in assessment.caution_findings
    ] + [
        QuizItem(
            f"factor-{f.rule.id}",
            f.rule.title,
            factor_choices(f.rule),
            factor_answer(f),
            words.reason(f),
        )
        for f in assessment.findings
    ]
    for item in items if guesses is not None else ():
        guess = guesses.get(item.name, "")
        item.guess = guess if guess in dict(item.choices) else None
    return items


def show_quiz(case: Case, guesses: Mapping[str, str] | None = None) -> str:
    """Render a case as a quiz: the story, then a question for every caution and factor;
    marked when guesses are given (without JavaScript), else marked by the page's script."""
    items = quiz_items(assess(rules_of(), case.answers), guesses)
    return render_template(
        "teaching/quiz.html",
        case=case,
        items=items,
        marked=guesses is not None,
        right=sum(item.right for item in items),
    )


@dataclass
class Slide:
    """One screen of the presenter view."""

    kind: str  # story, caution, question, answer, factor, more, caveat, absent, end
    title: str
    finding: Finding | None = None
    findings: list[Finding] = field(default_factory=list)
    number: int = 0


# What one projected screen holds at the presenter's type size (tests/browser/test_presenter.py
# measures every slide): a factor's explanation and caveat share a "more" slide up to this many
# characters, and the factors absent go this many to a slide.
MORE_CHARACTERS = 1100
ABSENT_PER_SLIDE = 8


def slides_of(case: Case, assessment: Assessment) -> list[Slide]:
    """Lay out a case as slides: story, cautions, question, answer, each factor that matters
    (its explanation and caveat on the slides after it), the rest."""
    deck = [Slide("story", case.title)]
    deck += [Slide("caution", c.rule.title, c) for c in assessment.cautions]
    deck += [
        Slide("question", "What do you think?"),
        Slide("answer", "The factors for this patient"),
    ]
    for finding in (
        assessment.where(Status.PRESENT, Effect.ADVERSE)
        + assessment.where(Status.PRESENT, Effect.FAVOURABLE)
        + assessment.where(Status.NOT_ASSESSED)
    ):
        rule = finding.rule
        deck.append(Slide("factor", rule.title, finding))
        deck.append(Slide("more", rule.title, finding))
        if rule.caveat and len(rule.explanation) + len(rule.caveat) > MORE_CHARACTERS:
            deck.append(Slide("caveat", rule.title, finding))
    absent = assessment.where(Status.ABSENT)
    parts = -(-len(absent) // ABSENT_PER_SLIDE)
    for part in range(parts):
        shown = absent[part * len(absent) // parts : (part + 1) * len(absent) // parts]
        if parts == 1:
            title = f"Absent for this patient ({len(absent)})"
        else:
            first = part * len(absent) // parts + 1
            title = f"Absent for this patient ({first}–{first + len(shown) - 1} of {len(absent)})"
        deck.append(Slide("absent", title, findings=shown))
    deck.append(Slide("end", "What the case shows"))
    for number, slide in enumerate(deck, start=1):
        slide.number = number
    return deck


@bp.get("/cases/<case_id>/present")
def present(case_id: str):
    """Show a case for a projector: the story, a question, the answer, then factor by factor."""
    book = cases_of()
    found = book.get(case_id) or unknown_case()
    assessment = assess(rules_of(), found.answers)
    words = said.Words()
    return render_template(
        "teaching/present.html",
        case=found,
        book=book,
        assessment=assessment,
        slides=slides_of(found, assessment),
        tiles=said.tiles(assessment),
        glance=said.glance(assessment, words),
        words=words,
        what_ifs=what_ifs(assessment),
    )


@bp.get("/cases/<case_id>/what-if")
def case_what_if(case_id: str):
    """Show a teaching case's result with one answer changed, its story above it.

    Cases are invented, so the address may hold the case and the change (never a patient's
    answers): Back, Forward, reload and a bookmark all show this what-if again.
    """
    found = cases_of().get(case_id) or unknown_case()
    token = asked_what_if(request.args)
    if not token:
        return redirect(url_for("teaching.case", case_id=found.id))
    return show_what_if(assess(rules_of(), found.answers), token, case=found)


@bp.get("/cases/<case_id>/present/what-if")
def present_what_if(case_id: str):
    """Show a what-if asked from a presenter slide, as a slide: the change, highlighted.

    An ordinary address (the case, the change, the slide it was asked from): Escape and its
    "Back to the slide" link lead to that slide.
    """
    found = cases_of().get(case_id) or unknown_case()
    before = assess(rules_of(), found.answers)
    slide = request.args.get("slide", "")
    back = url_for("teaching.present", case_id=found.id)
    if SLIDE.fullmatch(slide):  # "²" is a digit to str.isdigit(), not to int()
        back += f"#slide-{int(slide)}"
    token = asked_what_if(request.args)
    try:
        after, change = changed_by(before, token)
    except InputError as error:
        refuse(what_if_message(error))
    return render_template(
        "teaching/present_whatif.html",
        case=found,
        assessment=after,
        change=change,
        tiles=said.tiles(after, before),
        back=back,
        question=FIELDS[change.field].label,
        words=said.Words(),
        compare_url=url_for(
            "teaching.compare_cases",
            a=found.id,
            what_if=token,
            view="present",
            back="what-if",
            **({"slide": str(int(slide))} if SLIDE.fullmatch(slide) else {}),
        ),
    )


SLIDE = re.compile(r"[0-9]{1,4}", re.ASCII)
BACKS = {"cases", "case", "present", "what-if"}
# The query keys /compare reads, and the values each may have (None: a case id, or a what-if
# that apply() judges). Any other key is ignored, never handed to url_for, where "_scheme" or
# "endpoint" would change a link.
COMPARE_ARGS: dict[str, set[str] | None] = {
    "a": None,
    "b": None,
    "what_if": None,
    "slide": None,  # the slide a what-if was asked from: digits, checked below
    "back": BACKS,
    "view": {"present"},
    "rows": {"all"},
}


def _compare_args() -> dict[str, str]:
    """Return the query keys /compare reads, empty ones as not given; a bad value is a 400."""
    args = {key: request.args[key] for key in COMPARE_ARGS if request.args.get(key)}
    for key, allowed in COMPARE_ARGS.items():
        if allowed is not None and key in args and args[key] not in allowed:
            abort(400)
    if "slide" in args and not SLIDE.fullmatch(args["slide"]):
        abort(400)
    return args


def _way_back(first: Case, args: dict[str, str]) -> tuple[str, str]:
    """Return where a comparison of cases leads back to: where it was asked from."""
    back = args.get("back", "what-if" if "what_if" in args else "cases")
    if back == "what-if" and "what_if" in args:
        if args.get("view") == "present":
            slide = {"slide": args["slide"]} if "slide" in args else {}
            return (
                url_for(
                    "teaching.present_what_if", case_id=first.id, what_if=args["what_if"], **slide
                ),
                "Back to the what-if slide",
            )
        return (
            url_for("teaching.case_what_if", case_id=first.id, what_if=args["what_if"]),
            "Back to the what-if",
        )
    if back == "case":
        return url_for("teaching.case", case_id=first.id), f"Back to {first.title}"
    if back == "present":
        return (
            url_for("teaching.present", case_id=first.id) + "#slide-end",
            f"Back to the presenter view of {first.title}",
        )
    return url_for("teaching.library"), "Back to the teaching cases"


@bp.get("/compare")
def compare_cases():
    """Compare two teaching cases, chosen by id (invented cases: their ids may be in a URL)."""
    book = cases_of()
    args = _compare_args()
    first = book.get(args.get("a", ""))
    second = book.get(args.get("b", "")) if "what_if" not in args else None
    if first is None or (second is None and "what_if" not in args):
        abort(404)
    back = _way_back(first, args)
    presenting = args.get("view") == "present"
    rules = rules_of()
    before = assess(rules, first.answers)
    if second is not None and first.id == second.id:
        page = render_template(
            "teaching/compare_same.html", case=first, book=book, back=back, presenting=presenting
        )
        return page, 400
    if second is not None:
        after, names = assess(rules, second.answers), (first.title, second.title)
    else:
        try:
            after, change = changed_by(before, args["what_if"])
        except InputError as error:
            refuse(f"{what_if_message(error)} Go back to the case and choose a what-if again.")
        asked = f"What if: {FIELDS[change.field].label} were {lower_first(change.now)}"
        names = (first.title, asked)
    comparison = Comparison(before, after)
    everything = args.get("rows") == "all"
    return render_template(
        "teaching/compare_present.html" if presenting else "teaching/compare.html",
        comparison=comparison,
        names=names,
        cases=(first, second),
        only_differences=_only_differences(comparison, everything),
        back=back,
        all_rows_url=url_for("teaching.compare_cases", **{**args, "rows": "all"}),
        differences_url=url_for(
            "teaching.compare_cases", **{k: v for k, v in args.items() if k != "rows"}
        ),
        table_url=url_for(
            "teaching.compare_cases", **{k: v for k, v in args.items() if k != "view"}
        ),
    )


def _only_differences(comparison: Comparison, everything: bool) -> bool:
    """Show only the rows that differ when the tables are long (more than ten rows)."""
    rows = len(comparison.factors) + len(comparison.answers)
    return not everything and rows > 10


@bp.post("/compare")
def compare_answers():
    """Compare two sets of answers posted as a-* and b-* fields (a case and its what-if)."""
    token = AnswersForm()
    first = AnswersForm(prefix="a", meta={"csrf": False})
    second = AnswersForm(prefix="b", meta={"csrf": False})
    a, b = first.to_inputs(), second.to_inputs()
    if not token.validate() or a is None or b is None:
        refuse(
            "The comparison could not be shown: the page had expired or its answers were "
            "changed. Go back, and press 'Compare the two side by side' again."
        )
    rules = rules_of()
    comparison = Comparison(assess(rules, a), assess(rules, b))
    found = cases_of().get(request.form.get("case", ""))
    case = found if found is not None and found.answers == a else None
    everything = request.form.get("rows") == "all"
    return render_template(
        "teaching/compare.html",
        comparison=comparison,
        names=("Original answers", "What if"),
        cases=None,
        case=case,
        posted=True,
        what_if=request.form.get("what_if", ""),
        known_a=said.known_answers(comparison.a),
        known_b=said.known_answers(comparison.b),
        only_differences=_only_differences(comparison, everything),
        form=token,
    )
