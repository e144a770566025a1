"""Run-time bounds (min_duration, max_duration) and per-run deadlines (track_runs), through the
ping path and the sweep."""
import threading
from datetime import timedelta

import pytest

from chalicelib.checks import checks, run_bounds, schedules, sweep
from chalicelib.store.models import Check, Flip

RUN_A = "aaaaaaaa-1111-4111-8111-111111111111"
RUN_B = "bbbbbbbb-2222-4222-8222-222222222222"
HOUR = timedelta(hours=1)


def last_flip(check):
    flips = list(Flip.query(check.code))
    return flips[-1] if flips else None


def downs(check):
    return [(f.created, f.detail) for f in Flip.query(check.code) if f.new_status == "down"]


def run(ping, check, started, seconds, rid=None):
    """A /start at `started` and its success `seconds` later."""
    query = {"rid": rid} if rid else None
    ping(check, started, "start", query=query)
    ping(check, started + timedelta(seconds=seconds), query=query)


@pytest.fixture
def up_check(make_check, ping, now):
    """A daily check, up since an hour before now."""

    def make(**fields):
        check = make_check(name="Backups", **fields)
        ping(check, now - HOUR)
        return check

    return make


# -- too short ------------------------------------------------------------------------------------


def test_a_success_shorter_than_min_duration_sends_the_check_down(up_check, ping, now):
    check = up_check(min_duration=60)
    run(ping, check, now, 12)
    assert checks.get(check.code).status == "down"
    flip = last_flip(check)
    assert (flip.old_status, flip.new_status, flip.reason, flip.detail) == ("up", "down", "fail", "ran 12 s, shorter than 1 min")


def test_a_success_as_long_as_min_duration_keeps_the_check_up(up_check, ping, now):
    check = up_check(min_duration=60)
    run(ping, check, now, 60)
    assert checks.get(check.code).status == "up"


def test_min_duration_pairs_the_finish_with_its_own_run_id(up_check, ping, now):
    check = up_check(min_duration=600)
    ping(check, now, "start", query={"rid": RUN_A})
    ping(check, now + timedelta(minutes=9), "start", query={"rid": RUN_B})
    ping(check, now + timedelta(minutes=11), query={"rid": RUN_A})  # A ran 11 min
    assert checks.get(check.code).status == "up"
    ping(check, now + timedelta(minutes=12), query={"rid": RUN_B})  # B ran 3 min
    assert last_flip(check).detail == "ran 3 min, shorter than 10 min"


def test_a_success_without_a_start_is_not_too_short(up_check, ping, now):
    check = up_check(min_duration=60)
    ping(check, now)
    assert checks.get(check.code).status == "up"


def test_without_bounds_a_short_run_is_a_success(up_check, ping, now):
    check = up_check()
    run(ping, check, now, 1)
    assert checks.get(check.code).status == "up"


def test_the_next_good_run_brings_a_too_short_check_back_up(up_check, ping, now):
    check = up_check(min_duration=60)
    run(ping, check, now, 5)
    run(ping, check, now + HOUR, 120)
    assert checks.get(check.code).status == "up"


# -- too long -------------------------------------------------------------------------------------


def test_a_run_open_past_max_duration_goes_down_at_start_plus_max_duration(up_check, ping, now):
    check = up_check(max_duration=1800, grace=3600)
    ping(check, now, "start")
    assert checks.get(check.code).alert_after == now + timedelta(minutes=30)
    assert sweep.sweep_once(now + timedelta(minutes=30)) == 1
    assert downs(check) == [(now + timedelta(minutes=30), "running for longer than 30 min")]


def test_a_late_sweep_says_how_long_the_run_has_been_running(up_check, ping, now):
    check = up_check(max_duration=3600)
    ping(check, now, "start")
    check = checks.get(check.code)
    late = now + timedelta(hours=2, minutes=14)
    # A tick that woke late for this deadline decides at `late` with the row it read.
    check.alert_after = late
    check.update(actions=[Check.alert_after.set(late)])
    assert sweep._handle(check, late)
    assert downs(check)[-1][1] == "running for 2 h 14 min, longer than 1 h"


def test_max_duration_lets_a_run_outlast_the_grace_time(up_check, ping, now):
    check = up_check(max_duration=7200, grace=600)
    ping(check, now, "start")
    assert sweep.sweep_once(now + timedelta(minutes=90)) == 0
    ping(check, now + timedelta(minutes=100))
    assert checks.get(check.code).status == "up"


def test_a_finish_after_max_duration_before_the_sweep_fails_the_check(up_check, ping, now):
    check = up_check(max_duration=3600)
    run(ping, check, now, 2 * 3600 + 14 * 60)
    assert checks.get(check.code).status == "down"
    assert last_flip(check).detail == "ran 2 h 14 min, longer than 1 h"


def test_a_finish_after_the_sweep_sent_the_run_down_brings_the_check_up(up_check, ping, now):
    check = up_check(max_duration=3600)
    ping(check, now, "start")
    sweep.sweep_once(now + HOUR)
    ping(check, now + 2 * HOUR)
    assert checks.get(check.code).status == "up"


def test_without_max_duration_a_started_run_still_has_grace_as_healthchecks(up_check, ping, now):
    check = up_check(grace=600)
    ping(check, now, "start")
    assert checks.get(check.code).alert_after == now + timedelta(minutes=10)
    assert sweep.sweep_once(now + timedelta(minutes=10)) == 1
    assert downs(check)[-1][1] is None


def test_the_schedule_deadline_still_applies_while_a_run_is_open(make_check, ping, now):
    check = make_check(timeout=3600, grace=60, max_duration=7200)
    ping(check, now)
    ping(check, now + timedelta(minutes=30), "start")
    assert checks.get(check.code).alert_after == now + timedelta(minutes=61)


# -- stuck runs -----------------------------------------------------------------------------------


def test_a_run_that_never_finishes_alerts_though_another_run_succeeded(up_check, ping, now):
    check = up_check(track_runs=True, grace=3600)
    ping(check, now, "start", query={"rid": RUN_A})
    run(ping, check, now + timedelta(minutes=10), 60, rid=RUN_B)
    assert checks.get(check.code).alert_after == now + HOUR
    assert sweep.sweep_once(now + HOUR) == 1
    assert downs(check) == [(now + HOUR, "run aaaaaaaa started 1 h ago never finished")]


def test_healthchecks_forgets_the_open_run_when_another_succeeds(up_check, ping, now):
    check = up_check(grace=3600)
    ping(check, now, "start", query={"rid": RUN_A})
    run(ping, check, now + timedelta(minutes=10), 60, rid=RUN_B)
    assert sweep.sweep_once(now + 2 * HOUR) == 0


def test_a_stuck_run_alerts_once(up_check, ping, now):
    check = up_check(track_runs=True)
    ping(check, now, "start", query={"rid": RUN_A})
    sweep.sweep_once(now + HOUR)
    run(ping, check, now + 2 * HOUR, 60, rid=RUN_B)  # back up
    assert sweep.sweep_once(now + 5 * HOUR) == 0
    assert checks.get(check.code).status == "up"
    assert len(downs(check)) == 1


def test_the_finish_of_a_tracked_run_closes_only_that_run(up_check, ping, now):
    check = up_check(track_runs=True, grace=3600)
    ping(check, now, "start", query={"rid": RUN_A})
    ping(check, now + timedelta(minutes=5), "start", query={"rid": RUN_B})
    ping(check, now + timedelta(minutes=20), query={"rid": RUN_A})
    assert checks.get(check.code).alert_after == now + timedelta(minutes=65)
    assert sweep.sweep_once(now + timedelta(minutes=65)) == 1
    assert downs(check)[-1][1] == "run bbbbbbbb started 1 h ago never finished"


def test_max_duration_sets_each_tracked_runs_deadline(up_check, ping, now):
    check = up_check(max_duration=1800)
    ping(check, now, "start", query={"rid": RUN_A})
    run(ping, check, now + timedelta(minutes=1), 60, rid=RUN_B)
    assert sweep.sweep_once(now + timedelta(minutes=30)) == 1
    assert downs(check)[-1][1] == "run aaaaaaaa running for longer than 30 min"


def test_runs_overdue_together_go_down_in_one_flip(up_check, ping, now):
    check = up_check(track_runs=True, grace=600)
    ping(check, now, "start", query={"rid": RUN_A})
    ping(check, now, "start", query={"rid": RUN_B})
    assert sweep.sweep_once(now + timedelta(minutes=10)) == 1
    assert downs(check)[-1][1] == "run aaaaaaaa started 10 min ago never finished (and 1 more run)"
    assert run_bounds.open_runs(checks.get(check.code)) == {}


def test_a_run_overdue_while_the_check_was_down_alerts_after_it_comes_up(up_check, ping, now):
    check = up_check(track_runs=True, grace=600)
    ping(check, now, "fail")
    ping(check, now + timedelta(minutes=1), "start", query={"rid": RUN_A})
    back_up = now + HOUR
    run(ping, check, back_up, 60, rid=RUN_B)
    assert checks.get(check.code).status == "up"
    sweeping = back_up + timedelta(minutes=2)
    assert sweep.sweep_once(sweeping) == 1
    # Dated when the sweep saw it, after the flip that brought the check up, not at the deadline.
    assert downs(check)[-1] == (sweeping, "run aaaaaaaa started 1 h 1 min ago never finished")


def test_pausing_a_tracked_check_forgets_its_open_runs(up_check, ping, now):
    check = up_check(track_runs=True)
    ping(check, now, "start", query={"rid": RUN_A})
    checks.pause(checks.get(check.code), now + timedelta(minutes=1))
    ping(check, now + timedelta(minutes=2))  # resumes
    assert sweep.sweep_once(now + 3 * HOUR) == 0
    assert checks.get(check.code).status == "up"


def test_a_tracked_finish_and_the_sweep_racing_write_one_flip(up_check, ping, now, monkeypatch):
    check = up_check(track_runs=True, grace=600)
    ping(check, now, "start", query={"rid": RUN_A})
    deadline = now + timedelta(minutes=10)
    [row] = list(sweep.due_checks(deadline))
    ping(check, deadline, query={"rid": RUN_A})  # the finish lands between the sweep's read and write
    assert sweep._handle(row, deadline) is False
    assert checks.get(check.code).status == "up"
    assert downs(check) == []


def test_two_sweeps_over_one_stuck_run_write_one_flip(up_check, ping, now):
    check = up_check(track_runs=True, grace=600)
    ping(check, now, "start", query={"rid": RUN_A})
    deadline = now + timedelta(minutes=10)
    rows_a, rows_b = list(sweep.due_checks(deadline)), list(sweep.due_checks(deadline))
    assert [sweep._handle(r, deadline) for r in rows_a + rows_b] == [True, False]
    assert len(downs(check)) == 1


@pytest.mark.slow
def test_parallel_sweeps_send_a_stuck_run_down_exactly_once(dynamodb_local, ping, wall_now):
    from chalicelib.accounts import projects

    project = projects.create_project("Race", wall_now).project
    racers = [checks.create_check(project, wall_now, name=f"c{i}", track_runs=True, grace=600) for i in range(10)]
    for check in racers:
        ping(check, wall_now)
        ping(check, wall_now, "start", query={"rid": RUN_A})
    later = wall_now + timedelta(minutes=10)
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep.sweep_once(later))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 10
    for check in racers:
        assert [f.new_status for f in Flip.query(check.code)] == ["up", "down"]


# -- the rules as pure functions ------------------------------------------------------------------


def test_a_check_without_the_fields_keeps_the_latest_start_rule(make_check, now):
    check = make_check(grace=600, status="up", last_ping=now, last_start=now, runs={RUN_A: (now - HOUR).timestamp()})
    assert schedules.going_down_after(check) == now + timedelta(minutes=10)


def test_a_tracked_checks_deadline_is_its_earliest_open_run(make_check, now):
    check = make_check(grace=600, status="up", last_ping=now, last_start=now, track_runs=True,
                       runs={RUN_A: (now - timedelta(minutes=5)).timestamp(), RUN_B: now.timestamp()})  # fmt: skip
    assert schedules.going_down_after(check) == now + timedelta(minutes=5)
    assert schedules.status(check, now + timedelta(minutes=5)) == "down"


@pytest.mark.parametrize("seconds, words", [(12, "12 s"), (60, "1 min"), (8040, "2 h 14 min"), (90000, "1 d 1 h")])
def test_durations_are_said_in_two_units(seconds, words):
    assert run_bounds.say(seconds) == words


def test_the_preview_says_what_alerts_when(make_check):
    check = make_check(min_duration=60, max_duration=3600)
    assert run_bounds.describe(check) == (
        "A run (from /start to its success ping) alerts when it takes under 1 min or over 1 h. "
        "Every run is watched by its run id (rid): one still open 1 h after its start alerts, even when "
        "other runs finished meanwhile."
    )


def test_the_alert_for_a_stuck_run_says_which_run(up_check, ping, now):
    from chalicelib.integrations import text
    from chalicelib.integrations.base import Notice

    check = up_check(track_runs=True, grace=3600)
    ping(check, now, "start", query={"rid": RUN_A})
    sweep.sweep_once(now + HOUR)
    notice = Notice(check=checks.get(check.code), flip=last_flip(check), project_name="p", check_url="u")
    assert text.status_sentence(notice) == 'The check "Backups" is DOWN (run aaaaaaaa started 1 h ago never finished).'


def test_the_checks_list_shows_a_run_within_max_duration_as_running(up_check, ping, now):
    from chalicelib.checks import check_summary

    check = up_check(max_duration=7200, grace=600)
    ping(check, now, "start")
    [listed] = check_summary.rows(check_summary.project_checks(check.project), now + timedelta(minutes=90))
    assert (listed.status, listed.started) == ("up", True)


def test_the_checks_list_shows_a_stuck_tracked_run_as_down(up_check, ping, now):
    from chalicelib.checks import check_summary

    check = up_check(track_runs=True, grace=600)
    ping(check, now - timedelta(minutes=30), "start", query={"rid": RUN_A})
    ping(check, now - timedelta(minutes=5), "start", query={"rid": RUN_B})
    [listed] = check_summary.rows(check_summary.project_checks(check.project), now)
    assert listed.status == "down"
