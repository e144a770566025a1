"""What a ping writes, as DynamoDB Local reports it (moto cannot report capacity)."""
from collections import Counter

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.store.models import Check, Ping


@pytest.fixture
def write_units(dynamodb_local):
    """Write units consumed per table and index ("checks", "checks/due"), from the next call on."""
    used: Counter = Counter()

    def ask(params, model, **kwargs):
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"

    def tally(parsed, model, **kwargs):
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
