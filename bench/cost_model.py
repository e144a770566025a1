"""Cost model: monthly AWS cost from the calls and capacity a ping and a sweep are measured to use.

`python -m bench.cost_model [--samples 100]`
"""
import argparse
import json
import math
from dataclasses import dataclass

from bench import (
    common,  # first: sets STAGE=bench before chalicelib.settings is read
    ping_path,
)
from chalicelib import settings
from chalicelib.checks import checks, sweep
from chalicelib.store.models import Check

# AWS list prices, us-east-1, on-demand, in USD, as known at PRICES_AS_OF (not fetched: this machine
# has no web access). Free tiers are left out. Check https://aws.amazon.com/pricing before relying on them.
PRICES_AS_OF = "2025-01 (DynamoDB on-demand after the 2024-11-01 price cut)"
PRICES = {
    "dynamodb_read_request_unit": 0.125 / 1e6,
    "dynamodb_write_request_unit": 0.625 / 1e6,
    "dynamodb_storage_gb_month": 0.25,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,  # x86_64
    "http_api_request": 1.00 / 1e6,  # API Gateway HTTP API, first 300 million a month
    "rest_api_request": 3.50 / 1e6,  # API Gateway REST API (what `chalice deploy` creates), first 333 million
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "s3_storage_gb_month": 0.023,
    "eventbridge_scheduler_invocation": 1.00 / 1e6,
    "ses_inbound_email": 0.10 / 1000,
    "ses_inbound_chunk_256kb": 0.09 / 1000,
    "cloudwatch_logs_ingest_gb": 0.50,
}
HOURS_PER_MONTH = 730  # AWS's own convention
MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
GB = 1024**3
MIN_QUERY_UNITS = 0.5
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each stored item (and index entry) for billing
LAMBDA_MB_PER_VCPU = 1769  # Lambda gives one full vCPU at 1,769 MB, a proportional share below
# Assumed, not measured: Lambda's own START, END and REPORT log lines per invocation.
LOG_BYTES_PER_INVOCATION = 300


@dataclass
class Measured:
    """What the benchmark measured, per ping (steady state) and per sweep run."""

    read_units: float
    write_units: float
    cpu: float  # seconds of CPU per ping on this machine
    wall: float  # seconds per ping against DynamoDB Local on this machine
    ping_bytes: int
    check_bytes: int
    check_copies: int  # the check item plus its index entries (every index projects all attributes)
    ping_log_limit: int
    body_read_units: float
    body_write_units: float
    s3_puts_per_body_ping: float
    sweep_queries: int  # per scheduled run, nothing due
    sweep_read_units: float


def lambda_config() -> dict:
    """Memory (MB) of the ping handler and of the sweep, from .chalice/config.json."""
    config = json.loads((common.ROOT / ".chalice" / "config.json").read_text())
    default = config.get("lambda_memory_size", 128)
    sweep_memory = config.get("lambda_functions", {}).get("sweep", {}).get("lambda_memory_size", default)
    return {"api": default, "sweep": sweep_memory}


def lambda_seconds(cpu: float, wall: float, memory_mb: int) -> float:
    """Billed seconds: the waiting as measured, the CPU slowed to the Lambda's share of a vCPU;
    rounded up to the millisecond as Lambda bills."""
    share = min(1.0, memory_mb / LAMBDA_MB_PER_VCPU)
    return math.ceil(((wall - cpu) + cpu / share) * 1000) / 1000


def measure(samples: int) -> Measured:
    """Pings of each form and one idle sweep run against the local stack, counted."""
    results = {r.form.name: r for r in ping_path.measure_on_dynamodb_local(samples)}
    steady = next(r for r in results.values() if r.form.full_log)
    body = next(r for r in results.values() if r.form.body)
    uuid_form = ping_path.FORMS[0].name
    counted = results[uuid_form]
    typical = counted.typical()
    check_item = checks.get(counted.code).serialize()
    counter = common.AwsCalls().attach()
    clock = [0.0]
    sweep.run(settings.SWEEP_SECONDS, settings.SWEEP_POLL_SECONDS, clock=lambda: clock[0],
              sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds))  # fmt: skip
    return Measured(
        read_units=steady.mean("read_units"),
        write_units=steady.mean("write_units"),
        cpu=common.percentile([s.cpu for s in typical], 50),
        wall=common.percentile([s.wall for s in typical], 50),
        ping_bytes=max(b for s in typical for b in s.item_bytes),
        check_bytes=ping_path.item_bytes(check_item),
        check_copies=sum(1 for target in counted.mean_write_units_by_target(typical) if "checks" in target),
        ping_log_limit=Check.ping_log_limit.default,
        body_read_units=body.mean("read_units", body.typical()),
        body_write_units=body.mean("write_units", body.typical()),
        s3_puts_per_body_ping=body.mean_calls(body.typical())["s3.PutObject"],
        sweep_queries=counter.calls["dynamodb.Query"],
        # DynamoDB Local reports 0 units for a Query that finds nothing; DynamoDB bills every
        # request at least half a read unit (eventually consistent, as index reads are).
        sweep_read_units=max(counter.read_units, counter.calls["dynamodb.Query"] * MIN_QUERY_UNITS),
    )  # fmt: skip


def per_ping(m: Measured, memory_mb: int) -> dict[str, float]:
    """Dollars per plain ping (steady state, with the amortized prune), by line."""
    seconds = lambda_seconds(m.cpu, m.wall, memory_mb)
    return {
        "DynamoDB reads": m.read_units * PRICES["dynamodb_read_request_unit"],
        "DynamoDB writes": m.write_units * PRICES["dynamodb_write_request_unit"],
        "Lambda requests": PRICES["lambda_request"],
        "Lambda GB-s": seconds * memory_mb / 1024 * PRICES["lambda_gb_second"],
        "API Gateway (HTTP API)": PRICES["http_api_request"],
        "CloudWatch Logs (assumed bytes)": LOG_BYTES_PER_INVOCATION / GB * PRICES["cloudwatch_logs_ingest_gb"],
    }


def idle_month(m: Measured, memory_mb: int) -> dict[str, float]:
    """The sweep, every minute, polling for SWEEP_SECONDS with nothing due."""
    runs = MINUTES_PER_MONTH
    return {
        "sweep: EventBridge schedule": runs * PRICES["eventbridge_scheduler_invocation"],
        "sweep: Lambda requests": runs * PRICES["lambda_request"],
        "sweep: Lambda GB-s": runs * settings.SWEEP_SECONDS * memory_mb / 1024 * PRICES["lambda_gb_second"],
        "sweep: DynamoDB reads": runs * m.sweep_read_units * PRICES["dynamodb_read_request_unit"],
        "sweep: CloudWatch Logs (assumed)": runs * LOG_BYTES_PER_INVOCATION / GB * PRICES["cloudwatch_logs_ingest_gb"],
    }


def storage_month(m: Measured, n_checks: int) -> dict[str, float]:
    ping_gb = n_checks * m.ping_log_limit * (m.ping_bytes + ITEM_OVERHEAD) / GB
    check_gb = n_checks * m.check_copies * (m.check_bytes + ITEM_OVERHEAD) / GB
    return {
        f"storage: pings ({m.ping_log_limit} kept per check)": ping_gb * PRICES["dynamodb_storage_gb_month"],
        "storage: checks and their indexes": check_gb * PRICES["dynamodb_storage_gb_month"],
    }


def money(dollars: float) -> str:
    return f"${dollars:,.2f}" if dollars >= 0.01 or dollars == 0 else f"${dollars:.4f}"


def print_lines(title: str, lines: dict[str, float]) -> float:
    total = sum(lines.values())
    rows = [[name, money(value)] for name, value in lines.items()] + [["total", money(total)]]
    print(title)
    print(common.table(["line", "USD"], rows))
    print()
    return total


def report(m: Measured) -> None:
    memory = lambda_config()
    print(f"Prices: AWS us-east-1 list prices, on-demand, as of {PRICES_AS_OF}; free tiers left out:")
    print(common.table(["price", "USD"], [[name, f"{value:.10g}"] for name, value in PRICES.items()]))
    print()
    seconds = lambda_seconds(m.cpu, m.wall, memory["api"])
    print("Measured (per plain uuid ping in steady state, its log full so every 100th ping prunes):")
    print(f"  DynamoDB: {m.read_units:.3f} read units, {m.write_units:.3f} write units")
    print(f"  handler: {m.cpu * 1000:.2f} ms CPU, {m.wall * 1000:.2f} ms wall against DynamoDB Local; billed as")
    print(f"  {seconds * 1000:.0f} ms at {memory['api']} MB (CPU at {memory['api']}/{LAMBDA_MB_PER_VCPU} of a vCPU)")
    print(f"  items: ping {m.ping_bytes} B, check {m.check_bytes} B stored {m.check_copies}x (table + indexes)")
    print(f"  body ping (> 100 B): {m.body_read_units:g} read, {m.body_write_units:g} write units, "
          f"{m.s3_puts_per_body_ping:g} S3 PUT")  # fmt: skip
    print(f"  idle sweep run: {m.sweep_queries} Queries, {m.sweep_read_units:g} read units billed "
          f"({settings.SWEEP_SECONDS} s at one pass every {settings.SWEEP_POLL_SECONDS} s)")  # fmt: skip
    print()

    ping = per_ping(m, memory["api"])
    print_lines("Cost per million plain pings:", {name: value * 1e6 for name, value in ping.items()})
    extra = {
        "a body over 100 B: S3 PUT": m.s3_puts_per_body_ping * PRICES["s3_put"] * 1e6,
        "an email ping: SES inbound (1 email, 1 chunk)": (PRICES["ses_inbound_email"] + PRICES["ses_inbound_chunk_256kb"]) * 1e6,
        "an email ping: its S3 PUT and GET (the receipt rule's object)": (PRICES["s3_put"] + PRICES["s3_get"]) * 1e6,
        "REST API instead of HTTP API": (PRICES["rest_api_request"] - PRICES["http_api_request"]) * 1e6,
    }  # fmt: skip
    print("Added per million pings, by kind (on top of the above):")
    print(common.table(["when", "USD"], [[name, money(value)] for name, value in extra.items()]))
    print()

    idle = print_lines("Idle cost a month (no pings, the sweep polling):", idle_month(m, memory["sweep"]))
    for n_checks, pings_per_hour, label in ((1_000, 60, "1,000 checks pinged every minute"),
                                            (1_000_000, 1, "1,000,000 checks pinged hourly")):  # fmt: skip
        pings = n_checks * pings_per_hour * HOURS_PER_MONTH
        lines = {f"{name} ({pings / 1e6:,.1f} M pings)": value * pings for name, value in ping.items()}
        lines.update(storage_month(m, n_checks))
        lines["idle: the sweep"] = idle
        print_lines(f"A month of {label}:", lines)
    print("Not in the totals: data transfer out (answers of a few bytes), the dashboard and API,")
    print("alerts (none while every check is up), and the free tiers.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost_model", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=ping_path.PRUNE_EVERY,
                        help="pings per form to count (default: %(default)s, one prune)")  # fmt: skip
    args = parser.parse_args(argv)
    common.print_header("Cost model: monthly AWS cost from counted calls and capacity")
    print("Starting the local stack to count a ping's calls and capacity on DynamoDB Local...", flush=True)
    with common.local_stack():
        measured = measure(args.samples)
    print()
    report(measured)
    return 0


if __name__ == "__main__":
    common.run_main(main, "the local stack")
