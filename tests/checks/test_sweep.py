"""The deadline sweep: due checks go down once, with a flip dated at their deadline."""
import threading
from datetime import timedelta

import pytest

from chalicelib import settings
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


# -- the per-minute tick --------------------------------------------------------------------------

MINUTE_AND_MINUTE = timedelta(seconds=120)  # timeout 60 s + grace 60 s, the smallest schedule


class FakeTime:
    """A monotonic clock that moves only when the tick sleeps; the waits are recorded, and
    `during(t, seconds)` runs at each sleep's start (t: seconds since the tick began)."""

    def __init__(self, during=None):
        self.t, self.waits, self.during = 0.0, [], during

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.during:
            self.during(self.t, seconds)
        self.t += seconds


def minute_check(make_check, ping, now, due_in: float, name="Minutely"):
    """A check on the smallest schedule, pinged so that its deadline is `due_in` seconds after now."""
    check = make_check(name=name, timeout=60, grace=60)
    ping(check, now + timedelta(seconds=due_in) - MINUTE_AND_MINUTE)
    assert checks.get(check.code).alert_after == now + timedelta(seconds=due_in)
    return check


@pytest.fixture
def dynamodb_calls(aws):
    """The DynamoDB operations made, in order, by name."""
    client = Check._get_connection().connection.client
    made = []

    def record(model, **kwargs):
        made.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    yield made
    client.meta.events.unregister("before-call.dynamodb", record)


def test_a_tick_with_nothing_due_within_the_minute_only_queries_the_due_index(
    make_check, ping, now, dynamodb_calls
):
    minute_check(make_check, ping, now, due_in=61, name="due just after the minute")
    ping(make_check(name="daily"), now)
    time = FakeTime()
    dynamodb_calls.clear()

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock) == 0

    assert dynamodb_calls == ["Query"] * settings.DUE_SHARDS
    assert time.waits == [] and time.t == 0


def test_a_check_due_20_s_into_the_minute_goes_down_at_its_deadline_not_before(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=20)
    seen_while_waiting = []
    time = FakeTime(during=lambda t, seconds: seen_while_waiting.append(checks.get(check.code).status))

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock) == 1

    assert time.waits == [20.0]
    assert seen_while_waiting == ["up"]
    assert flips(check)[-1] == ("up", "down", "timeout", now + timedelta(seconds=20))


def test_a_tick_waits_for_each_deadline_in_turn(make_check, ping, now):
    first = minute_check(make_check, ping, now, due_in=10, name="first")
    later = [minute_check(make_check, ping, now, due_in=45, name=f"later {i}") for i in range(3)]
    later_while_waiting = []
    time = FakeTime(during=lambda t, seconds: later_while_waiting.append({checks.get(c.code).status for c in later}))

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock) == 4

    assert time.waits == [10.0, 35.0]  # one wait for the three with the same deadline
    assert later_while_waiting == [{"up"}, {"up"}]
    assert flips(first)[-1][1:] == ("down", "timeout", now + timedelta(seconds=10))
    assert [flips(c)[-1][1:] for c in later] == [("down", "timeout", now + timedelta(seconds=45))] * 3


def test_a_check_pinged_while_the_tick_waits_for_it_is_not_sent_down(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=20)
    pinged_at = now + timedelta(seconds=15)
    time = FakeTime(during=lambda t, seconds: ping(check, pinged_at))

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock) == 0

    assert time.waits == [20.0]
    after = checks.get(check.code)
    assert (after.status, after.alert_after) == ("up", pinged_at + MINUTE_AND_MINUTE)
    assert "down" not in [f[1] for f in flips(check)]


def test_a_check_already_past_its_deadline_goes_down_at_once(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=-30)
    time = FakeTime()

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock) == 1

    assert time.waits == []
    assert flips(check)[-1] == ("up", "down", "timeout", now - timedelta(seconds=30))


def test_a_tick_woken_after_another_tick_sent_its_check_down_writes_nothing(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=20)
    other_tick = FakeTime()
    results = []
    # While the first tick waits, a second one (an overlapping invocation) does the whole job.
    first_tick = FakeTime(during=lambda t, seconds: results.append(
        sweep.tick(now, sleep=other_tick.sleep, clock=other_tick.clock)
    ))

    results.append(sweep.tick(now, sleep=first_tick.sleep, clock=first_tick.clock))

    assert results == [1, 0]
    assert [f[1] for f in flips(check)] == ["up", "down"]


def test_two_ticks_deciding_at_once_over_one_check_write_one_flip(make_check, ping, now, monkeypatch):
    check = minute_check(make_check, ping, now, due_in=20)
    results, racing = [], []
    new_flip = sweep.new_flip

    def decided(*args):
        # The first tick has read the check again and decided "down"; before it writes, the
        # second tick reads, decides and writes.
        if not racing:
            racing.append(True)
            other = FakeTime()
            results.append(sweep.tick(now, sleep=other.sleep, clock=other.clock))
        return new_flip(*args)

    monkeypatch.setattr(sweep, "new_flip", decided)
    time = FakeTime()
    results.append(sweep.tick(now, sleep=time.sleep, clock=time.clock))

    assert results == [1, 0]
    assert [f[1] for f in flips(check)] == ["up", "down"]


def test_a_tick_told_to_stop_while_waiting_leaves_the_rest_to_the_next_tick(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=20)

    assert sweep.tick(now, sleep=lambda seconds: True, clock=FakeTime().clock) == 0

    assert checks.get(check.code).status == "up"
    time = FakeTime()
    assert sweep.tick(now + timedelta(seconds=20), sleep=time.sleep, clock=time.clock) == 1
    assert time.waits == []


def test_a_tick_covers_only_its_window(make_check, ping, now):
    check = minute_check(make_check, ping, now, due_in=20)
    time = FakeTime()

    assert sweep.tick(now, sleep=time.sleep, clock=time.clock, window=10) == 0

    assert time.waits == [] and checks.get(check.code).status == "up"


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


def test_the_local_stacks_sweep_timer_starts_a_tick_every_sweep_seconds(monkeypatch):
    from chalicelib.local import runner

    class StopEvent:
        def __init__(self):
            self.waits = []

        def wait(self, seconds):
            self.waits.append(seconds)
            return False

    stopping = StopEvent()
    monkeypatch.setattr(runner, "_sweep_stopping", stopping)
    monkeypatch.setattr(settings, "SWEEP_SECONDS", 20)
    ticks = []

    def failing_tick(sleep):
        ticks.append(sleep)
        raise ConnectionError("DynamoDB Local is gone")

    monkeypatch.setattr(sweep, "tick", failing_tick)
    with pytest.raises(ConnectionError):
        runner.sweep_due_checks()

    # The tick's waits end when the stack stops; even a failed tick waits for the next start.
    assert ticks == [stopping.wait]
    [until_next] = stopping.waits
    assert 19 < until_next <= 20


@pytest.mark.slow
def test_parallel_ticks_waiting_for_the_same_deadline_send_each_check_down_exactly_once(dynamodb_local, ping, wall_now):
    now = wall_now
    project = projects.create_project("Race", now).project
    racers = [checks.create_check(project, now, name=f"c{i}", timeout=60, grace=60) for i in range(20)]
    for check in racers:
        ping(check, now + timedelta(seconds=20) - MINUTE_AND_MINUTE)
    # Every tick's wait ends at the same moment, so all of them read and write at once.
    wake_together = threading.Barrier(4, timeout=30)

    def one_tick():
        time = FakeTime(during=lambda t, seconds: wake_together.wait())
        results.append(sweep.tick(now, sleep=time.sleep, clock=time.clock))

    results = []
    threads = [threading.Thread(target=one_tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    for check in racers:
        assert [f.new_status for f in Flip.query(check.code)] == ["up", "down"]
