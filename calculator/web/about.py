"""The about page: when to use the calculator, how to read it, its pitfalls, sources and terms."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("about", __name__)


def init_app(app: Flask) -> None:
    """Register the about page."""
    app.register_blueprint(bp)


@bp.get("/about")
def about():
    """Show what the calculator is for, how to read it and where its facts come from."""
    return render_template("about.html")
