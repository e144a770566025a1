"""bench/cost_model.py prices what the template deploys: the ping route's API type, each function's
memory, architecture and timeout, and the schedules, all read from the template, so a change to
infra/ changes the figures without an edit to the model."""
import copy
import json
import os
import signal

import pytest

from chalicelib import settings
from infra import build

MEASURED = dict(
    read_units=1.0, write_units=5.0, write_units_before=6.0, cpu=0.007, wall=0.017, ping_bytes=159, check_bytes=561, check_copies=3,
    ping_log_limit=100, body_read_units=1.0, body_write_units=5.0, s3_puts_per_body_ping=1.0,
)  # fmt: skip


@pytest.fixture(scope="module")
def cost_model():
    """The module, imported without bench.common's process-wide settings leaking into the tests."""
    stage, handler = os.environ.get("STAGE"), signal.getsignal(signal.SIGTERM)
    from bench import cost_model

    os.environ["STAGE"] = stage
    signal.signal(signal.SIGTERM, handler)
    return cost_model


@pytest.fixture
def measured(cost_model):
    return cost_model.Measured(**MEASURED)


@pytest.fixture(scope="module")
def merged():
    """infra.build's merge template: PingHandler and its HTTP API as `make package` merges them."""
    from app import app

    return build.merge_template(settings.STAGE, app)


def ping_cost(cost_model, measured, template) -> dict[str, float]:
    return cost_model.per_ping(measured, cost_model.read_deployment(template))


def with_ping_function(template, **properties) -> dict:
    changed = copy.deepcopy(template)
    changed["Resources"]["PingHandler"]["Properties"].update(properties)
    return changed


def test_the_ping_function_and_its_api_are_read_from_the_template(cost_model, merged):
    deployment = cost_model.read_deployment(merged)
    assert deployment.ping_api == "HTTP API"
    ping = deployment.ping_function
    assert (ping.name, ping.memory_mb, ping.architecture, ping.timeout) == (
        "PingHandler", build.PING_MEMORY_MB, build.PING_ARCHITECTURE, build.PING_TIMEOUT
    )


def test_memory_in_the_template_changes_the_lambda_cost(cost_model, measured, merged):
    built = ping_cost(cost_model, measured, merged)
    doubled = ping_cost(cost_model, measured, with_ping_function(merged, MemorySize=2 * build.PING_MEMORY_MB))
    assert doubled["Lambda GB-s"] > built["Lambda GB-s"]
    assert doubled["DynamoDB writes"] == built["DynamoDB writes"] and doubled["the ping API"] == built["the ping API"]


def test_architecture_in_the_template_changes_the_price_of_a_gb_second(cost_model, measured, merged):
    arm = ping_cost(cost_model, measured, with_ping_function(merged, Architectures=["arm64"]))
    x86 = ping_cost(cost_model, measured, with_ping_function(merged, Architectures=["x86_64"]))
    assert x86["Lambda GB-s"] / arm["Lambda GB-s"] == pytest.approx(0.0000166667 / 0.0000133334)


def test_the_api_type_serving_ping_sets_its_price(cost_model, measured, merged):
    assert ping_cost(cost_model, measured, merged)["the ping API"] * 1e6 == pytest.approx(1.00)

    before = cost_model.previous_template(merged)
    assert cost_model.read_deployment(before).ping_api == "REST API"
    assert ping_cost(cost_model, measured, before)["the ping API"] * 1e6 == pytest.approx(3.50)
    assert cost_model.read_deployment(before).ping_function.describe() == "256 MB x86_64"

    url = copy.deepcopy(merged)
    for name in [n for n, r in url["Resources"].items() if r.get("Type", "").startswith("AWS::ApiGatewayV2::")]:
        del url["Resources"][name]
    url["Resources"]["PingUrl"] = {
        "Type": "AWS::Lambda::Url",
        "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["PingHandler", "Arn"]}, "AuthType": "NONE"},
    }
    assert cost_model.read_deployment(url).ping_api == "function URL"
    assert ping_cost(cost_model, measured, url)["the ping API"] == 0


def test_a_template_serving_ping_two_ways_is_refused(cost_model, merged):
    both = cost_model.previous_template(merged)
    both["Resources"].update({n: r for n, r in merged["Resources"].items() if r.get("Type", "").startswith("AWS::ApiGatewayV2::")})
    with pytest.raises(ValueError, match="one way"):
        cost_model.read_deployment(both)


def test_schedule_expressions_are_counted(cost_model):
    assert cost_model.runs_per_month("rate(1 minute)") == 43_800
    assert cost_model.runs_per_month("rate(5 minutes)") == 8_760
    assert cost_model.runs_per_month("rate(1 hour)") == 730
    assert cost_model.runs_per_month("rate(2 days)") == pytest.approx(730 / 48)
    assert cost_model.runs_per_month("cron(0 9 * * ? *)") == pytest.approx(730 / 24, rel=0.02)
    with pytest.raises(ValueError):
        cost_model.runs_per_month("every minute")


@pytest.mark.slow
def test_the_built_templates_functions_schedules_and_timeouts_are_priced(cost_model, measured, package):
    template = json.loads((package / "sam.json").read_text())
    deployment = cost_model.read_deployment(template)
    config = json.loads((build.ROOT / ".chalice" / "config.json").read_text())["lambda_functions"]
    sweep = deployment.by_handler(cost_model.SWEEP_HANDLER)
    assert (deployment.ping_api, deployment.ping_function.architecture) == ("HTTP API", "arm64")
    assert (sweep.timeout, sweep.memory_mb) == (config["sweep"]["lambda_timeout"], config["sweep"]["lambda_memory_size"])
    assert sweep.schedules == [("Schedule", "rate(1 minute)")] and sweep.runs_per_month() == 43_800
    assert deployment.by_handler(cost_model.REPORTS_HANDLER).runs_per_month() == 730
    assert (deployment.alarms, deployment.paging_alarms, deployment.secrets) == (0, 4, [])  # alarms with AlarmEmail only
    assert deployment.backups

    tick = cost_model.Tick(seconds=1.0, queries=8, read_units=4.0, source="test")
    cost = sum(cost_model.scheduled_month("sweep", sweep, tick).values())
    slower = copy.deepcopy(template)
    slower["Resources"][sweep.name]["Properties"]["Events"]["SweepEvent"]["Properties"]["Schedule"] = "rate(2 minutes)"
    halved = cost_model.read_deployment(slower).by_handler(cost_model.SWEEP_HANDLER)
    assert sum(cost_model.scheduled_month("sweep", halved, tick).values()) == pytest.approx(cost / 2)

    after, before = cost_model.per_ping(measured, deployment), cost_model.per_ping(
        measured, cost_model.read_deployment(cost_model.previous_template(template))
    )
    assert sum(before.values()) - sum(after.values()) > 2.50 / 1e6  # the REST API's extra $2.50, and x86's GB-s
