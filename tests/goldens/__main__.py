"""Check the golden answers, or rewrite them with --write: the only way they are ever written.

    .venv/bin/python -m tests.goldens            # say which goldens differ, with the diff
    .venv/bin/python -m tests.goldens --write    # rewrite them, printing the diff of each change

Run from the root of the clone. A golden of a case that no longer exists is removed by --write.
"""

from __future__ import annotations

import argparse
import sys

from calculator import create_app, resource
from calculator.core.cases import load_cases

from . import HERE, answer_of, diff, path_of, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.goldens", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the goldens that differ")
    args = parser.parse_args(argv)

    app = create_app({"TESTING": True, "SECRET_KEY": "goldens", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    cases = load_cases(resource("cases.yaml")).cases
    changed = 0
    for case in cases:
        path = path_of(case.id)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = render(answer_of(client, case))
        if old == new:
            continue
        changed += 1
        print(diff(old, new, path.name) or f"{path.name}: new", end="")
        if args.write:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
    ids = {case.id for case in cases}
    for stray in sorted(HERE.glob("*.json")):
        if stray.stem not in ids:
            changed += 1
            print(f"{stray.name}: no teaching case {stray.stem!r} any more")
            if args.write:
                stray.unlink()
                print(f"removed {stray.relative_to(HERE.parent.parent)}")
    if not changed:
        print(f"All {len(cases)} goldens match.")
        return 0
    if args.write:
        print(f"{changed} golden(s) rewritten: review the diff above before committing.")
        return 0
    print(f"{changed} golden(s) differ; rewrite them with --write after review.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
