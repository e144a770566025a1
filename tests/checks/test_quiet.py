"""Quiet windows and snoozes: a check that goes down in one sends no down alert; the alert is held
to the quiet time's end and sent then only if the check is still down."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.alerts import delivery
from chalicelib.checks import checks, quiet, sweep
from chalicelib.store.models import Flip, Project

UTC = timezone.utc
# now is Thursday 2026-01-15 12:00 UTC, 14:00 in Riga: this window is 14:00-15:30 Riga time.
RIGA_AFTERNOON = {"schedule": "0 14 * * *", "duration": 5400, "tz": "Europe/Riga"}
WINDOW_END = datetime(2026, 1, 15, 13, 30, tzinfo=UTC)


@pytest.fixture
def hourly(make_check, webhook, ping, now):
    """An hourly check (10 min grace) pinged an hour ago, due at 12:10 UTC, alerting by webhook."""
    def make(**fields):
        check = make_check(name="hourly", timeout=3600, grace=600, **fields)
        webhook()
        ping(check, now - timedelta(hours=1))
        return check

    return make


def deliver_all(check):
    return sum(len(delivery.deliver(flip, sleep=lambda s: None)) for flip in Flip.query(check.code))


def released_record(check):
    """The stream's MODIFY record of the check's latest flip, as it is stored now."""
    flip = list(Flip.query(check.code))[-1]
    return {"eventName": "MODIFY", "dynamodb": {"NewImage": flip.serialize()}}


def test_a_window_covers_its_fires_for_its_duration_in_its_zone(now):
    assert quiet.window_end(RIGA_AFTERNOON, now) == WINDOW_END
    assert quiet.window_end(RIGA_AFTERNOON, WINDOW_END) is None
    assert quiet.window_end(RIGA_AFTERNOON, now - timedelta(seconds=1)) is None


def test_overlapping_fires_make_one_quiet_time(now):
    every_hour_for_90_min = {"schedule": "0 * * * *", "duration": 5400, "tz": "UTC"}
    assert quiet.window_end(every_hour_for_90_min, now) is not None
    assert quiet.window_end(every_hour_for_90_min, now) > now + timedelta(days=1)


def test_an_oncalendar_window(now):
    saturday_night = {"schedule": "Sat *-*-* 02:00", "duration": 3600, "tz": "UTC"}
    assert quiet.window_end(saturday_night, datetime(2026, 1, 17, 2, 30, tzinfo=UTC)) == datetime(2026, 1, 17, 3, 0, tzinfo=UTC)
    assert quiet.window_end(saturday_night, now) is None


@pytest.mark.parametrize("windows, problem", [
    ("0 2 * * *", "is not an array"),
    ([{"schedule": "0 2 * *", "duration": 600}], "window 1: schedule is not a valid cron or OnCalendar expression"),
    ([{"schedule": "0 2 * * *", "duration": 30}], "window 1: duration must be an integer of seconds from 60 to 604800"),
    ([{"schedule": "0 2 * * *", "duration": 600, "tz": "Mars/Olympus"}], "window 1: tz is not a valid timezone"),
    ([{"duration": 600}], "window 1 needs a schedule (a cron or OnCalendar expression)"),
])  # fmt: skip
def test_bad_windows_are_refused_with_the_reason(windows, problem):
    with pytest.raises(ValueError, match=f"^{problem.replace('(', '.').replace(')', '.')}$"):
        quiet.validate_windows(windows)


def test_a_check_down_in_its_window_sends_no_alert_and_says_why(hourly, recorder, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    assert deliver_all(check) == 0
    flip = list(Flip.query(check.code))[-1]
    assert flip.detail == "success signal did not arrive on time — in a quiet window (until 15:30 Europe/Riga)"
    assert checks.get(check.code).alert_after == WINDOW_END  # when the sweep looks again
    assert recorder.requests == []


def test_a_check_still_down_when_the_window_ends_alerts_then(hourly, recorder, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    assert sweep.sweep_once(WINDOW_END - timedelta(seconds=1)) == 0
    assert sweep.sweep_once(WINDOW_END) == 1
    assert delivery.handle_stream_records([released_record(check)], sleep=lambda s: None) == 1
    assert [r.path for r in recorder.requests] == ["/down"]
    flip = list(Flip.query(check.code))[-1]
    assert flip.detail == "success signal did not arrive on time — still down after a quiet window (until 15:30 Europe/Riga)"
    assert checks.get(check.code).alert_after is None


def test_a_check_back_up_before_the_window_ends_sends_neither_alert(hourly, recorder, ping, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    ping(check, now + timedelta(minutes=30))
    deliver_all(check)
    assert sweep.sweep_once(WINDOW_END) == 0
    assert recorder.requests == []
    assert checks.get(check.code).alert_held_until is None


def test_a_failure_in_the_window_is_held_as_a_timeout_is(hourly, recorder, ping, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    ping(check, now + timedelta(minutes=5), "fail")
    assert deliver_all(check) == 0
    assert list(Flip.query(check.code))[-1].detail == "received a failure signal — in a quiet window (until 15:30 Europe/Riga)"


def test_a_down_check_pinged_with_a_failure_keeps_its_held_alert(hourly, ping, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    ping(check, now + timedelta(minutes=5), "fail")
    deliver_all(check)
    ping(check, now + timedelta(minutes=6), "fail")
    assert checks.get(check.code).alert_after == WINDOW_END


def test_a_project_window_holds_the_alerts_of_every_check(hourly, project, recorder, now):
    project.update(actions=[Project.quiet_windows.set(quiet.stored([RIGA_AFTERNOON]))])
    check = hourly()
    sweep.sweep_once(now + timedelta(minutes=10))
    assert deliver_all(check) == 0
    assert "a project quiet window (until 15:30 Europe/Riga)" in list(Flip.query(check.code))[-1].detail


def test_outside_any_window_the_alert_goes_at_once(hourly, recorder, now):
    check = hourly(quiet_windows=quiet.stored([{"schedule": "0 3 * * *", "duration": 600, "tz": "UTC"}]))
    sweep.sweep_once(now + timedelta(minutes=10))
    assert deliver_all(check) == 1


def test_a_snoozed_check_holds_its_alert_until_the_snooze_ends(hourly, recorder, now):
    check = hourly()
    quiet.snooze_for(check, 60, now)
    sweep.sweep_once(now + timedelta(minutes=10))
    assert deliver_all(check) == 0
    assert list(Flip.query(check.code))[-1].detail == "success signal did not arrive on time — in a snooze (until 13:00 UTC)"
    assert sweep.sweep_once(now + timedelta(minutes=60)) == 1


def test_ending_a_snooze_lets_the_held_alert_go_at_the_next_sweep(hourly, recorder, now):
    check = hourly()
    quiet.snooze_for(check, 600, now)
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    quiet.snooze_for(checks.get(check.code), 0, now + timedelta(minutes=20))
    assert checks.get(check.code).snoozed_until is None
    assert sweep.sweep_once(now + timedelta(minutes=20)) == 1


def test_a_snooze_that_outlasts_the_window_holds_on(hourly, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    quiet.snooze_for(checks.get(check.code), 180, now + timedelta(minutes=20))
    assert sweep.sweep_once(WINDOW_END) == 0
    assert checks.get(check.code).alert_after == now + timedelta(minutes=200)


def test_two_sweeps_releasing_one_held_alert_release_it_once(hourly, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    rows = list(sweep.due_checks(WINDOW_END))
    assert [quiet.release(row, WINDOW_END) for row in rows + rows] == [True, False]


def test_a_repeated_stream_record_holds_the_flip_once(hourly, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": list(Flip.query(check.code))[-1].serialize()}}
    assert delivery.handle_stream_records([record, record], sleep=lambda s: None) == 0
    assert list(Flip.query(check.code))[-1].detail.count("quiet window") == 1


def test_removing_the_window_lets_a_held_alert_go_at_the_next_sweep(hourly, now):
    check = hourly(quiet_windows=quiet.stored([RIGA_AFTERNOON]))
    sweep.sweep_once(now + timedelta(minutes=10))
    deliver_all(check)
    later = now + timedelta(minutes=20)
    quiet.reconsider(checks.update_config(checks.get(check.code), {"quiet_windows": None}, later), later)
    assert sweep.sweep_once(later) == 1
    assert list(Flip.query(check.code))[-1].released == later
