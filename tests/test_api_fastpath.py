"""The API's fast path: the same status, headers and bytes as Flask's view, for every request.

Each request goes through the whole app (the fast path in place) and through
the same app with the fast path taken out, at the WSGI level, so that every
header and byte is compared. A spy on what lies behind the fast path tells
whether it answered or handed the request on to Flask.
"""

from __future__ import annotations

import ast
import copy
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from werkzeug.test import EnvironBuilder

from calculator import create_app
from calculator.cases import CaseBook
from calculator.fastpath import AssessFastPath
from calculator.inputs import FIELDS
from calculator.security import HEADERS

from .helpers import ROOT
from .test_api import answers

URL = "/api/v2/assess"
CONFIG = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
LIMIT = 64 * 1024


def _typical() -> dict[str, Any]:
    """The benchmark's typical case, read from tests/bench/run.py (not a package) as written."""
    tree = ast.parse((ROOT / "tests" / "bench" / "run.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "TYPICAL":
            return ast.literal_eval(node.value)
    raise AssertionError("tests/bench/run.py no longer defines TYPICAL")


TYPICAL = _typical()


# --------------------------------------------------------------------------- the two apps


def fast_path_of(app: Flask) -> tuple[Any, AssessFastPath]:
    """Return the fast path in the app's middleware chain, and the middleware that holds it."""
    outer: Any = app
    inner = app.wsgi_app
    while not isinstance(inner, AssessFastPath):
        outer, inner = inner, inner.app
    return outer, inner


class Spy:
    """What lies behind the fast path, counting the requests handed on to it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        self.calls += 1
        return self.app(environ, start_response)


class Pair:
    """The app with its fast path (spied on), and the same app without it."""

    def __init__(self, **config: Any) -> None:
        self.fast = create_app({**CONFIG, **config})
        self.spy = Spy(fast_path_of(self.fast)[1].app)
        fast_path_of(self.fast)[1].app = self.spy
        self.flask = create_app({**CONFIG, **config})
        holder, path = fast_path_of(self.flask)
        if holder is self.flask:
            holder.wsgi_app = path.app
        else:
            holder.app = path.app
        assert not any(isinstance(m, AssessFastPath) for m in chain(self.flask))

    def both(self, environ: dict, body: bytes | Callable[[], Any]) -> tuple[tuple, tuple]:
        """Send one request to each app; return each's (status, headers, body)."""
        return call(self.fast, environ, body), call(self.flask, environ, body)


def chain(app: Flask) -> list[Any]:
    """Return the app's WSGI middlewares, outermost first."""
    found = []
    inner: Any = app.wsgi_app
    while hasattr(inner, "app"):
        found.append(inner)
        inner = inner.app
    return [*found, inner]


def call(app: Flask, environ: dict, body: bytes | Callable[[], Any]) -> tuple:
    """Call an app as a WSGI server does, with a fresh copy of the environ and body."""
    env = copy.copy(environ)
    env["wsgi.input"] = body() if callable(body) else io.BytesIO(body)
    started: list[tuple] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        started.append((status, headers))
        return lambda data: None

    result = app.wsgi_app(env, start_response)
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    (status, headers), *_ = started
    return status, headers, data


def environ(
    body: bytes,
    *,
    method: str = "POST",
    path: str = URL,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    base_url: str = "http://localhost",
    terminated: bool = False,
    **changes: Any,
) -> dict:
    """Make a WSGI environ; `terminated` marks the stream ended by the server, as gunicorn does."""
    env = EnvironBuilder(
        path=path,
        method=method,
        data=body,
        content_type=content_type,
        headers=headers,
        base_url=base_url,
    ).get_environ()
    if content_type is None:
        env.pop("CONTENT_TYPE", None)
    if terminated:
        env["wsgi.input_terminated"] = True
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def encoded(data: Any) -> bytes:
    return json.dumps(data).encode()


@pytest.fixture(scope="module")
def pair() -> Pair:
    return Pair()


def assert_same(pair: Pair, env: dict, body: Any, *, fast: bool) -> tuple:
    """Check the fast app gives what Flask gives, and that the fast path answered iff `fast`."""
    before = pair.spy.calls
    got, expected = pair.both(env, body)
    assert got == expected
    assert pair.spy.calls - before == (0 if fast else 1)
    names = [name for name, _ in got[1]]
    assert names.count("Cache-Control") == 1 and ("Cache-Control", "no-store") in got[1]
    for header in HEADERS.items():
        assert header in got[1]
    return got


# --------------------------------------------------------------------------- answered directly


def _cases() -> list[tuple[str, bytes]]:
    from calculator.cases import load_cases

    book: CaseBook = load_cases(ROOT / "calculator" / "cases.yaml")
    found = []
    for case in book.cases:
        given_ = case.answers.model_dump(mode="json", exclude_defaults=True)
        found.append((f"{case.id}-given", encoded(given_)))
        found.append((f"{case.id}-all", encoded(case.answers.model_dump(mode="json"))))
    return found


CASES = _cases()


def _edge_numbers() -> list[dict[str, Any]]:
    """Each number field at its minimum, its maximum, and not known (null)."""
    found = []
    for name, spec in FIELDS.items():
        if not spec.is_number:
            continue
        extra = {"ild": "present"} if spec.ild_only else {}
        for value in (spec.minimum, spec.maximum, None):
            number = value if value is None or not spec.is_integer else int(value)
            found.append({**extra, name: number})
        if not spec.is_integer:
            found.append({**extra, name: spec.minimum + 0.0000001})
    return found


VARIED = [
    b"{}",
    b" \n\t{ } \r\n",
    encoded(TYPICAL),
    json.dumps(TYPICAL, indent=2, ensure_ascii=False).encode(),
    b'{"ild": "\\u0070resent", "anti_mda5": "\\u0070ositive"}',  # escapes for plain letters
    b'{"age_at_onset": 6.4e1, "crp_mg_per_l": 14.0, "fvc_percent_predicted": 62.50}',
    b'{"age_at_onset": 65.0}',
    encoded({n: s.unknown_value for n, s in FIELDS.items() if s.choices and not s.ild_only}),
    encoded({name: None for name, spec in FIELDS.items() if spec.is_number and not spec.ild_only}),
    *[encoded(data) for data in _edge_numbers()],
]


@pytest.mark.parametrize("body", [body for _, body in CASES], ids=[name for name, _ in CASES])
@pytest.mark.parametrize("terminated", [False, True], ids=["bounded", "terminated"])
def test_every_teaching_case_is_answered_directly_as_flask_answers_it(pair, body, terminated):
    status, _, data = assert_same(pair, environ(body, terminated=terminated), body, fast=True)
    assert status == "200 OK"
    assert b'"derived":' in data


@pytest.mark.parametrize("body", VARIED)
def test_varied_answers_are_answered_directly_as_flask_answers_them(pair, body):
    status, headers, data = assert_same(pair, environ(body), body, fast=True)
    assert status == "200 OK"
    assert headers[:2] == [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_any_valid_answers_are_answered_directly_as_flask_answers_them(data):
    pair = _shared_pair()
    body = encoded(data)
    assert assert_same(pair, environ(body), body, fast=True)[0] == "200 OK"


_PAIRS: dict[str, Pair] = {}


def _shared_pair() -> Pair:
    """One pair for every example of a hypothesis test (a fixture would be made once anyway)."""
    if "plain" not in _PAIRS:
        _PAIRS["plain"] = Pair()
    return _PAIRS["plain"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.example+json",
        'application/json; profile="x"',
    ],
)
def test_every_json_content_type_flask_accepts_is_answered_directly(pair, content_type):
    body = encoded(TYPICAL)
    assert_same(pair, environ(body, content_type=content_type), body, fast=True)


def test_the_view_is_not_called_for_a_good_request(monkeypatch):
    app = create_app(CONFIG)

    def refuse() -> None:
        raise AssertionError("the view was called")

    monkeypatch.setitem(app.view_functions, "api.assess_json", refuse)
    body = encoded(TYPICAL)
    status, headers, data = call(app, environ(body), body)
    assert status == "200 OK"
    assert json.loads(data)["summary"]
    assert ("Cache-Control", "no-store") in headers
    # The view is still there for what the fast path hands on: this one it must answer.
    bad = b'{"age_at_onset": 500}'
    with pytest.raises(AssertionError, match="the view was called"):
        call(app, environ(bad), bad)


def test_a_query_string_changes_nothing(pair):
    body = encoded(TYPICAL)
    assert_same(pair, environ(body, QUERY_STRING="a=1&b=2"), body, fast=True)


def test_a_body_of_exactly_the_limit_is_answered_directly(pair):
    body = encoded(TYPICAL)
    body = body[:-1] + b" " * (LIMIT - len(body)) + b"}"
    assert len(body) == LIMIT
    for terminated in (False, True):
        assert_same(pair, environ(body, terminated=terminated), body, fast=True)


def test_over_https_behind_a_proxy_the_direct_answer_carries_hsts():
    pair = Pair(PROXIES=1)
    body = encoded(TYPICAL)
    env = environ(body, headers={"X-Forwarded-Proto": "https"})
    _, headers, _ = assert_same(pair, env, body, fast=True)
    assert any(name == "Strict-Transport-Security" for name, _ in headers)


def test_a_trusted_host_is_answered_directly():
    pair = Pair(TRUSTED_HOSTS=["calc.example.org"])
    body = encoded(TYPICAL)
    for base in ("http://calc.example.org", "http://calc.example.org:8080"):
        status, _, _ = assert_same(pair, environ(body, base_url=base), body, fast=True)
        assert status == "200 OK"


def test_a_chunked_body_within_the_limit_is_answered_as_flask_answers_it(pair):
    """The chunked-body limit, outside the fast path, gives it a Content-Length."""
    body = encoded(TYPICAL)
    env = environ(body, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH=None)
    assert assert_same(pair, env, body, fast=True)[0] == "200 OK"


# --------------------------------------------------------------------------- handed on to Flask

GOOD = encoded(TYPICAL)


HANDED_ON = [
    ("text/plain", environ(GOOD, content_type="text/plain"), GOOD, 415),
    ("form", environ(GOOD, content_type="application/x-www-form-urlencoded"), GOOD, 415),
    ("no content type", environ(GOOD, content_type=None), GOOD, 415),
    ("not quite json", environ(GOOD, content_type="application/jsonx"), GOOD, 415),
    ("text json", environ(GOOD, content_type="text/json"), GOOD, 415),
    ("no length", environ(GOOD, CONTENT_LENGTH=None), GOOD, 400),
    ("empty length", environ(GOOD, CONTENT_LENGTH=""), GOOD, 400),
    ("length not a number", environ(GOOD, CONTENT_LENGTH="abc"), GOOD, 400),
    ("negative length", environ(GOOD, CONTENT_LENGTH="-1"), GOOD, 400),
    ("signed length", environ(GOOD, CONTENT_LENGTH=f"+{len(GOOD)}"), GOOD, 400),
    ("spaced length", environ(GOOD, CONTENT_LENGTH=f" {len(GOOD)}"), GOOD, 200),
    ("length with _", environ(GOOD, CONTENT_LENGTH=f"{len(GOOD)}_0"), GOOD, 400),
    ("non-ASCII digits", environ(GOOD, CONTENT_LENGTH="\u0661\u0662"), GOOD, 400),
    ("length over the limit", environ(GOOD, CONTENT_LENGTH=str(LIMIT + 1)), GOOD, 413),
    ("length short", environ(GOOD, CONTENT_LENGTH=str(len(GOOD) - 5)), GOOD, 400),
    ("length long", environ(GOOD, CONTENT_LENGTH=str(len(GOOD) + 5)), GOOD, 400),
    (
        "length short, terminated",
        environ(GOOD, CONTENT_LENGTH=str(len(GOOD) - 5), terminated=True),
        GOOD,
        200,
    ),
    (
        "length long, terminated",
        environ(GOOD, CONTENT_LENGTH=str(len(GOOD) + 5), terminated=True),
        GOOD,
        200,
    ),
    ("gzip transfer", environ(GOOD, HTTP_TRANSFER_ENCODING="gzip"), GOOD, 200),
    ("GET", environ(b"", method="GET"), b"", 405),
    ("PUT", environ(GOOD, method="PUT"), GOOD, 405),
    ("HEAD", environ(b"", method="HEAD"), b"", 405),
    ("trailing slash", environ(GOOD, path=URL + "/"), GOOD, 404),
    ("other version", environ(GOOD, path="/api/v1/assess"), GOOD, 410),
    ("upper case, a page", environ(GOOD, path="/API/v2/assess"), GOOD, 415),
    ("malformed", environ(b'{"age_at_onset": 6'), b'{"age_at_onset": 6', 400),
    ("empty body", environ(b""), b"", 400),
    ("not an object", environ(b"[1, 2]"), b"[1, 2]", 422),
    ("unknown field", environ(b'{"age": 64}'), b'{"age": 64}', 422),
    ("out of range", environ(b'{"age_at_onset": 500}'), b'{"age_at_onset": 500}', 422),
    ("a string number", environ(b'{"age_at_onset": "64"}'), b'{"age_at_onset": "64"}', 422),
    ("not a choice", environ(b'{"ild": "yes"}'), b'{"ild": "yes"}', 422),
    ("unicode", environ('{"ild": "présent"}'.encode()), '{"ild": "présent"}'.encode(), 422),
    ("given twice", environ(b'{"ild": "present", "ild": "absent"}'), None, 422),
    ("ild-only alone", environ(b'{"ild_course": "progressive"}'), None, 422),
    ("nan", environ(b'{"age_at_onset": NaN}'), b'{"age_at_onset": NaN}', 422),
    ("latin-1", environ('{"ild": "é"}'.encode("latin-1")), None, 400),
]


@pytest.mark.parametrize(
    ("name", "env", "body", "status"), HANDED_ON, ids=[case[0] for case in HANDED_ON]
)
def test_what_the_fast_path_does_not_answer_flask_answers_as_before(pair, name, env, body, status):
    if body is None:
        body = env["wsgi.input"].getvalue()
    got = assert_same(pair, env, body, fast=False)
    assert int(got[0].split()[0]) == status


@pytest.mark.parametrize("terminated", [False, True], ids=["bounded", "terminated"])
def test_a_body_over_the_limit_is_a_413_as_before(pair, terminated):
    padded = GOOD[:-1] + b" " * (LIMIT + 1 - len(GOOD)) + b"}"  # good answers, one byte too many
    for body in (b'{"x": "%s"}' % (b"a" * LIMIT), padded):
        got = assert_same(pair, environ(body, terminated=terminated), body, fast=False)
        assert got[0].startswith("413")


def test_a_chunked_body_over_the_limit_is_a_413_as_before(pair):
    body = b'{"x": "%s"}' % (b"a" * LIMIT)
    env = environ(body, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH=None)
    assert assert_same(pair, env, body, fast=False)[0].startswith("413")


@pytest.mark.parametrize("proxies", [0, 1])
def test_an_untrusted_host_is_refused_by_flask_as_before(proxies):
    pair = Pair(TRUSTED_HOSTS=["calc.example.org"], PROXIES=proxies)
    body = encoded(TYPICAL)
    got = assert_same(pair, environ(body, base_url="http://attacker.example"), body, fast=False)
    assert got[0].startswith("400") and b"attacker" not in got[2]
    if proxies:
        # Behind the proxy, the host is the one it forwards: the fast path sees it too.
        env = environ(
            body, base_url="http://calc.example.org", headers={"X-Forwarded-Host": "evil.example"}
        )
        assert assert_same(pair, env, body, fast=False)[0].startswith("400")
        env = environ(
            body, base_url="http://evil.example", headers={"X-Forwarded-Host": "calc.example.org"}
        )
        assert assert_same(pair, env, body, fast=True)[0] == "200 OK"


class Breaking(io.RawIOBase):
    """A body whose client goes away after some bytes."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.data.readinto(buffer)
        if not count:
            raise OSError("the client went away")
        return count


@pytest.mark.parametrize("terminated", [False, True], ids=["bounded", "terminated"])
def test_a_body_that_breaks_off_is_answered_as_before(pair, terminated):
    body = encoded(TYPICAL)
    env = environ(body, terminated=terminated)
    got = assert_same(pair, env, lambda: Breaking(body[:20]), fast=False)
    assert got[0].startswith("400")


def test_an_unexpected_error_is_flasks_500_as_before(monkeypatch, caplog):
    pair = Pair(TESTING=False)  # a test app would raise the error rather than answer 500

    def broken(assessment: Any) -> bytes:
        raise RuntimeError("a bug")

    for app in (pair.fast, pair.flask):
        monkeypatch.setattr(app.extensions["json_writer"], "write", broken)
    body = encoded(TYPICAL)
    got = assert_same(pair, environ(body), body, fast=False)
    assert got[0].startswith("500")
    assert b"a bug" not in got[2]
