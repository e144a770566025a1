"""A ping decided on a read that another write has since overtaken: it is re-decided and stored
under its own serial, and a status change is written with its flip or not at all."""
from datetime import timedelta

from chalicelib.checks import checks
from chalicelib.pings import intake
from chalicelib.store.models import Flip, Ping


def _request():
    return intake.PingRequest(method="GET", scheme="http", remote_addr="10.0.0.1", ua="curl/8", body=b"")


def _serials(check):
    return [int(p.n) for p in Ping.query(check.code)]


def _flips(check):
    return [(f.old_status, f.new_status, f.reason) for f in Flip.query(check.code)]


def test_a_first_ping_that_lost_the_race_is_stored_under_its_own_serial(check, ping, now):
    stale = checks.get(check.code)  # "new", no pings yet
    ping(check, now)  # new -> up, ping 1
    intake.record(stale, "success", _request(), now + timedelta(seconds=1))
    assert _serials(check) == [1, 2]
    assert _flips(check) == [("new", "up", "")]


def test_a_failure_racing_a_plain_ping_keeps_both_pings(check, ping, now):
    ping(check, now)  # up, ping 1
    stale = checks.get(check.code)
    ping(check, now + timedelta(seconds=1))  # still up, ping 2: the stale read's status still holds
    intake.record(stale, "fail", _request(), now + timedelta(seconds=2))
    assert _serials(check) == [1, 2, 3]
    assert checks.get(check.code).status == "down"
    assert _flips(check) == [("new", "up", ""), ("up", "down", "fail")]


def test_pausing_a_check_that_a_ping_sent_down_meanwhile_records_down_to_paused(check, ping, now):
    ping(check, now)
    stale = checks.get(check.code)  # up
    ping(check, now + timedelta(seconds=1), "fail")
    paused = checks.pause(stale, now + timedelta(seconds=2))
    assert paused.status == "paused"
    assert _flips(check)[-2:] == [("up", "down", "fail"), ("down", "paused", "")]
