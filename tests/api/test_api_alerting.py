"""API v3's extension fields: failure_threshold, recovery_threshold, quiet_windows, snoozed_until."""
import json
from datetime import timedelta

import pytest

from chalicelib.checks import checks, quiet, sweep
from chalicelib.store.models import Flip

WINDOW = {"schedule": "0 2 * * 6", "duration": 5400, "tz": "Europe/Riga"}


@pytest.fixture(autouse=True)
def app_clock(monkeypatch, now):
    """The API judges status and snoozes by its clock: fixed at the tests' `now`."""
    from chalicelib.lib import clock

    monkeypatch.setattr(clock, "now", lambda: now)


def body(response):
    return json.loads(response.body)


def test_a_check_created_with_thresholds_and_a_window_shows_them(api):
    response = api("POST", "/api/v3/checks/", {"name": "flaky", "failure_threshold": 3, "recovery_threshold": 2,
                                                "quiet_windows": [WINDOW]})  # fmt: skip
    assert response.status_code == 201
    created = body(response)
    assert (created["failure_threshold"], created["recovery_threshold"], created["quiet_windows"]) == (3, 2, [WINDOW])
    assert created["snoozed_until"] is None


def test_the_defaults_are_healthchecks_rules(api, check):
    shown = body(api("GET", f"/api/v3/checks/{check.code}"))
    assert (shown["failure_threshold"], shown["recovery_threshold"], shown["quiet_windows"]) == (1, 1, [])


def test_a_threshold_set_through_the_api_holds_the_first_failure(api, check, ping, now):
    api("POST", f"/api/v3/checks/{check.code}", {"failure_threshold": 2})
    ping(check, now, "fail")
    assert body(api("GET", f"/api/v3/checks/{check.code}"))["status"] == "up"
    ping(check, now + timedelta(minutes=1), "fail")
    assert body(api("GET", f"/api/v3/checks/{check.code}"))["status"] == "down"
    assert sorted(f["up"] for f in body(api("GET", f"/api/v3/checks/{check.code}/flips/"))["flips"]) == [0, 1]


def test_setting_a_threshold_back_to_1_stores_nothing(api, check):
    api("POST", f"/api/v3/checks/{check.code}", {"failure_threshold": 4})
    api("POST", f"/api/v3/checks/{check.code}", {"failure_threshold": 1})
    assert checks.get(check.code).failure_threshold is None


def test_snoozed_until_snoozes_and_null_ends_it(api, check, now):
    until = (now + timedelta(hours=2)).isoformat()
    shown = body(api("POST", f"/api/v3/checks/{check.code}", {"snoozed_until": until}))
    assert shown["snoozed_until"] == until
    assert body(api("POST", f"/api/v3/checks/{check.code}", {"snoozed_until": None}))["snoozed_until"] is None


def test_a_window_set_through_the_api_holds_a_down_alert(api, make_check, webhook, ping, now):
    check = make_check(name="hourly", timeout=3600, grace=600)
    webhook()
    riga_afternoon = {"schedule": "0 14 * * *", "duration": 5400, "tz": "Europe/Riga"}  # now is 14:00 there
    api("POST", f"/api/v3/checks/{check.code}", {"quiet_windows": [riga_afternoon]})
    ping(check, now - timedelta(hours=1))
    sweep.sweep_once(now + timedelta(minutes=10))
    from chalicelib.alerts import delivery

    assert delivery.deliver(list(Flip.query(check.code))[-1], sleep=lambda s: None) == []
    assert checks.get(check.code).alert_held_until is not None


@pytest.mark.parametrize("field, value, message", [
    ("failure_threshold", 0, "failure_threshold is too small"),
    ("failure_threshold", 101, "failure_threshold is too large"),
    ("recovery_threshold", "2", "recovery_threshold is not a number"),
    ("quiet_windows", {"schedule": "0 2 * * *"}, "quiet_windows is not an array"),
    ("quiet_windows", [{"schedule": "0 2 * * *", "duration": 600, "tz": "Nowhere"}], "quiet_windows window 1: tz is not a valid timezone"),
    ("snoozed_until", "tomorrow", "snoozed_until is not an ISO 8601 date-time"),
    ("snoozed_until", "2026-01-15T14:00:00", "snoozed_until has no UTC offset"),
])  # fmt: skip
def test_bad_extension_values_are_a_400_naming_the_field(api, check, field, value, message):
    response = api("POST", f"/api/v3/checks/{check.code}", {field: value})
    assert (response.status_code, body(response)) == (400, {"error": f"json validation error: {message}"})


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_v1_and_v2_neither_show_nor_read_the_extensions(api, check, version):
    response = api("POST", f"/api/{version}/checks/{check.code}", {"failure_threshold": 0, "quiet_windows": "x"})
    assert response.status_code == 200
    assert not {"failure_threshold", "recovery_threshold", "quiet_windows", "snoozed_until"} & set(body(response))
    assert checks.get(check.code).failure_threshold is None


def test_the_document_marks_the_extensions(api):
    from chalicelib.api import openapi

    properties = openapi.document("v3")["components"]["schemas"]["CheckSpec"]["properties"]
    assert all(properties[name]["x-extension"] for name in ("failure_threshold", "recovery_threshold", "quiet_windows", "snoozed_until"))
    assert quiet.MAX_DURATION == openapi.document("v3")["components"]["schemas"]["QuietWindow"]["properties"]["duration"]["maximum"]
