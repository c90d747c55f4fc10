"""Security and privacy: headers everywhere, cookies, hosts, error pages, logs, and fuzzing."""

from __future__ import annotations

import logging
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator import create_app
from calculator.core.inputs import FIELDS
from calculator.core.rules import RulesError, load_rules

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; object-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/", {}),
        ("post", "/", {"data": {"age_at_onset": "70"}}),
        ("post", "/", {"data": {"age_at_onset": "x"}}),
        ("get", "/rules", {}),
        ("get", "/api", {}),
        ("get", "/openapi.json", {}),
        ("post", "/api/v3/assess", {"json": {}}),
        ("post", "/api/v3/assess", {"json": {"x": 1}}),
        ("get", "/static/style.css", {}),
        ("get", "/static/app.js", {}),
        ("get", "/nowhere", {}),
        ("delete", "/", {}),
        ("get", "/healthz", {}),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, kwargs):
    with getattr(client, method)(path, **kwargs) as response:
        headers = response.headers
    for name, value in EXPECTED.items():
        assert headers[name] == value, name
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP here
    if not path.startswith("/static/"):
        assert headers["Cache-Control"] == "no-store"


def test_over_https_behind_a_proxy_hsts_is_sent_and_the_cookie_is_secure():
    app = create_app({"SECRET_KEY": "x", "PROXIES": 1})
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_plain_http_the_cookie_is_httponly_and_lax(client):
    cookie = create_app({"SECRET_KEY": "x"}).test_client().get("/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_without_proxies_configured_forwarded_headers_are_ignored():
    app = create_app({"SECRET_KEY": "x"})
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_only_trusted_hosts_are_served(monkeypatch):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["calc.example.org"]')
    client = create_app({"SECRET_KEY": "x"}).test_client()
    assert client.get("/", base_url="http://calc.example.org").status_code == 200
    refused = client.get("/", base_url="http://attacker.example")
    assert refused.status_code == 400
    assert "attacker" not in refused.get_data(as_text=True)


def test_debug_is_refused_outside_flask_run(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    assert create_app({"SECRET_KEY": "x"}).debug is False


SENTINEL = "zq-sentinel-7731"


def boom():
    raise RuntimeError(f"failure carrying {SENTINEL}")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "code", "words"),
    [
        ("post", "/", {"data": {"csrf_token": "bad"}}, 400, "Error:"),
        ("get", f"/{SENTINEL}", {}, 404, "There is no page at this address"),
        ("put", "/rules", {"data": SENTINEL}, 405, "does not accept that kind of request"),
        ("post", "/", {"data": {"age_at_onset": SENTINEL * 9000}}, 413, "larger than"),
        ("get", "/boom", {}, 500, "Something went wrong on our side"),
    ],
)
def test_error_pages_are_in_the_sites_style_without_echo_or_traceback(
    method, path, kwargs, code, words
):
    app = create_app({"SECRET_KEY": "x"})
    app.add_url_rule("/boom", view_func=boom)
    response = getattr(app.test_client(), method)(path, **kwargs)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in html
    assert 'href="/static/style.css"' in html
    assert SENTINEL not in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "code"),
    [
        ("get", "/api/v3/assess", {}, 405),
        ("post", "/api/v3/assess", {"data": SENTINEL, "content_type": "text/plain"}, 415),
        ("post", "/api/v3/assess", {"data": SENTINEL, "content_type": "application/json"}, 400),
        ("get", f"/api/{SENTINEL}", {}, 404),
        ("post", "/api/v3/assess", {"json": {"x": SENTINEL * 9000}}, 413),
    ],
)
def test_api_errors_are_json_without_echo(client, method, path, kwargs, code):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == code
    assert response.is_json
    assert SENTINEL not in response.get_data(as_text=True)


def test_clinical_values_reach_no_log(caplog):
    caplog.set_level(logging.DEBUG)
    app = create_app({"SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    app.add_url_rule("/boom", view_func=boom, methods=["POST"])
    client = app.test_client()
    answers = {"fvc_percent_predicted": "123.4567", "diagnostic_delay_months": "543.2109"}
    client.post("/", data=answers)
    client.post("/", data={"age_at_onset": SENTINEL})
    client.post("/api/v3/assess", json={"fvc_percent_predicted": 123.4567})
    client.post("/api/v3/assess", json={"age_at_onset": SENTINEL})
    client.post("/boom", data={"age_at_onset": SENTINEL})
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert caplog.records  # the 500 was logged
    for value in (SENTINEL, "123.4567", "543.2109"):
        assert value not in logged


# Any form submission: any field, any text (or repeated values, or unknown keys).
form_values = st.dictionaries(
    st.sampled_from([*FIELDS, "csrf_token", "action", "extra"]),
    st.one_of(st.text(max_size=40), st.sampled_from(["present", "1e309", "nan", "65", ""])),
    max_size=14,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form_values)
def test_any_form_submission_gives_200_or_400(client, data):
    response = client.post("/", data=data)
    assert response.status_code in (200, 400)


yaml_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(string.printable, max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "reviewed",
                    "rules",
                    "id",
                    "when",
                    "all",
                    "any",
                    "not",
                    "field",
                    "eq",
                    "in",
                    "gt",
                    "lt",
                    "title",
                    "effect",
                    "evidence",
                    "explanation",
                    "references",
                    "citation",
                    "pmid",
                    "source",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(yaml_like)
def test_the_rules_loader_raises_only_its_own_error(tmp_path, data):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        load_rules(path)
    except RulesError as error:
        assert str(path) in str(error)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_the_rules_loader_survives_any_text(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_rules(path)
    except RulesError as error:
        assert str(path) in str(error)


def test_fhir_and_cds_hooks_take_json_while_pages_take_forms_only(client):
    assert client.post("/", json={"age_at_onset": 65}).status_code == 415
    assert client.post("/cds-services/asys-prognostic-factors", json={}).status_code == 400
    response = client.post("/fhir/$assess", json={}, content_type="application/fhir+json")
    assert response.status_code == 400
