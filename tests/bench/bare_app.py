"""The baselines for tests/bench/run.py: a bare Flask app, and the same stack's floor.

``app`` has one route that returns "ok": served under the same gunicorn settings as the
calculator, it measures what Flask and gunicorn cost on this machine before the calculator does
any work.

``create_floor()`` builds the floor of a result page: a Flask-WTF form with as many fields as
the calculator's form, which checks the CSRF token on POST and answers a static page as large as
the calculator's result page. The calculator cannot serve a result page faster than this. It
reads its settings from the environment, which run.py sets:

    BENCH_FLOOR_FIELDS  the form's field names, comma-separated (the calculator's own names)
    BENCH_FLOOR_BYTES   the size of the static page, in bytes
    FLASK_SECRET_KEY    the key that signs the session cookie holding the CSRF token

Not a test: pytest does not collect it.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField

FLOOR_MARKER = "<title>Floor: "

app = Flask(__name__)


@app.get("/")
def index() -> str:
    """Answer with a short string."""
    return "ok"


def static_page(size: int) -> bytes:
    """Return an HTML page of exactly `size` bytes (or its bare frame, when that is larger)."""
    head = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    head += f"{FLOOR_MARKER}a static page</title></head><body><p>"
    tail = "</p></body></html>\n"
    room = max(0, size - len(head) - len(tail))
    sentence = "The same number of bytes as the result page. "
    filler = (sentence * (room // len(sentence) + 1))[:room]
    return (head + filler + tail).encode()


def create_floor() -> Flask:
    """Build the floor app from BENCH_FLOOR_FIELDS and BENCH_FLOOR_BYTES."""
    names = [name for name in os.environ["BENCH_FLOOR_FIELDS"].split(",") if name]
    page = static_page(int(os.environ["BENCH_FLOOR_BYTES"]))
    floor = Flask(__name__)
    # The calculator's settings that bear on a form post: a token without a time limit.
    floor.config.from_mapping(SECRET_KEY=None, WTF_CSRF_TIME_LIMIT=None)
    floor.config.from_prefixed_env()
    form_class = type("FloorForm", (FlaskForm,), {name: StringField(name) for name in names})

    @floor.get("/")
    def form() -> str:
        """Show a form that carries a CSRF token (and put the token in the session)."""
        return f'<!doctype html><form method="post">{form_class().csrf_token()}</form>'

    @floor.post("/")
    def submit() -> tuple[bytes, int] | bytes:
        """Check the CSRF token, then answer the static page."""
        if not form_class().validate():
            return b"The form had expired.", 400
        return page

    return floor
