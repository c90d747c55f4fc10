"""Response headers that keep results private and pages free of foreign content."""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "interest-cohort=(), browsing-topics=()"
    ),
}


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure over HTTPS; keep no session for the API."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """Open no session for the API: it has no form, so no CSRF token to keep."""
        if request.path.startswith("/api/"):
            return self.null_session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Add the security headers to every response; trust only the configured proxies."""
    app.after_request(_add_headers)
    app.session_interface = _SessionInterface()
    proxies = int(app.config["PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _add_headers(response: Response) -> Response:
    """Set the headers; forbid caching of everything but static files."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
        )
    return response
