"""Changing a check's schedule, and the cron / OnCalendar previews and validation."""
import re
from datetime import datetime, timedelta, timezone

from chalicelib.checks import checks, flips, schedules
from chalicelib.lib import clock
from chalicelib.store.models import Check, Flip

REAL_NOW = datetime.now(timezone.utc)


def change(web, check, **fields):
    return web.post(f"/checks/{check.code}/timeout/", fields)


def test_simple_schedule_is_saved_and_alert_after_recomputed(web, make_check):
    check = make_check(name="c", status="up", last_ping=REAL_NOW - timedelta(minutes=10))
    response = change(web, check, kind="simple", timeout_value="2", timeout_unit="3600", grace_value="30", grace_unit="60")
    assert response.status_code == 302 and response.headers["Location"] == f"/checks/{check.code}/details/"
    stored = checks.get(check.code)
    assert (stored.kind, stored.timeout, stored.grace) == ("simple", 7200, 1800)
    assert stored.alert_after == check.last_ping + timedelta(seconds=7200 + 1800)


def test_cron_schedule_with_time_zone(web, check):
    change(web, check, kind="cron", schedule="0 9 * * 1-5", tz="Europe/Riga", grace_value="1", grace_unit="3600")
    stored = checks.get(check.code)
    assert (stored.kind, stored.schedule, stored.tz, stored.grace) == ("cron", "0 9 * * 1-5", "Europe/Riga", 3600)


def test_a_legacy_time_zone_name_is_saved_as_its_current_zone(web, check):
    change(web, check, kind="cron", schedule="0 9 * * *", tz="CET", grace_value="1", grace_unit="3600")
    assert checks.get(check.code).tz == "Europe/Brussels"


def test_oncalendar_schedule(web, check):
    change(web, check, kind="oncalendar", schedule="Mon..Fri 09:00", tz="UTC", grace_value="5", grace_unit="60")
    assert (checks.get(check.code).kind, checks.get(check.code).schedule) == ("oncalendar", "Mon..Fri 09:00")


def test_next_is_honoured_only_when_local(web, check):
    form = dict(kind="simple", timeout_value="1", timeout_unit="86400", grace_value="1", grace_unit="3600")
    assert change(web, check, **form, next="/projects/x/checks/?tag=a").headers["Location"] == "/projects/x/checks/?tag=a"
    assert change(web, check, **form, next="//evil.example/").headers["Location"] == f"/checks/{check.code}/details/"


def test_xhr_save_answers_200(web, check):
    response = web.xhr("POST", f"/checks/{check.code}/timeout/", dict(kind="simple", timeout="3600", grace="60"))
    assert response.status_code == 200


def test_invalid_cron_is_refused_and_nothing_changes(web, check):
    response = change(web, check, kind="cron", schedule="every day", tz="UTC", grace_value="1", grace_unit="3600")
    assert response.status_code == 400
    assert "This is not a valid cron expression." in response.body.decode()
    assert checks.get(check.code).kind == "simple"


def test_invalid_schedule_error_is_text_for_xhr(web, check):
    response = web.xhr("POST", f"/checks/{check.code}/timeout/", dict(kind="simple", timeout="30", grace="60"))
    assert (response.status_code, response.body.decode()) == (400, "Period must be at least 1 minute.")


def test_up_check_already_late_under_the_new_schedule_goes_down_silently(web, make_check):
    check = make_check(name="c", status="up", last_ping=REAL_NOW - timedelta(hours=3))
    change(web, check, kind="simple", timeout_value="1", timeout_unit="3600", grace_value="1", grace_unit="60")
    stored = checks.get(check.code)
    assert (stored.status, stored.alert_after) == ("down", None)
    (flip,) = list(Flip.query(check.code))
    assert (flip.old_status, flip.new_status, flip.reason) == ("up", "down", "schedule")
    assert flips.needs_alert(flip) is False


def test_change_schedule_leaves_a_check_in_time_up(check, now):
    check.update(actions=[Check.status.set("up"), Check.last_ping.set(now)])
    checks.change_schedule(checks.get(check.code), {"timeout": 7200}, now + timedelta(minutes=30))
    assert checks.get(check.code).status == "up"
    assert list(Flip.query(check.code)) == []


# -- previews ----------------------------------------------------------------------------------

def preview(web, kind, schedule, tz):
    response = web.post(f"/checks/{kind}_preview/", {"schedule": schedule, "tz": tz})
    assert response.status_code == 200
    return response.body.decode()


def test_cron_preview_describes_and_lists_six_dates_in_the_zone(web, now, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: now)
    body = preview(web, "cron", "0 9 * * *", "Europe/Riga")
    assert 'data-valid="true"' in body and "At 09:00" in body
    local = re.findall(r"<td>([^<]+)</td>", body)
    assert len(local) == 6 and all("09:00 EE" in date for date in local)  # EET or EEST
    expected = schedules.fire_times("cron", "0 9 * * *", "Europe/Riga", now, 1)[0]
    assert expected.isoformat() in body


def test_cron_preview_needs_no_login(anonymous_web, web):
    anonymous_web.cookies["csrftoken"] = "t"
    assert 'data-valid="true"' in preview(anonymous_web, "cron", "*/5 * * * *", "UTC")


def test_cron_preview_marks_an_invalid_expression(web):
    body = preview(web, "cron", "99 * * * *", "UTC")
    assert 'data-valid="false"' in body and "Invalid cron expression" in body


def test_cron_preview_marks_an_unknown_zone(web):
    assert "Invalid time zone" in preview(web, "cron", "0 9 * * *", "Nowhere/City")


def test_oncalendar_preview_six_dates_in_utc_four_elsewhere(web):
    assert preview(web, "oncalendar", "daily", "UTC").count("<tr>") == 6
    assert preview(web, "oncalendar", "daily", "Asia/Tokyo").count("<tr>") == 4


def test_oncalendar_preview_marks_an_invalid_expression(web):
    assert "Invalid OnCalendar expression" in preview(web, "oncalendar", "sometimes", "UTC")


def test_oncalendar_preview_needs_login(anonymous_web):
    anonymous_web.cookies["csrftoken"] = "t"
    response = anonymous_web.post("/checks/oncalendar_preview/", {"schedule": "daily", "tz": "UTC"})
    assert response.status_code == 403


def test_validate_schedule(anonymous_web, aws):
    def result(kind, schedule):
        return anonymous_web.get("/checks/validate_schedule/", {"kind": kind, "schedule": schedule}).json_body

    assert result("cron", "0 9 * * *") == {"result": True}
    assert result("cron", "0 9 * *") == {"result": False}
    assert result("oncalendar", "Mon 09:00") == {"result": True}
    assert result("oncalendar", "nope") == {"result": False}
    assert result("weekly", "0 9 * * *") == {"result": False}
