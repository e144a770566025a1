"""How long a ping's item is kept: the check's pace, the expiry it gives, and when a prune runs."""
from datetime import timedelta

import pytest

from chalicelib.checks import checks
from chalicelib.pings import retention
from chalicelib.store.models import Check, Ping


def stored(check) -> Check:
    return checks.get(check.code)


def item(check, n) -> Ping:
    return Ping.get(check.code, n)


def test_a_new_checks_first_ping_has_no_expiry_and_leaves_work_for_the_prune(check, ping, now):
    ping(check, now)  # new -> up: the update goes with its flip, in a transaction
    assert item(check, 1).expires is None
    assert (stored(check).prune_n, stored(check).pace) == (1, 86400)  # the pace starts at the period


def test_the_pace_moves_an_eighth_of_the_way_to_each_interval(make_check, ping, now):
    check = make_check(name="Hourly", timeout=3600)
    ping(check, now)
    ping(check, now + timedelta(minutes=20))
    assert stored(check).pace == pytest.approx(3600 + (1200 - 3600) / 8)


def test_starts_and_logs_do_not_move_the_pace(make_check, ping, now):
    check = make_check(name="Hourly", timeout=3600)
    ping(check, now)
    ping(check, now + timedelta(minutes=1), "start")
    ping(check, now + timedelta(minutes=2), "log")
    assert stored(check).pace == 3600


def test_a_cron_checks_pace_starts_at_the_gap_between_its_times(make_check, ping, now):
    check = make_check(name="Every 15", kind="cron", schedule="*/15 * * * *")
    ping(check, now)
    assert stored(check).pace == 900


def test_a_check_pinged_every_minute_keeps_each_ping_twenty_logs_of_pings(make_check, ping, now):
    check = make_check(name="Every minute", timeout=60)
    ping(check, now)
    ping(check, now + timedelta(minutes=1))  # the pace as read: 60 s, the period
    expected = timedelta(seconds=retention.KEEP_FACTOR * 100 * 60)
    assert item(check, 2).expires - item(check, 2).created == expected == timedelta(hours=33, minutes=20)
    assert stored(check).prune_n == 1  # only the first ping is left to the prune


def test_a_ping_is_kept_at_least_an_hour(make_check, ping, now):
    check = make_check(name="Busy", timeout=60)
    Check(code=check.code).update(actions=[Check.pace.set(0.5)])
    ping(check, now)
    assert item(check, 1).expires - item(check, 1).created == retention.MIN_KEEP


def test_two_quick_pings_do_not_make_a_daily_check_fast(check, ping, now):
    ping(check, now)
    ping(check, now + timedelta(seconds=5))  # someone trying the URL twice
    ping(check, now + timedelta(days=1))
    assert [item(check, n).expires for n in (1, 2, 3)] == [None, None, None]
    assert stored(check).prune_n == 3


def test_a_check_pinged_often_without_bodies_never_prunes(make_check, ping, now, monkeypatch):
    check = make_check(name="Every minute", timeout=60, n_pings=95, pace=60)
    pruned = []
    monkeypatch.setattr(retention, "prune", lambda *args: pruned.append(args))
    for minute in range(5):  # pings 96..100
        ping(check, now + timedelta(minutes=minute))
    assert pruned == [] and stored(check).prune_n is None


def test_a_rarely_pinged_check_prunes_on_each_hundredth_ping(check, ping, now, monkeypatch):
    Check(code=check.code).update(actions=[Check.n_pings.set(98), Check.ping_log_limit.set(10)])
    pruned = []
    monkeypatch.setattr(retention, "prune", lambda *args: pruned.append(args))
    for day in range(3):  # pings 99, 100, 101, a day apart: no expiry (20 x 10 days > MAX_KEEP)
        ping(check, now + timedelta(days=day))
    assert pruned == [(check.code, 90)]  # 100 - 10: the pings that have left the log


def test_a_prune_deletes_pings_without_expiry_among_the_last_it_covers(check, now):
    for n in range(1, 301):
        Ping(code=check.code, n=n, created=now, kind="success", expires=now if n % 2 else None).save()
    retention.prune(check.code, 250)
    left = [int(p.n) for p in Ping.query(check.code)]
    covered = range(250 - retention.PRUNE_SPAN + 1, 251)
    assert left == [n for n in range(1, 301) if n not in covered or n % 2]
