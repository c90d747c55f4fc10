"""Hostile requests, as an outsider sends them: never a 500, never a wrong or partial result."""

from __future__ import annotations

import io
import json
import logging
import socket
import urllib.parse

import pytest
from flask import Flask

from calculator import create_app
from calculator.core import jsonbody
from calculator.core.engine import assess
from calculator.core.inputs import InputError, Inputs
from calculator.core.rules import load_rules

from . import servers
from .helpers import RULES_PATH

API = "/api/v3/assess"
LIMIT = 64 * 1024


@pytest.fixture
def prod_app() -> Flask:
    """The app as in production: CSRF on, errors answered rather than raised."""
    return create_app({"SECRET_KEY": "x"})


# --------------------------------------------------------------------------- D1: pages take forms


NOT_FORMS = [
    ("/", {"data": '{"age_at_onset":70}', "content_type": "application/json"}, 415),
    ("/", {"data": "[1,2]", "content_type": "application/json"}, 415),
    ("/", {"data": "[" * 5000, "content_type": "application/json"}, 415),
    ("/", {"data": "age_at_onset=70", "content_type": "text/plain"}, 415),
    ("/", {"data": {"age_at_onset": (io.BytesIO(b"70"), "somefile")}}, 400),
    ("/compare", {"data": '{"a-anti_jo1":true}', "content_type": "application/json"}, 415),
    ("/compare", {"data": {"a-anti_jo1": (io.BytesIO(b"positive"), "f")}}, 400),
]


WORDS = {415: "not sent in a format this address accepts", 400: "could not be understood"}


@pytest.mark.parametrize(("path", "kwargs", "code"), NOT_FORMS)
def test_the_pages_refuse_what_is_not_a_form_without_a_500(prod_app, caplog, path, kwargs, code):
    response = prod_app.test_client().post(path, **kwargs)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert WORDS[code] in html
    assert 'href="/static/style.css"' in html
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_json_answers_are_never_assessed_by_the_form_even_without_csrf(client):
    response = client.post("/", json={"age_at_onset": 70})
    assert response.status_code == 415
    assert "data-present=" not in response.get_data(as_text=True)


def test_a_field_given_twice_in_a_form_is_refused(client):
    response = client.post("/", data="age_at_onset=70&age_at_onset=x", content_type=FORM)
    assert response.status_code == 400
    assert "data-present=" not in response.get_data(as_text=True)


def test_a_multipart_form_of_text_fields_is_still_a_form(client):
    response = client.post("/", data={"age_at_onset": "70"}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'data-present="age_over_60"' in response.get_data(as_text=True)


# --------------------------------------------------------------------------- D2: chunked bodies

FORM = "application/x-www-form-urlencoded"


def cut_form_body(limit: int = LIMIT) -> bytes:
    """A form body over the limit, padded so that a cut at the limit falls inside the delay."""
    head = "age_at_onset=70&pad="
    cut_at = "&diagnostic_delay_months=1"
    tail = "&diagnostic_delay_months=12&malignancy=within_3_years"
    pad = "x" * (limit - len(head) - len(cut_at))
    return (head + pad + tail).encode()


def post_chunked(client, path: str, body: bytes, content_type: str):
    """Post a body as a server hands on a chunked one: no Content-Length, input terminated."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_form_over_the_limit_is_refused_not_cut(client):
    body = cut_form_body()
    assert len(body) > LIMIT
    response = post_chunked(client, "/", body, FORM)
    assert response.status_code == 413
    assert "(64 KiB)" in response.get_data(as_text=True)
    assert client.post("/", data=body, content_type=FORM).status_code == 413  # as with a length


def test_a_chunked_api_body_over_the_limit_is_refused(client):
    body = json.dumps({"age_at_onset": 70, "pad": "x" * LIMIT}).encode()
    response = post_chunked(client, API, body, "application/json")
    assert response.status_code == 413
    assert response.is_json


def test_a_chunked_body_within_the_limit_is_read_whole(client):
    body = b"age_at_onset=70&diagnostic_delay_months=12&malignancy=within_3_years"
    html = post_chunked(client, "/", body, FORM).get_data(as_text=True)
    assert "<dd>12 months</dd>" in html
    assert "Cancer found within 3 years before or after onset" in html


def raw_request(url: str, request: bytes) -> tuple[int, bytes]:
    """Send raw bytes to a loopback server; return the status and the body it answers."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    reply = b"".join(chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def chunked(path: str, body: bytes, content_type: str, size: int = 4096) -> bytes:
    """Write an HTTP/1.1 POST whose body is sent in chunks."""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + encoded


@pytest.fixture(scope="module")
def production():
    with servers.gunicorn() as url:
        yield url


def test_the_production_server_refuses_a_chunked_body_over_the_limit(production):
    body = json.dumps({"age_at_onset": 70, "pad": "x" * LIMIT}).encode()
    status, reply = raw_request(production, chunked(API, body, "application/json"))
    assert status == 413
    assert "(64 KiB)" in json.loads(reply)["errors"][0]["message"]


def test_the_production_server_assesses_a_chunked_body_within_the_limit(production):
    body = json.dumps({"age_at_onset": 70, "malignancy": "within_3_years"}).encode()
    status, reply = raw_request(production, chunked(API, body, "application/json", size=7))
    assert status == 200
    expected = assess(load_rules(RULES_PATH), Inputs(age_at_onset=70, malignancy="within_3_years"))
    assert json.loads(reply)["summary"] == expected.summary


def test_the_development_server_refuses_a_chunked_body_over_the_limit(live_server):
    body = json.dumps({"age_at_onset": 70, "pad": "x" * LIMIT}).encode()
    status, _ = raw_request(live_server, chunked(API, body, "application/json"))
    assert status == 413


# --------------------------------------------------------------------------- D4, D9: JSON keys


def post_json(client, text: str):
    return client.post(API, data=text, content_type="application/json")


@pytest.mark.parametrize(
    "text",
    ['{"age_at_onset":"x","age_at_onset":70}', '{"age_at_onset":70,"age_at_onset":70}'],
)
def test_a_key_given_twice_is_a_422_naming_it(client, text):
    response = post_json(client, text)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "age_at_onset"
    assert "given more than once" in error["message"]


def test_each_repeated_key_is_named_once(client):
    text = '{"ild":"present","ild":"absent","myositis":"absent","myositis":"x","ild":"absent"}'
    response = post_json(client, text)
    assert [e["field"] for e in response.get_json()["errors"]] == ["ild", "myositis"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"ild":"present","age_at_onset":70,"ild":"present"}', ["ild"]),
        ('{"age_at_onset":{"a":1,"a":2},"b":[{"c":1,"c":2}]}', ["a", "c"]),
        ('{"b":1,"a":1,"a":2,"b":2,"a":3}', ["a", "b"]),
    ],
)
def test_each_key_repeated_anywhere_is_named_once_as_it_repeats(text, named):
    with pytest.raises(InputError) as caught:
        jsonbody.strict(text.encode())
    assert [e["field"] for e in caught.value.errors] == named


@pytest.mark.parametrize(
    "text",
    [
        '{"a":{"k":1},"b":{"k":1}}',  # the same key in two objects is no repeat
        '[{"a":1,"a":2},',  # not JSON, though a key repeats before it breaks off
        '{"a":1,"a":2',
        "",
    ],
)
def test_a_body_without_a_repeated_key_or_not_json_is_left_to_the_model(text):
    assert jsonbody.strict(text.encode()) == text.encode()


def test_malformed_json_with_a_repeated_key_is_a_400(client):
    response = post_json(client, '[{"age_at_onset":70,"age_at_onset":70},')
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "body"


def test_an_empty_key_gets_its_own_message(client):
    response = post_json(client, '{"":1, "age_at_onset": 70}')
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error == {
        "field": "",
        "message": 'A key is empty: name each answer, like "age_at_onset".',
    }


# --------------------------------------------------------------------------- replies stay small


def test_unknown_keys_are_not_answered_with_every_known_field(client):
    [error] = post_json(client, '{"colour": 1}').get_json()["errors"]
    assert error["message"] == "'colour' is not a known field. The fields are listed at /api."


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({f"k{i}": 1 for i in range(3000)}),  # 27 KB of unknown keys
        json.dumps({"k" * 60000: 1}),
        json.dumps({"anti_jo1": "p" * 60000, "myositis": "q" * 3000}),
        json.dumps({"anti_jo1": [1] * 30000}, separators=(",", ":")),
        json.dumps({"anti_jo1": 2} | {f"k{i}": [1, 2] for i in range(3000)}),
        "{" + ",".join(f'"d{i % 50}":1' for i in range(3000)) + "}",  # 50 keys each given 60 times
    ],
    ids=["many unknown keys", "a long key", "long values", "a long list", "mixed", "repeats"],
)
def test_a_reply_is_never_much_larger_than_its_request(client, text):
    response = post_json(client, text)
    assert response.status_code == 422
    assert len(response.data) <= len(text) + 2048
    errors = response.get_json()["errors"]
    assert len(errors) <= 21


def test_the_cap_says_how_many_problems_were_not_listed(client):
    errors = post_json(client, json.dumps({f"k{i}": 1 for i in range(100)})).get_json()["errors"]
    assert len(errors) == 21
    assert errors[-1] == {"field": "body", "message": "80 more not listed."}
