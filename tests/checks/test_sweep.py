"""The deadline sweep: due checks go down once, with a flip dated at their deadline."""
import threading
from datetime import timedelta

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks, sweep
from chalicelib.store.models import Check, Flip

PERIOD_AND_GRACE = timedelta(seconds=86400 + 3600)


def flips(check):
    return [(f.old_status, f.new_status, f.reason, f.created) for f in Flip.query(check.code)]


def test_check_past_its_grace_goes_down_with_a_timeout_flip(check, ping, now):
    ping(check, now)
    deadline = now + PERIOD_AND_GRACE
    assert sweep.sweep_once(deadline + timedelta(seconds=1)) == 1
    assert checks.get(check.code).status == "down"
    assert flips(check)[-1] == ("up", "down", "timeout", deadline)


def test_check_within_its_grace_stays_up(check, ping, now):
    ping(check, now)
    late = now + timedelta(days=1, minutes=30)
    assert sweep.sweep_once(late) == 0
    assert checks.get(check.code).status == "up"


def test_check_goes_down_at_the_exact_deadline(check, ping, now):
    ping(check, now)
    assert sweep.sweep_once(now + PERIOD_AND_GRACE) == 1


def test_new_check_never_goes_down(check, now):
    assert sweep.sweep_once(now + timedelta(days=400)) == 0


def test_started_check_goes_down_when_grace_runs_out_after_the_start(check, ping, now):
    ping(check, now)
    ping(check, now + timedelta(hours=1), "start")
    assert sweep.sweep_once(now + timedelta(hours=2)) == 1
    assert flips(check)[-1][:3] == ("up", "down", "timeout")


def test_paused_check_that_started_and_never_finished_goes_down(check, ping, now):
    check.update(actions=[Check.status.set("paused")])
    ping(check, now, "start")
    assert sweep.sweep_once(now + timedelta(hours=1)) == 1
    assert flips(check)[-1][:2] == ("paused", "down")


def test_cron_check_goes_down_exactly_grace_after_its_scheduled_time(make_check, ping, now):
    check = make_check(kind="cron", schedule="30 3 * * *", tz="Europe/Riga", grace=600)
    ping(check, now)  # 14:00 in Riga; next expected 03:30 Riga = 01:30 UTC
    deadline = now.replace(hour=1, minute=30) + timedelta(days=1, minutes=10)
    assert sweep.sweep_once(deadline - timedelta(microseconds=1)) == 0
    assert sweep.sweep_once(deadline) == 1


def test_oncalendar_check_goes_down_exactly_grace_after_its_scheduled_time(make_check, ping, now):
    check = make_check(kind="oncalendar", schedule="Mon..Fri 09:00", tz="America/New_York", grace=300)
    ping(check, now)  # Thursday 07:00 in New York; next expected 09:00 that day = 14:00 UTC
    deadline = now.replace(hour=14, minute=5)
    assert sweep.sweep_once(deadline - timedelta(microseconds=1)) == 0
    assert sweep.sweep_once(deadline) == 1


def test_paused_check_never_goes_down(check, ping, now):
    ping(check, now)
    check.update(actions=[Check.status.set("paused"), Check.alert_after.remove()])
    assert sweep.sweep_once(now + timedelta(days=400)) == 0
    assert checks.get(check.code).status == "paused"


def test_down_check_leaves_the_due_index(check, ping, now):
    ping(check, now)
    sweep.sweep_once(now + PERIOD_AND_GRACE)
    assert list(sweep.due_checks(now + timedelta(days=30))) == []


def test_sweep_reads_only_the_checks_that_are_due(make_check, ping, now):
    due = [make_check(name=f"due {i}") for i in range(3)]
    fresh = [make_check(name=f"fresh {i}") for i in range(5)]
    for check in due:
        ping(check, now - timedelta(days=2))
    for check in fresh:
        ping(check, now)
    read = {row.code for row in sweep.due_checks(now)}
    assert read == {c.code for c in due}


def test_stale_index_row_of_a_pinged_check_does_not_send_it_down(check, ping, now):
    ping(check, now)
    later = now + PERIOD_AND_GRACE + timedelta(minutes=1)
    [row] = list(sweep.due_checks(later))
    ping(check, later)  # the ping lands between the sweep's read and its write
    assert sweep._handle(row, later) is False
    assert checks.get(check.code).status == "up"


def test_two_sweeps_with_the_same_rows_write_one_flip(check, ping, now):
    ping(check, now)
    later = now + PERIOD_AND_GRACE
    rows_a, rows_b = list(sweep.due_checks(later)), list(sweep.due_checks(later))
    assert [sweep._handle(r, later) for r in rows_a + rows_b] == [True, False]
    assert len([f for f in flips(check) if f[1] == "down"]) == 1


def test_a_pass_sends_due_checks_down_side_by_side(make_check, ping, now, monkeypatch):
    first, second = make_check(name="a"), make_check(name="b")
    for check in (first, second):
        ping(check, now)
    # Each flip waits for the other: one at a time, the first would wait in vain and fail.
    both_sending = threading.Barrier(2, timeout=10)
    new_flip = sweep.new_flip
    monkeypatch.setattr(sweep, "new_flip", lambda *args: (both_sending.wait(), new_flip(*args))[1])

    assert sweep.sweep_once(now + PERIOD_AND_GRACE) == 2
    assert flips(first)[-1][1] == flips(second)[-1][1] == "down"


def test_a_check_is_not_left_down_without_its_flip(check, ping, now, flips_unreachable):
    ping(check, now)
    with flips_unreachable():
        assert sweep.sweep_once(now + PERIOD_AND_GRACE) == 0

    assert checks.get(check.code).status == "up"
    assert sweep.sweep_once(now + PERIOD_AND_GRACE) == 1
    assert [f[1] for f in flips(check)] == ["up", "down"]


def test_run_polls_until_its_time_is_up(monkeypatch):
    ticks, slept, passes = iter(range(0, 100, 2)), [], []
    monkeypatch.setattr(sweep, "sweep_once", lambda now: passes.append(now) or 0)
    sweep.run(seconds=10, poll=2, clock=lambda: next(ticks), sleep=slept.append, utcnow=lambda: "t")
    assert slept == [2, 2, 2, 2] and len(passes) == 5


@pytest.mark.slow
def test_parallel_sweeps_send_each_check_down_exactly_once(dynamodb_local, ping, wall_now):
    now = wall_now
    project = projects.create_project("Race", now).project
    racers = [checks.create_check(project, now, name=f"c{i}") for i in range(20)]
    for check in racers:
        ping(check, now)
    later = now + PERIOD_AND_GRACE
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep.sweep_once(later))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    for check in racers:
        assert [f.new_status for f in Flip.query(check.code)] == ["up", "down"]
