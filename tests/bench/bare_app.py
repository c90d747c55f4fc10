"""The baseline for tests/bench/run.py: a bare Flask app with one route that returns "ok".

Served under the same gunicorn settings as the calculator, it measures what Flask and gunicorn
cost on this machine before the calculator does any work. Not a test: pytest does not collect it.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    """Answer with a short string."""
    return "ok"
