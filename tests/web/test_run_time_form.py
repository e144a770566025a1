"""The Run time form on a check's page: saving the bounds, its preview sentence, its errors."""
import json

import pytest

from chalicelib.store.models import Check


def url(check, action):
    return f"/checks/{check.code}/{action}/"


def test_the_run_time_rules_are_saved(web, check):
    form = {"min_duration_value": "30", "min_duration_unit": "1", "max_duration_value": "2",
            "max_duration_unit": "3600", "track_runs": "on"}  # fmt: skip
    response = web.post(url(check, "run_time"), form)
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")
    saved = Check.get(check.code)
    assert (saved.min_duration, saved.max_duration, saved.track_runs) == (30, 7200, True)


def test_empty_fields_turn_the_bounds_off(web, check):
    web.post(url(check, "run_time"), {"max_duration_value": "1", "max_duration_unit": "3600"})
    web.post(url(check, "run_time"), {"max_duration_value": "", "max_duration_unit": "3600"})
    saved = Check.get(check.code)
    assert (saved.min_duration, saved.max_duration, saved.track_runs) == (None, None, False)


@pytest.mark.parametrize(
    "form, message",
    [
        ({"max_duration_value": "30", "max_duration_unit": "1"}, "Longest run must be at least 1 minute."),
        ({"max_duration_value": "73", "max_duration_unit": "3600"}, "Longest run must be at most 72 hours."),
        ({"min_duration_value": "ten", "min_duration_unit": "60"}, "Shortest run must be a number."),
        ({"min_duration_value": "2", "min_duration_unit": "3600", "max_duration_value": "1", "max_duration_unit": "3600"},
         "The shortest run must be shorter than the longest."),
    ],
)  # fmt: skip
def test_bad_run_time_rules_are_refused(web, check, form, message):
    response = web.post(url(check, "run_time"), form)
    assert response.status_code == 400
    assert message in response.body.decode()
    assert Check.get(check.code).max_duration is None


def test_the_preview_says_what_will_alert_when(web, check):
    answer = json.loads(web.post(url(check, "run_time_preview"), {"min_duration_value": "1", "min_duration_unit": "60"}).body)
    assert answer == {
        "valid": True,
        "text": "A run (from /start to its success ping) alerts when it takes under 1 min. A started run alerts "
        "when it has not finished 1 h after the latest start (Healthchecks' rule).",
    }


def test_the_preview_says_why_values_are_invalid(web, check):
    answer = json.loads(web.post(url(check, "run_time_preview"), {"max_duration_value": "5", "max_duration_unit": "1"}).body)
    assert answer == {"valid": False, "text": "Longest run must be at least 1 minute."}


def test_the_page_shows_the_rules_in_words(web, check):
    check.update(actions=[Check.track_runs.set(True)])
    page = web.get(f"/checks/{check.code}/details/").body.decode()
    assert "Every run is watched by its run id (rid): one still open 1 h after its start alerts" in page
    assert 'id="run-time-form"' in page


def test_a_read_only_member_sees_the_rules_but_no_form(web, check, make_member):
    web.logout()
    web.login(make_member("r"))
    page = web.get(f"/checks/{check.code}/details/").body.decode()
    assert "Healthchecks&#39; rule" in page and 'id="run-time-form"' not in page
    assert web.post(url(check, "run_time"), {"track_runs": "on"}).status_code == 403
