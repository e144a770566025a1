"""The dashboard's alerting rules: thresholds, quiet windows (the check's and the project's), snoozes, the preview."""
from datetime import datetime, timedelta, timezone

from chalicelib.checks import checks, quiet
from chalicelib.store.models import Project

REAL_NOW = datetime.now(timezone.utc)  # the dashboard reads the wall clock
RULES = {"failure_threshold": "3", "recovery_threshold": "2", "quiet_windows": "0 2 * * 6 | 90m | Europe/Riga"}


def test_saving_the_rules_stores_thresholds_and_windows(web, check):
    response = web.post(f"/checks/{check.code}/alerting/", RULES)
    assert response.status_code == 302
    stored = checks.get(check.code)
    assert (stored.failure_threshold, stored.recovery_threshold) == (3, 2)
    assert quiet.loaded(stored.quiet_windows) == [{"schedule": "0 2 * * 6", "duration": 5400, "tz": "Europe/Riga"}]


def test_thresholds_of_1_and_no_windows_store_nothing(web, make_check):
    check = make_check(name="c", failure_threshold=3, quiet_windows=quiet.stored([{"schedule": "0 2 * * 6", "duration": 600, "tz": "UTC"}]))
    web.post(f"/checks/{check.code}/alerting/", {"failure_threshold": "1", "recovery_threshold": "1", "quiet_windows": ""})
    stored = checks.get(check.code)
    assert (stored.failure_threshold, stored.quiet_windows) == (None, None)


def test_a_bad_threshold_is_a_form_error(web, check):
    response = web.xhr("POST", f"/checks/{check.code}/alerting/", {**RULES, "failure_threshold": "0"})
    assert response.status_code == 400
    assert "Failures in a row must be a whole number from 1 to 100." in response.body.decode()


def test_a_bad_window_line_is_a_form_error(web, check):
    response = web.xhr("POST", f"/checks/{check.code}/alerting/", {**RULES, "quiet_windows": "0 2 * * 6 | soon"})
    assert response.status_code == 400
    assert "Line 1: the duration is a whole number of minutes" in response.body.decode()


def test_the_preview_says_what_alerts_when(web, check):
    html = web.post(f"/checks/{check.code}/alerting_preview/", RULES).body.decode()
    assert "Goes down on the 3rd failure in a row, and back up on the 2nd success in a row." in html
    assert "Europe/Riga" in html and "alerts at" in html and 'data-valid="true"' in html


def test_the_preview_includes_the_projects_windows(web, project, check):
    quiet.set_project_windows(project, [{"schedule": "30 4 * * *", "duration": 600, "tz": "UTC"}])
    html = web.post(f"/checks/{check.code}/alerting_preview/", {**RULES, "quiet_windows": ""}).body.decode()
    assert "the project" in html and "04:40 UTC" in html


def test_the_preview_of_a_bad_window_is_invalid(web, check):
    html = web.post(f"/checks/{check.code}/alerting_preview/", {**RULES, "quiet_windows": "every night | 1h"}).body.decode()
    assert 'data-valid="false"' in html and "not a valid cron or OnCalendar expression" in html


def test_the_snooze_buttons_snooze_and_end_it(web, check):
    web.post(f"/checks/{check.code}/snooze/", {"minutes": "60"})
    assert checks.get(check.code).snoozed_until > REAL_NOW + timedelta(minutes=59)
    page = web.get(f"/checks/{check.code}/details/").body.decode()
    assert "Alerts are snoozed until" in page and 'id="snooze-end"' in page
    web.post(f"/checks/{check.code}/snooze/", {"minutes": "0"})
    assert checks.get(check.code).snoozed_until is None


def test_a_bad_snooze_is_refused(web, check):
    assert web.post(f"/checks/{check.code}/snooze/", {"minutes": "soon"}).status_code == 400


def test_the_details_page_shows_a_count_under_way(web, make_check, ping):
    check = make_check(name="flaky", failure_threshold=3)
    ping(check, REAL_NOW, "fail")
    ping(check, REAL_NOW, "fail")
    assert "failing, 2 of 3" in web.get(f"/checks/{check.code}/details/").body.decode()


def test_a_read_only_member_cannot_change_the_rules(web, check, make_member):
    web.logout().login(make_member("r"))
    assert web.post(f"/checks/{check.code}/alerting/", RULES).status_code == 403
    assert web.post(f"/checks/{check.code}/snooze/", {"minutes": "60"}).status_code == 403


def test_the_project_settings_save_its_quiet_windows(web, project):
    response = web.post(f"/projects/{project.code}/settings/", {"set_quiet_windows": "1", "quiet_windows": "0 3 * * * | 1h | UTC"})
    assert response.status_code == 302
    assert quiet.loaded(Project.get(project.code).quiet_windows) == [{"schedule": "0 3 * * *", "duration": 3600, "tz": "UTC"}]
    assert "0 3 * * * | 1h | UTC" in web.get(f"/projects/{project.code}/settings/").body.decode()


def test_bad_project_windows_are_shown_on_the_settings_page(web, project):
    response = web.post(f"/projects/{project.code}/settings/", {"set_quiet_windows": "1", "quiet_windows": "0 3 * * * | 1h | Atlantis"})
    assert response.status_code == 400
    assert "Window 1: tz is not a valid timezone." in response.body.decode()
