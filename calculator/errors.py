"""Error responses: JSON under /api/, a page in the site's style elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be understood. Go back to the form and submit it again.",
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    413: "The submission is larger than this calculator accepts ({limit}).",
    415: "The request was not sent in a format this address accepts.",
    500: "Something went wrong on our side. Nothing you entered was stored.",
}


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
    page = render_template("errors/error.html", code=code, title=exc.name, message=message)
    return page, code, headers


def size(count: int) -> str:
    """Say a number of bytes as people write it: 64 KiB, 1 MiB, 65,000 bytes."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count:,} bytes"
