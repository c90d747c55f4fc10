"""Response headers that keep results private and pages free of foreign content."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.middleware.proxy_fix import ProxyFix

from .bodies import API_PREFIXES

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
        if request.path.startswith(API_PREFIXES):
            return self.null_session_class()
        return super().open_session(app, request)


class SecurityHeaders:
    """WSGI middleware: put the security headers on every response, errors included.

    Working on the WSGI header list is cheaper than Flask's Headers object,
    and nothing the app answers, static files and werkzeug errors included,
    can leave without them.
    """

    def __init__(self, app: WSGIApplication, static_prefix: str) -> None:
        self.app = app
        self.static_prefix = static_prefix
        self.fixed = list(HEADERS.items())

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not environ.get("PATH_INFO", "").startswith(self.static_prefix):
                # Results and answers are never kept by a browser or a proxy; only a
                # response that holds no answer may say it is public (the rule catalogue).
                kept = [h for h in headers if h[0].lower() == "cache-control"]
                if not any("public" in value for _, value in kept):
                    headers = [h for h in headers if h[0].lower() != "cache-control"]
                    headers.append(("Cache-Control", "no-store"))
            if environ.get("wsgi.url_scheme") == "https":
                headers.append(HSTS)
            return start_response(status, headers + self.fixed, exc_info)

        return self.app(environ, start)


HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def init_app(app: Flask) -> None:
    """Add the security headers to every response; trust only the configured proxies."""
    app.session_interface = _SessionInterface()
    proxies = int(app.config["PROXIES"])
    if proxies:
        # Wrapped inside the headers, so that they see the scheme the proxy reports.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, f"{app.static_url_path}/")
