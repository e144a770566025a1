"""Parallel pings lose nothing: real threads against DynamoDB Local (bodies in moto's S3)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks, events
from chalicelib.pings import intake
from chalicelib.store.models import Flip, Ping

pytestmark = pytest.mark.slow


def _send(code, now, body=b""):
    request = intake.PingRequest(method="POST", scheme="http", remote_addr="127.0.0.1", ua="t", body=body)
    return intake.handle(intake.Target(code=code), request, now)


def test_200_parallel_pings_are_all_counted_and_the_last_100_visible(dynamodb_local, wall_now):
    now = wall_now
    project = projects.create_project("Load", now).project
    check = checks.create_check(project, now, name="busy")
    times = [now + timedelta(milliseconds=i) for i in range(200)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(lambda t: _send(check.code, t, b"x" * 120).text, times))

    assert answers == ["OK"] * 200
    check = checks.get(check.code)
    assert check.n_pings == 200
    # What the log and the API show: the last 100, each stored under its own serial (those that
    # left the log are hidden, and expire or are pruned: chalicelib/pings/retention.py).
    visible = sorted(int(e.ping.n) for e in events.recent(check, limit=1000, kinds=events.PING_KINDS))
    assert visible == list(range(101, 201))  # (listed by arrival time, which threads shuffle)
    assert [int(p.n) for p in Ping.query(check.code, Ping.n > 100)] == list(range(101, 201))
    # The first ping flipped new -> up; the 199 that raced it did not flip again.
    assert [(f.old_status, f.new_status) for f in Flip.query(check.code)] == [("new", "up")]
