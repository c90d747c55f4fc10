"""The about page: when to use the calculator, how to read it, its pitfalls, sources and terms."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, url_for

bp = Blueprint("about", __name__)


def init_app(app: Flask) -> None:
    """Register the about page."""
    app.register_blueprint(bp)


@bp.get("/about")
def about():
    """Show what the calculator is for, how to read it and where its facts come from."""
    return render_template("about.html")


@bp.get("/favicon.ico")
def favicon():
    """Point a browser that asks for /favicon.ico by habit (a JSON answer has no <link>) to the
    icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
