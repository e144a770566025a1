"""Failure and recovery thresholds: down on the Nth failure in a row, up on the Mth success in a row."""
from datetime import timedelta

import pytest

from chalicelib.checks import checks, sweep, thresholds
from chalicelib.pings import intake
from chalicelib.store.models import Flip

MINUTE = timedelta(minutes=1)


def _flips(check):
    return [(f.old_status, f.new_status, f.reason, f.detail) for f in Flip.query(check.code)]


def test_a_check_with_threshold_3_stays_up_through_two_failures(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=3)
    ping(check, now)
    ping(check, now + MINUTE, "fail")
    ping(check, now + 2 * MINUTE, "1")  # a nonzero exit status is a failure too
    assert checks.get(check.code).status == "up"
    assert _flips(check) == [("new", "up", "", None)]


def test_the_third_failure_in_a_row_sends_it_down_with_the_count_in_the_flip(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=3)
    ping(check, now)
    for minutes in (1, 2, 3):
        ping(check, now + minutes * MINUTE, "fail")
    assert checks.get(check.code).status == "down"
    assert _flips(check)[-1] == ("up", "down", "fail", "3 failures in a row (threshold 3)")


def test_a_success_between_failures_starts_the_count_again(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=2)
    ping(check, now, "fail")
    ping(check, now + MINUTE)
    ping(check, now + 2 * MINUTE, "fail")
    assert checks.get(check.code).status == "up"
    assert checks.get(check.code).fail_streak == 1


def test_a_down_check_with_recovery_threshold_2_needs_two_successes(make_check, ping, now):
    check = make_check(name="flaky", recovery_threshold=2)
    ping(check, now, "fail")
    ping(check, now + MINUTE)
    assert checks.get(check.code).status == "down"
    ping(check, now + 2 * MINUTE)
    assert checks.get(check.code).status == "up"
    assert _flips(check)[-1] == ("down", "up", "", "2 successes in a row (threshold 2)")


def test_a_failure_while_recovering_starts_the_recovery_count_again(make_check, ping, now):
    check = make_check(name="flaky", recovery_threshold=2)
    ping(check, now, "fail")
    ping(check, now + MINUTE)
    ping(check, now + 2 * MINUTE, "fail")
    ping(check, now + 3 * MINUTE)
    assert checks.get(check.code).status == "down"


def test_default_thresholds_keep_healthchecks_rules_and_write_no_counts(check, ping, now):
    ping(check, now, "fail")
    ping(check, now + MINUTE)
    stored = checks.get(check.code)
    assert stored.status == "up" and stored.fail_streak is None and stored.ok_streak is None
    assert [f[3] for f in _flips(check)] == [None, None]


def test_a_missed_deadline_sends_a_failing_check_down_at_once(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=3, timeout=3600, grace=600)
    ping(check, now, "fail")
    assert sweep.sweep_once(now + timedelta(seconds=4200)) == 1
    stored = checks.get(check.code)
    assert (stored.status, stored.fail_streak) == ("down", None)
    assert _flips(check)[-1][:3] == ("up", "down", "timeout")


def test_the_dashboard_words_for_a_count_under_way(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=3, recovery_threshold=2)
    ping(check, now, "fail")
    ping(check, now + MINUTE, "fail")
    assert thresholds.progress(checks.get(check.code)) == "failing, 2 of 3"
    ping(check, now + 2 * MINUTE, "fail")
    ping(check, now + 3 * MINUTE)
    assert thresholds.progress(checks.get(check.code)) == "recovering, 1 of 2"


def test_a_failure_decided_on_a_stale_count_is_counted_again(make_check, ping, now):
    """Two racing failures of a threshold-2 check: the one that lost re-reads the count and sends it down, once."""
    check = make_check(name="flaky", failure_threshold=2)
    ping(check, now)
    stale = checks.get(check.code)  # fail_streak absent
    ping(check, now + MINUTE, "fail")  # fail_streak 1
    request = intake.PingRequest(method="GET", scheme="http", remote_addr="10.0.0.1", ua="curl/8", body=b"")
    intake.record(stale, "fail", request, now + 2 * MINUTE)
    assert checks.get(check.code).status == "down"
    assert [f[1] for f in _flips(check)] == ["up", "down"]


def test_pausing_forgets_the_count(make_check, ping, now):
    check = make_check(name="flaky", failure_threshold=2)
    ping(check, now, "fail")
    checks.pause(checks.get(check.code), now + MINUTE)
    ping(check, now + 2 * MINUTE, "fail")
    assert checks.get(check.code).status == "up"


@pytest.mark.slow
def test_parallel_failures_send_a_threshold_check_down_exactly_once(dynamodb_local, wall_now):
    """Ten failures at once on the real engine: each counted once, one flip to down, on the 3rd."""
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.accounts import projects

    project = projects.create_project("Race", wall_now).project
    check = checks.create_check(project, wall_now, name="flaky", failure_threshold=3, status="up", last_ping=wall_now)
    request = intake.PingRequest(method="GET", scheme="http", remote_addr="10.0.0.1", ua="t", body=b"")
    times = [wall_now + timedelta(milliseconds=i) for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda t: intake.handle(intake.Target(code=check.code, action="fail"), request, t).text, times))
    assert answers == ["OK"] * 10
    stored = checks.get(check.code)
    assert (stored.status, stored.n_pings, stored.fail_streak) == ("down", 10, None)
    assert [(f.old_status, f.new_status, f.detail) for f in Flip.query(check.code)] == [
        ("up", "down", "3 failures in a row (threshold 3)")
    ]
