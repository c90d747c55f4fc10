"""The CSRF token travels masked afresh in every response, so compression cannot leak it (BREACH).

nginx compresses pages (deploy/nginx.conf); a page re-rendered after a bad post shows the
posted answers beside the token. Masked, the token's bytes differ in every response, and an
attacker who guesses them learns nothing from the compressed size.
"""

from __future__ import annotations

import base64
import re

import pytest
from wtforms.validators import ValidationError

from calculator.web.forms import mask_token, unmask_token

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')
EXPIRED = "The form had expired"


def tokens(html: str) -> list[str]:
    """Return every CSRF token a page carries (the form's and the csrf macro's)."""
    return TOKEN.findall(html)


def first_token(client) -> str:
    found = tokens(client.get("/").get_data(as_text=True))
    assert found
    return found[0]


def session_token(client) -> str:
    """Return the unmasked token Flask-WTF keeps in the session."""
    with client.session_transaction() as session:
        return session["csrf_token"]


@pytest.mark.parametrize(
    "token",
    ["a", "abc.def", "IjQwIg.ZZ.sig", "x" * 40, "0123456789abcdef" * 4, "é" * 8, "A" * 120],
)
def test_mask_and_unmask_are_inverse(token):
    if not token.isascii():
        with pytest.raises(UnicodeEncodeError):
            mask_token(token)
        return
    masked = mask_token(token)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", masked)
    assert unmask_token(masked) == token


def test_the_same_token_is_masked_differently_each_time():
    masked = {mask_token("IjQwaGV4Ig.ZZ.signature") for _ in range(50)}
    assert len(masked) == 50


def test_two_renders_of_the_form_carry_different_tokens_and_both_work(csrf_app):
    client = csrf_app.test_client()
    first, second = first_token(client), first_token(client)
    assert first != second
    raw = session_token(client)
    assert unmask_token(first).split(".")[0] == unmask_token(second).split(".")[0]
    for token in (first, second):
        response = client.post("/", data={"csrf_token": token, "age_at_onset": "70"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        page = response.get_data(as_text=True)
        assert 'data-present="age_over_60"' in page
        assert raw not in page


def test_a_result_page_carries_only_masked_tokens(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/", data={"csrf_token": first_token(client), "age_at_onset": "70"})
    page = response.get_data(as_text=True)
    found = tokens(page)
    assert len(found) >= 2  # the result page's own forms: change, what-if...
    raw = session_token(client)
    signed_payload = unmask_token(found[0]).split(".")[0]
    assert raw not in page
    assert signed_payload not in page  # the signed token's constant part never shows
    for token in found:
        again = client.post("/", data={"csrf_token": token, "age_at_onset": "70"})
        assert again.status_code == 200


def test_the_comparison_takes_the_masked_token_of_a_what_if_page(csrf_app):
    client = csrf_app.test_client()
    body = {"csrf_token": first_token(client), "age_at_onset": "70", "what_if": "ild=present"}
    page = client.post("/", data=body).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/compare"[^>]*>(.*?)</form>', page, re.S)
    assert form, "the what-if page has a compare form"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))
    response = client.post("/compare", data=fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_a_masked_token_from_another_session_is_refused(csrf_app):
    theirs = first_token(csrf_app.test_client())
    client = csrf_app.test_client()
    first_token(client)  # this session has a token of its own
    response = client.post("/", data={"csrf_token": theirs, "age_at_onset": "70"})
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)


def flip(token: str, index: int) -> str:
    """Change one character of a base64url string to another of the alphabet."""
    char = "A" if token[index] != "A" else "B"
    return token[:index] + char + token[index + 1 :]


def garbage(good: str, raw_signed: str) -> dict[str, str]:
    data = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4))
    half = len(data) // 2
    return {
        "empty": "",
        "space": " ",
        "one character": "A",
        "wrong length by one": good[:-1],
        "one character longer": good + "A",
        "odd number of bytes": base64.urlsafe_b64encode(data[:-1]).decode().rstrip("="),
        "only the pad": base64.urlsafe_b64encode(data[:half]).decode().rstrip("="),
        "a flipped character at the start": flip(good, 0),
        # A flip near the middle or the end can land on the last character of the token's
        # signature, whose spare base64 bits itsdangerous ignores: an equivalent token, rightly
        # accepted. These two land well inside the pad and inside the masked token instead.
        "a flipped character in the pad": flip(good, len(good) // 4),
        "a flipped character in the masked token": flip(good, len(good) * 3 // 4),
        "with padding": good + "=" * (-len(good) % 4 or 4),
        "standard base64": base64.b64encode(data).decode(),
        "not base64": "!!not*base64!!",
        "non-ascii": "é" * 40,
        "a null byte": good[:10] + "\x00" + good[11:],
        "the unmasked token": raw_signed,
        "very long": "A" * 100_000,
        "not the token's length": base64.urlsafe_b64encode(bytes(200)).decode(),
        "zeros of the right length": base64.urlsafe_b64encode(bytes(len(data))).decode(),
        "the old default token": "IjQwIg.ZZ.sig",
    }


def test_garbage_tokens_give_the_expired_form_message_never_a_500(csrf_app):
    client = csrf_app.test_client()
    good = first_token(client)
    raw_signed = unmask_token(good)
    for name, token in garbage(good, raw_signed).items():
        response = client.post("/", data={"csrf_token": token, "age_at_onset": "70"})
        page = response.get_data(as_text=True)
        assert response.status_code in (400, 413), name
        if response.status_code == 400:
            assert EXPIRED in page, name
            assert 'value="70"' not in page, name  # answers without a token are never echoed
    assert client.post("/", data={"csrf_token": good, "age_at_onset": "70"}).status_code == 200


def test_a_token_posted_twice_or_missing_gives_the_expired_form_message(csrf_app):
    client = csrf_app.test_client()
    good = first_token(client)
    both = client.post("/", data={"csrf_token": ["", good], "age_at_onset": "70"})
    assert both.status_code == 400  # a repeated field is refused before the form sees it
    missing = client.post("/", data={"age_at_onset": "70"})
    assert missing.status_code == 400
    assert EXPIRED in missing.get_data(as_text=True)


@pytest.mark.parametrize("value", [None, 7, ["a"], {"a": 1}, b"abc", ""])
def test_unmask_refuses_anything_but_a_masked_string(value):
    with pytest.raises(ValidationError):
        unmask_token(value)
