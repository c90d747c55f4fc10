"""Error responses: JSON under /api/, a page in the site's style elsewhere; never a traceback."""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, Response, current_app, jsonify, render_template, request, url_for
from flask.globals import request_ctx
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

MESSAGES = {
    400: "The request could not be understood. Go back to the form and submit it again.",
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    413: "The submission is larger than this calculator accepts ({limit}).",
    415: "The request was not sent in a format this address accepts.",
    500: "Something went wrong on our side. Nothing you entered was stored.",
}
# Page titles in plain words where werkzeug's status names read badly; the others keep theirs.
TITLES = {404: "Page not found"}


class Missing(NotFound):
    """A 404 that says what was not found and links to where to look instead."""

    def __init__(self, message: str, endpoint: str, link_text: str) -> None:
        super().__init__()
        self.message = message
        self.endpoint = endpoint
        self.link_text = link_text


class Refused(BadRequest):
    """A 400 that says, in the page, why the request could not be answered."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


def refuse(message: str) -> NoReturn:
    """Answer 400 with a page that says `message` (never the input it refuses)."""
    raise Refused(message)


def unknown_case() -> NoReturn:
    """Answer 404 for a teaching case id that is not in the library, with a link to the list."""
    raise Missing(
        "The teaching case was not found: there is no case at this address.",
        "teaching.library",
        "See the list of teaching cases",
    )


def init_app(app: Flask) -> None:
    """Answer every HTTP error, unexpected exceptions included (as 500), without a traceback."""
    app.register_error_handler(HTTPException, _http_error)


def _http_error(exc: HTTPException):
    """Render an HTTP error as JSON or as a page, never echoing the input."""
    code = exc.code or 500
    limit = size(current_app.config["MAX_CONTENT_LENGTH"])
    message = MESSAGES.get(code, exc.name).format(limit=limit)
    # Keep the headers the error carries, such as Allow on a 405; drop its HTML content type.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    for prefix, body in current_app.extensions.get("error_bodies", {}).items():
        if request.path.startswith(prefix):
            return body(code, message), code, headers
    if request.path.startswith("/api/"):
        return jsonify(errors=[{"field": "body", "message": message}]), code, headers
    if request_ctx.url_adapter is None:
        # An untrusted Host header: no URL can be built, so no page that links anywhere.
        return Response(message, code, headers, mimetype="text/plain")
    link = None
    if isinstance(exc, Refused):
        message = exc.message
    if isinstance(exc, Missing):
        message = exc.message
        link = (url_for(exc.endpoint), exc.link_text)
    title = TITLES.get(code, exc.name)
    page = render_template("errors/error.html", code=code, title=title, message=message, link=link)
    return page, code, headers


def size(count: int) -> str:
    """Say a number of bytes as people write it: 64 KiB, 1 MiB, 65,000 bytes."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count:,} bytes"
