"""Every limit of the create/update JSON answers 400 naming the field (reference §3.6)."""
import json

import pytest

from chalicelib.checks import checks


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"name": "x" * 101}, "name is too long"),
        ({"name": 5}, "name is not a string"),
        ({"name": None}, "name is not a string"),
        ({"slug": "Has Spaces"}, "slug does not match pattern"),
        ({"tags": ["a"]}, "tags is not a string"),
        ({"desc": 1.5}, "desc is not a string"),
        ({"timeout": 59}, "timeout is too small"),
        ({"timeout": 31536001}, "timeout is too large"),
        ({"timeout": 3600.0}, "timeout is not a number"),
        ({"timeout": "3600"}, "timeout is not a number"),
        ({"timeout": True}, "timeout is not a number"),
        ({"grace": 0}, "grace is too small"),
        ({"grace": None}, "grace is not a number"),
        ({"schedule": "* * * *"}, "schedule is not a valid cron or OnCalendar expression"),
        ({"schedule": "61 * * * *"}, "schedule is not a valid cron or OnCalendar expression"),
        ({"schedule": "0 0 0 * * *"}, "schedule is not a valid cron or OnCalendar expression"),
        ({"schedule": "Mon..Fry 12:00"}, "schedule is not a valid cron or OnCalendar expression"),
        ({"schedule": "x" * 101}, "schedule is too long"),
        ({"tz": "Mars/Base"}, "tz is not a valid timezone"),
        ({"tz": 3}, "tz is not a string"),
        ({"manual_resume": "yes"}, "manual_resume is not a boolean"),
        ({"filter_http_body": 1}, "filter_http_body is not a boolean"),
        ({"methods": "GET"}, "methods has unexpected value"),
        ({"success_kw": "k" * 201}, "success_kw is too long"),
        ({"subject": "s" * 201}, "subject is too long"),
        ({"channels": 5}, "channels is not a string"),
        ({"unique": "name"}, "unique is not an array"),
        ({"unique": ["desc"]}, "an item in 'unique' has unexpected value"),
    ],
)
def test_invalid_field_is_400_naming_it(api, payload, message):
    response = api("POST", "/api/v3/checks/", payload)
    assert response.status_code == 400
    assert json.loads(response.body) == {"error": f"json validation error: {message}"}


def test_invalid_update_changes_nothing(api, check):
    response = api("POST", f"/api/v3/checks/{check.code}", {"name": "new", "timeout": 1})
    assert response.status_code == 400
    assert checks.get(check.code).name == "Backups"


def test_unknown_fields_are_ignored(api):
    assert api("POST", "/api/v3/checks/", {"name": "ok", "colour": "blue"}).status_code == 201


@pytest.mark.parametrize("value", [60, 31536000])
def test_bounds_are_inclusive(api, value):
    assert api("POST", "/api/v3/checks/", {"timeout": value, "grace": value}).status_code == 201


@pytest.mark.parametrize("path", ["not-a-uuid", "8E3A5F12-7B7C-4A5E-9A0D-3C8B9F0E1A2B", "x" * 40])
def test_malformed_check_ids_are_404(api, aws, path):
    assert api("GET", f"/api/v3/checks/{path}").status_code == 404
    assert api("POST", f"/api/v3/checks/{path}", {}).status_code == 404
