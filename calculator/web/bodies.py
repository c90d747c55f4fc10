"""Request bodies: bounded even when sent in chunks, and only form encodings on the pages.

Werkzeug stops reading a chunked body at the size limit without checking
whether more follows, so an over-long body was cut and assessed. Flask-WTF
reads JSON and files as well as forms, so the pages met values that are
not text. Both are settled here, before any view reads the body.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from flask import Flask, abort, request
from werkzeug.http import parse_set_header

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", ""})
# Machine endpoints: JSON in and out, no session, no form; each checks its own content type.
API_PREFIXES = ("/api/", "/fhir/", "/cds-services")


class ChunkedBodyLimit:
    """WSGI middleware: read a chunked body whole, up to one byte past the limit.

    The body is then handed on with its Content-Length, so that Werkzeug's
    own check refuses one over the limit with a 413, as it does for a body
    sent with a Content-Length. A body whose chunks break off counts as empty.
    """

    def __init__(self, app: WSGIApplication, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        encoding = environ.get("HTTP_TRANSFER_ENCODING")
        if encoding and "chunked" in parse_set_header(encoding):
            body = read_at_most(environ["wsgi.input"], self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.app(environ, start_response)


def read_at_most(stream: Any, size: int) -> bytes:
    """Read a stream to its end or to `size` bytes; a broken stream reads as empty."""
    parts: list[bytes] = []
    left = size
    try:
        while left > 0:
            part = stream.read(min(left, 16384))
            if not part:
                break
            parts.append(part)
            left -= len(part)
    except (OSError, ValueError):
        # The client went away or sent a bad chunk: assess nothing rather than a part.
        return b""
    return b"".join(parts)


def _forms_only() -> None:
    """Refuse a page POST that is not a form of text fields, each given once."""
    if request.method != "POST" or request.path.startswith(API_PREFIXES):
        return
    if request.mimetype not in FORM_TYPES:
        abort(415)
    if request.files or any(len(values) > 1 for values in request.form.listvalues()):
        abort(400)


def init_app(app: Flask) -> None:
    """Bound chunked bodies by the app's limit, and let the pages take only forms."""
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
    app.before_request(_forms_only)
