"""What a ping writes, as DynamoDB Local reports it (moto cannot report capacity)."""
import os
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks, schedules
from chalicelib.pings import retention
from chalicelib.store.models import Check, Ping


class Tally(Counter):
    """Write units by table and index, and `calls`: DynamoDB operations by name."""

    def __init__(self):
        super().__init__()
        self.calls: Counter = Counter()

    def clear(self) -> None:
        super().clear()
        self.calls.clear()


@pytest.fixture
def write_units(dynamodb_local):
    """Write units consumed per table and index ("checks", "checks/due"), from the next call on."""
    used = Tally()

    def ask(params, model, **kwargs):
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"

    def tally(parsed, model, **kwargs):
        used.calls[model.name] += 1
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            if model.name in {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}:
                table = _short(entry["TableName"])
                used[table] += entry["Table"]["CapacityUnits"]
                for index, index_used in (entry.get("GlobalSecondaryIndexes") or {}).items():
                    used[f"{table}/{index}"] += index_used["CapacityUnits"]

    client = Check._get_connection().connection.client
    client.meta.events.register("provide-client-params.dynamodb", ask)
    client.meta.events.register("after-call.dynamodb", tally)
    yield used
    client.meta.events.unregister("provide-client-params.dynamodb", ask)
    client.meta.events.unregister("after-call.dynamodb", tally)


def _short(table_name: str) -> str:
    return {Check.Meta.table_name: "checks", Ping.Meta.table_name: "pings"}.get(table_name, table_name)


@pytest.fixture
def slug_check(dynamodb_local, now):
    project = projects.create_project("Capacity", now, keys=True).project
    check = checks.create_check(project, now, name="nightly", slug="nightly")
    return project, check


def test_a_ping_writes_no_slug_or_badge_index_row(slug_check, write_units, ping, now):
    project, check = slug_check
    ping(check, now)  # new -> up: this one also writes a flip
    write_units.clear()
    ping(check, now)
    ping([project.ping_key, "nightly"], now)

    assert set(write_units) == {"checks", "checks/due", "checks/by_project", "pings"}


def test_a_slug_ping_still_finds_its_check_through_the_keys_only_index(slug_check, ping, now):
    project, check = slug_check
    assert ping([project.ping_key, "nightly"], now).text == "OK"
    assert checks.get(check.code).n_pings == 1


def _steady_check(project, now, pace=60, expiring=True) -> Check:
    """An up check pinged at `pace` past its 400th ping: pings 301..400 stored (the 100 its
    last prune left, or their expiry), as they would be in steady state."""
    check = checks.create_check(project, now, name="steady", timeout=60, status="up", n_pings=400,
                                last_ping=now, pace=pace)  # fmt: skip
    check.update(actions=[Check.alert_after.set(schedules.going_down_after(check))])  # in the due index
    expires = now + timedelta(days=1) if expiring else None
    with Ping.batch_write() as batch:
        for n in range(301, 401):
            batch.save(Ping(code=check.code, n=n, created=now, kind="success", expires=expires))
    return check


def _per_ping(units: Counter, pings: int) -> dict:
    return {target: used / pings for target, used in units.items()}


def test_a_ping_in_steady_state_writes_five_units_and_never_prunes(slug_check, write_units, ping, wall_now):
    project, _ = slug_check
    check = _steady_check(project, wall_now)
    write_units.clear()
    for i in range(100):  # pings 401..500, the 500th a prune's turn: nothing to prune
        ping(check, wall_now + timedelta(seconds=i + 1))

    # What each unit buys: the check's own update (count, last ping, deadline); the due index
    # (its sort key, the deadline, moves: a delete and a put); the checks list's by_project
    # copy; the ping's item. Pings that leave the log expire by TTL: no delete, no prune Query.
    assert _per_ping(write_units, 100) == {"checks": 1, "checks/due": 2, "checks/by_project": 1, "pings": 1}
    assert sum(write_units.values()) / 100 == 5
    assert set(write_units.calls) == {"GetItem", "UpdateItem", "PutItem"}
    assert checks.get(check.code).prune_n is None
    assert len(list(Ping.query(check.code))) == 200  # 100 visible, 100 left the log: they expire


def test_the_prune_it_replaced_cost_a_sixth_unit(slug_check, write_units, ping, wall_now):
    """The path before (commit 849e554): the same pings, and every 100th deleted the 100 pings
    that had left the log, one unit each (bench.ping_path.prune_before, the old prune)."""
    with mock.patch.dict(os.environ):  # bench.common sets STAGE=bench on import: not for the tests after
        from bench.ping_path import prune_before

    project, _ = slug_check
    check = _steady_check(project, wall_now)
    write_units.clear()
    for i in range(100):
        ping(check, wall_now + timedelta(seconds=i + 1))
    prune_before(check.code, 500 - 100)
    assert sum(write_units.values()) / 100 == 6
    assert write_units["pings"] / 100 == 2


def test_a_rarely_pinged_check_still_prunes_what_left_its_log(slug_check, write_units, ping, wall_now):
    project, _ = slug_check
    daily = 86400  # kept 20 x 100 days: storing its pings would cost more than deleting them
    check = _steady_check(project, wall_now, pace=daily, expiring=False)
    write_units.clear()
    for i in range(100):
        Check(code=check.code).update(actions=[Check.pace.set(daily)])  # uncounted below
        ping(check, wall_now + timedelta(seconds=i + 1))
    assert write_units["pings"] / 100 == 2  # its put, and its delete once it left the log
    assert write_units["checks"] / 100 == 2  # its update, and the pace reset of this test
    assert [int(p.n) for p in Ping.query(check.code)] == list(range(401, 501))
    assert retention.keep(checks.get(check.code)) is None


def test_run_time_rules_cost_a_run_no_extra_call_or_unit(slug_check, write_units, ping, wall_now):
    """A start and its finish on a check with min/max_duration and track_runs: the rules read the
    runs map of the item the ping already read, and write in its one update."""
    project, _ = slug_check
    used = []
    for rules in ({}, {"min_duration": 1, "max_duration": 3600, "track_runs": True}):
        check = _steady_check(project, wall_now)
        check.update(actions=[getattr(Check, name).set(value) for name, value in rules.items()] or [Check.pace.set(60)])
        write_units.clear()
        rid = {"rid": "aaaaaaaa-1111-4111-8111-111111111111"}
        ping(check, wall_now + timedelta(seconds=1), "start", query=rid)
        ping(check, wall_now + timedelta(seconds=5), query=rid)
        used.append((dict(write_units), dict(write_units.calls)))
    assert used[1] == used[0]
    assert used[0][1] == {"GetItem": 2, "UpdateItem": 2, "PutItem": 2}
