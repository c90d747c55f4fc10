"""The production command: gunicorn with two workers serves the form end to end."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from . import servers


@pytest.fixture(scope="module")
def gunicorn() -> Iterator[str]:
    """Run the README's production command, without FLASK_SECRET_KEY, on 127.0.0.1."""
    with servers.gunicorn("--timeout", "30", secret_key=None) as url:
        yield url


def test_the_form_works_across_two_workers(gunicorn):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{gunicorn}/", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "age_at_onset": "70"}).encode()
    # Enough requests that both workers answer some of them.
    for _ in range(12):
        with opener.open(f"{gunicorn}/", data=body, timeout=10) as response:
            assert response.status == 200
            assert 'data-present="age_over_60"' in response.read().decode()


def test_debug_is_off_in_production(gunicorn):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{gunicorn}/nowhere", timeout=10)
    with caught.value:
        html = caught.value.read().decode()
    assert caught.value.code == 404
    assert "Traceback" not in html and "Werkzeug Debugger" not in html
