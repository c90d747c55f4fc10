"""The API's hot route as plain WSGI: a good assessment request answered without Flask's machinery.

Flask's request and response objects, routing and contexts cost about twice the
assessment itself. This middleware sits innermost, inside the security headers,
the proxy fix and the chunked-body limit (see create_app), and answers
POST /api/v2/assess itself only when it is sure that Flask would give exactly
the same answer: a JSON content type as Flask reads it, a Content-Length within
the limit and a body of that length, a trusted host, and answers that are valid.
Every other request, errors included, goes on to Flask with its body as it
came, so that each refusal is the one the view gives. The body is never kept.

What Flask would run around this route is not run here: before- and
after-request hooks, signals, the session. None touches the API today. One added
later that changes an answer fails tests/test_api_fastpath.py, which compares
whole answers with Flask's; one that only logs or counts would silently miss
the requests answered here.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_host

from .api import answer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PATH = "/api/v2/assess"


@lru_cache(maxsize=64)
def is_json(content_type: str) -> bool:
    """Tell whether a Content-Type is JSON exactly as Flask's request.is_json decides."""
    mimetype = parse_options_header(content_type)[0].lower()
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


class _Replay(io.RawIOBase):
    """A request body that gives the bytes already read, then the rest as the stream gives it.

    If reading the stream raised, the same error is raised again where it was,
    so that Flask meets the body exactly as the server handed it over.
    """

    def __init__(self, head: bytes, rest: Any, error: BaseException | None = None) -> None:
        super().__init__()
        self._head = io.BytesIO(head)
        self._rest = rest
        self._error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._head.readinto(buffer)
        if count:
            return count
        if self._error is not None:
            raise self._error
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class AssessFastPath:
    """WSGI middleware: answer a good POST /api/v2/assess directly, hand on everything else."""

    def __init__(self, app: WSGIApplication, flask_app: Flask) -> None:
        self.app = app
        self.flask_app = flask_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        if (
            environ.get("PATH_INFO") != PATH
            or environ.get("REQUEST_METHOD") != "POST"
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            return self.app(environ, start_response)
        try:
            size = self._size(environ)
        except Exception:  # anything odd is Flask's to answer
            size = None
        if size is None:
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        # A server that ends the stream itself (gunicorn) lets Flask read to its end,
        # not to the Content-Length: one byte more tells whether the two agree.
        want = size + 1 if "wsgi.input_terminated" in environ else size
        parts: list[bytes] = []
        got = 0
        try:
            while got < want:
                part = stream.read(want - got)
                if not part:
                    break
                parts.append(part)
                got += len(part)
        except Exception as error:  # Flask meets it again, where it was
            environ["wsgi.input"] = _Replay(b"".join(parts), None, error)
            return self.app(environ, start_response)
        body = b"".join(parts)
        if got != size:
            environ["wsgi.input"] = _Replay(body, stream) if got > size else io.BytesIO(body)
            return self.app(environ, start_response)
        try:
            data = answer(self.flask_app, body)
        except Exception:  # InputError, or unexpected: Flask answers
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    def _size(self, environ: WSGIEnvironment) -> int | None:
        """Return the body's length if Flask would read and assess it, else None.

        None for a Content-Length that is missing, not plain digits or over the
        limit, a content type that is not JSON, or a host that is not trusted.
        """
        length = environ.get("CONTENT_LENGTH")
        if not length or not (length.isascii() and length.isdigit()):
            return None
        size = int(length)
        config = self.flask_app.config
        limit = config["MAX_CONTENT_LENGTH"]
        if limit is not None and size > limit:
            return None
        if not is_json(environ.get("CONTENT_TYPE", "")):
            return None
        trusted = config["TRUSTED_HOSTS"]
        if trusted is None:
            trusted = self.flask_app.request_class.trusted_hosts
        if trusted:
            try:
                get_host(environ, trusted)  # as Flask checks it, on the same environ
            except SecurityError:
                return None
        return size


def init_app(app: Flask) -> None:
    """Wrap Flask's own WSGI app: install before the other middlewares, so it is innermost."""
    app.wsgi_app = AssessFastPath(app.wsgi_app, app)
