"""Frames: markup rendered at start-up with slots, filled on each request (calculator/frames.py).

A filled frame must be exactly what rendering the macro with the same words gives, and
whatever goes into a slot must be escaped.
"""

from __future__ import annotations

import pytest
from markupsafe import Markup

from calculator import create_app, rules_of
from calculator.engine import Status
from calculator.frames import Frame, slot
from calculator.inputs import FIELDS
from calculator.report import status_words_of

HOSTILE = '<script>alert("x")</script> & "quotes"'


@pytest.fixture(scope="module")
def made():
    app = create_app({"TESTING": True, "SECRET_KEY": "test"})
    with app.test_request_context("/"):
        macros = app.jinja_env.get_template("_macros.html").module
        yield app, macros, app.extensions["result_frames"]


def test_a_frame_escapes_what_fills_it_and_keeps_markup_as_it_is():
    frame = Frame(Markup("<p>") + slot("a") + Markup("</p><p>") + slot("b") + Markup("</p>"))
    assert frame.slots == ("a", "b")
    filled = frame.fill(a=HOSTILE, b=Markup("<em>kept</em>"))
    assert filled == (
        "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;</p>"
        "<p><em>kept</em></p>"
    )
    assert isinstance(filled, Markup)


def test_a_malformed_slot_marker_is_refused():
    with pytest.raises(ValueError, match="malformed"):
        Frame("<p>\x00not a slot</p>")


def test_every_tile_frame_is_the_tile_macro(made):
    app, macros, frames = made
    for rule in rules_of(app).factors:
        for status in Status:
            words = status_words_of(status, rule.effect)
            for moved in (False, True):
                direct = macros.tile(rule, status.value, words, moved=moved, reason=HOSTILE)
                assert frames.tiles[rule.id, status, moved].fill(reason=HOSTILE) == direct


def test_every_article_frame_is_the_article_macro(made):
    app, macros, frames = made
    body = app.extensions["factor_html"]
    words_in = {"changed": Markup("<p>was</p>"), "reason": HOSTILE, "offers": Markup("<li>o</li>")}
    for rule in rules_of(app).factors:
        for status in Status:
            words = status_words_of(status, rule.effect)
            for offers in (False, True):
                for opened in (False, True):
                    frame = frames.articles[rule.id, status, offers, opened]
                    filled = frame.fill(**words_in, rules_url="/rules")
                    # The macro, with the same words where the slots are.
                    direct = str(
                        macros.factor_article(
                            rule, status.value, words, body[rule.id], offers=offers, opened=opened
                        )
                    )
                    for name, value in {**words_in, "rules_url": "/rules"}.items():
                        direct = direct.replace(str(slot(name)), str(Markup.escape(value)))
                    assert str(filled) == direct
                    assert HOSTILE not in filled


def test_every_answer_row_frame_names_its_field_and_escapes_the_answer(made):
    _, _, frames = made
    for (name, unknown, changed, change), frame in frames.answers.items():
        filled = frame.fill(answer=HOSTILE, was="before", form="answers")
        assert f"<dt>{Markup.escape(FIELDS[name].label)}</dt>" in filled
        assert HOSTILE not in filled and "&lt;script&gt;" in filled
        assert ('class="not-known"' in filled) is unknown
        assert ("(changed; was before)" in filled) is changed
        assert (f'form="answers" name="action" value="change:{name}"' in filled) is change
