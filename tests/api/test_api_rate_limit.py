"""API_RATE_LIMIT: calls per API key per minute, a token bucket per key, 429 with Retry-After."""
from datetime import timedelta

import pytest

from chalicelib import settings


@pytest.fixture
def clock(monkeypatch, now):
    """The app's clock, fixed at `now` until the test moves it: clock(seconds later)."""
    from chalicelib.lib import clock as app_clock

    def move(seconds=0):
        monkeypatch.setattr(app_clock, "now", lambda: now + timedelta(seconds=seconds))

    move()
    monkeypatch.setattr(settings, "API_RATE_LIMIT", 2)
    return move


@pytest.mark.parametrize("version", ["v1", "v3"])
def test_key_over_its_limit_gets_429_with_retry_after(api, clock, version):
    for _ in range(2):
        assert api("GET", f"/api/{version}/checks/").status_code == 200
    response = api("GET", f"/api/{version}/checks/")
    assert response.status_code == 429
    assert response.json_body == {"error": "rate limit exceeded, try again later"}
    assert 30 <= int(response.headers["Retry-After"]) <= 31  # half a minute refills one of two calls


@pytest.mark.parametrize("version", ["v1", "v3"])
def test_limited_write_changes_nothing(api, clock, check, version):
    for _ in range(2):
        api("GET", f"/api/{version}/checks/")
    response = api("POST", f"/api/{version}/checks/{check.code}", {"name": "Renamed"})
    assert response.status_code == 429
    assert api("GET", f"/api/{version}/checks/", key="ro").json_body["checks"][0]["name"] == "Backups"


def test_each_key_has_its_own_bucket(api, clock):
    for _ in range(3):
        api("GET", "/api/v3/checks/")
    assert api("GET", "/api/v3/checks/", key="ro").status_code == 200


def test_calls_are_allowed_again_once_the_bucket_refills(api, clock):
    for _ in range(3):
        api("GET", "/api/v3/checks/")
    clock(31)
    assert api("GET", "/api/v3/checks/").status_code == 200
