"""Commands for `flask --app calculator ...`."""

from __future__ import annotations

import json

import click
from flask import Flask

from . import resource
from .core.rules import RuleSet


def rules_schema_text() -> str:
    """Return the JSON Schema of a rules file, as written to static/rules.schema.json."""
    schema = RuleSet.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.command("rules-schema")
    def write_rules_schema() -> None:
        """Write the JSON Schema of rules.yaml to static/rules.schema.json, for editors."""
        path = resource("static") / "rules.schema.json"
        path.write_text(rules_schema_text(), encoding="utf-8")
        click.echo(f"Wrote {path}")
