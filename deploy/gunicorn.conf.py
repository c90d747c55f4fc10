"""gunicorn's settings for the calculator: `gunicorn -c deploy/gunicorn.conf.py ...` (README).

gunicorn logs a request it cannot parse with the parser's message, and for a bad chunk that
message quotes the bytes that came where the chunk size should be: the body, which may carry
clinical values. nginx never forwards such a request, but one sent straight to gunicorn (from
the host itself) would be logged. This logger keeps the line and withholds the detail.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

_INVALID = "Invalid request from ip="


class CalculatorLogger(Logger):
    """gunicorn's logger, but a request it cannot parse is logged without the parser's words."""

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(msg, str) and msg.startswith(_INVALID):
            who, _, _ = msg.partition(": ")
            msg = f"{who}: not a valid HTTP request (detail withheld: it may quote the body)"
            args = ()
        super().warning(msg, *args, **kwargs)


logger_class = CalculatorLogger
