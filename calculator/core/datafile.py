"""Loading a YAML data file of identified items (rules, teaching cases), checked by pydantic.

Every problem in the file is collected and reported together, each naming the
item's id and line, so that one edit-and-restart fixes them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (several times quicker), else PyYAML's
own: safe loading either way."""

MAX_BYTES = 256 * 1024  # rules.yaml is 11 KB; PyYAML reads about 250 KB a second
MAX_DEPTH = 40  # the deepest condition in use is a few levels; PyYAML recurses per level


class DataFileError(Exception):
    """A data file cannot be used; every problem found is listed."""

    kind = "data file"

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{self.path}: {count} in the {self.kind}:\n{lines}")


def load_items_file(
    path: Path | str,
    model: type[Model],
    *,
    items: str,
    item_model: type[BaseModel],
    error: type[DataFileError],
    known_keys: Iterable[str],
) -> Model:
    """Read a YAML mapping whose `items` key lists identified items; validate it all."""
    path = Path(path)
    keys = list(known_keys)
    word = items.rstrip("s")
    text = _read(path, error)
    data, lines = _parse_yaml(path, text, items, error)
    if not isinstance(data, dict):
        fields = ", ".join(repr(name) for name in model.model_fields)
        raise error(path, [f"the file must be a mapping with {fields}"])
    problems = [
        f"{'.'.join(map(str, e['loc'])) or 'top level'}: {_say(e, keys)}"
        for e in _errors(model, {**data, items: [{}]})
        if e["loc"][:1] != (items,)
    ]
    raw_items = data.get(items)
    if not isinstance(raw_items, list):
        raise error(path, problems or [f"{items!r} must be a list of {items}"])
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_items):
        where = _item_name(word, raw, index, lines)
        for problem in _errors(item_model, raw):
            location = ".".join(map(str, problem["loc"]))
            problems.append(f"{where}{', ' + location if location else ''}: {_say(problem, keys)}")
        item_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(item_id, str):
            if item_id in seen:
                problems.append(
                    f"{where}: duplicate id {item_id!r} ({word} {seen[item_id] + 1} has it too)"
                )
            seen.setdefault(item_id, index)
    if problems:
        raise error(path, problems)
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        # Checks across the whole file, and an empty list of items, fail only here.
        raise error(
            path,
            [
                f"{'.'.join(map(str, e['loc'])) or 'top level'}: {_say(e, keys)}"
                for e in problem.errors(include_url=False)
            ],
        ) from None


def _read(path: Path, error: type[DataFileError]) -> str:
    """Read a file as UTF-8 text, refusing at once one larger than any data file should be."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise error(path, [f"is larger than {MAX_BYTES // 1024} KiB: is it the right file?"])
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or str(problem)
        raise error(path, [f"cannot be read: {reason}"]) from None


def _parse_yaml(
    path: Path, text: str, items: str, error: type[DataFileError]
) -> tuple[Any, list[int]]:
    """Parse YAML safely, refusing aliases, deep nesting and repeated keys.

    Return the data and each item's line.
    """
    try:
        depth = 0
        for event in yaml.parse(text, Loader=SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                raise error(path, [f"line {line}: aliases (*{event.anchor}) are not allowed"])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise error(path, [f"line {line}: nested more than {MAX_DEPTH} levels deep"])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        node = yaml.compose(text, Loader=SafeLoader)
        repeated = _repeated_keys(node)
        if repeated:
            raise error(path, repeated)
        data = SafeLoader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as problem:
        raise error(path, [f"not valid YAML: {problem}"]) from None
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == items and isinstance(value, yaml.SequenceNode):
                lines = [item.start_mark.line + 1 for item in value.value]
    return data, lines


def _repeated_keys(root: yaml.Node | None) -> list[str]:
    """Name each key given twice in one mapping, with both lines: YAML would keep the last."""
    problems: list[tuple[int, str]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, Any], int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    name = (key.tag, key.value)
                    if name in seen:
                        problems.append(
                            (
                                line,
                                f"line {line}: key {key.value!r} is given twice (first on line "
                                f"{seen[name]}); YAML would silently keep the last",
                            )
                        )
                    seen.setdefault(name, line)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return [problem for _, problem in sorted(problems)]


def _errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    """Validate data against a model and return its errors, or none."""
    try:
        model.model_validate(data)
    except ValidationError as problem:
        return problem.errors(include_url=False)
    return []


def _item_name(word: str, raw: Any, index: int, lines: list[int]) -> str:
    """Name an item for a message: its id, its position and its line."""
    line = f", line {lines[index]}" if index < len(lines) else ""
    item_id = raw.get("id") if isinstance(raw, dict) else None
    label = f"{word} {item_id!r}" if isinstance(item_id, str) else f"{word} without an id"
    return f"{label} ({word} {index + 1}{line})"


def _say(error: dict[str, Any], known_keys: list[str]) -> str:
    """Word one pydantic error, suggesting a close key for an unknown one."""
    if error["type"] == "extra_forbidden" and error["loc"]:
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, known_keys, n=1)
        return f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    if error["type"] == "missing":
        return "this is required but missing"
    return error["msg"].removeprefix("Value error, ")
