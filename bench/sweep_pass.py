"""Benchmark: what one sweep pass reads and costs, at two table sizes, on DynamoDB Local.

`python -m bench.sweep_pass [--sizes 10000,100000] [--checks N] [--due-percent 1]`
"""
import argparse
import os
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read

from chalicelib import checks, models, projects, schedules, settings, sweep
from chalicelib.models import Check, Flip

PROGRESS_EVERY = 10_000
SEED_CHUNK = 1_000
SEED_WRITERS = 4
SHM = "/dev/shm"


@dataclass
class PassResult:
    queries: int
    items_read: int
    due: int
    seconds: float
    went_down: int

    @property
    def ratio(self) -> str:
        return f"{self.items_read / self.due:.2f}" if self.due else "-"


@dataclass
class SizeResult:
    checks: int
    seed_rate: float
    passes: list[PassResult]


class QueryCounter:
    """botocore hook: counts Query calls and sums their ScannedCount (items DynamoDB read)."""

    def __init__(self):
        self.calls = self.scanned = 0

    def __call__(self, parsed, **kwargs):
        self.calls += 1
        self.scanned += parsed.get("ScannedCount", 0)


def fresh_tables() -> None:
    """Empty checks and flips tables, so each size starts alone in the table."""
    for model in (Check, Flip):
        if model.exists():
            model.delete_table()
    models.create_tables()


def new_check(project, now: datetime, last_ping: datetime) -> Check:
    """An "up" check built as checks.create_check builds it, with its alert_after."""
    code = str(uuid.uuid4())
    check = Check(
        code=code,
        project=project.code,
        badge_key=str(uuid.uuid4()),
        created=now,
        due_shard=checks.due_shard(code),
        ping_log_limit=project.ping_log_limit,
        status="up",
        last_ping=last_ping,
    )
    check.slug_key = checks.slug_key(project.ping_key, check.slug)
    check.alert_after = schedules.going_down_after(check)
    return check


def seed(n: int, n_due: int, rng: random.Random) -> float:
    """Write n checks in one project with BatchWriteItem; n_due already past alert_after. Items/s."""
    now = datetime.now(timezone.utc)
    project = projects.create_project(f"bench {n}", now).project
    period = timedelta(seconds=Check.timeout.default + Check.grace.default)
    # Drawn up front, so the deadlines don't depend on which writer thread runs first.
    last_pings = [now - timedelta(seconds=rng.uniform(0, 23 * 3600)) for _ in range(n)]
    for i in rng.sample(range(n), n_due):
        # Missed its deadline 1 min to 1 h ago; the others' deadlines are at least 2 h away.
        last_pings[i] = now - period - timedelta(seconds=rng.uniform(60, 3600))

    def write(lo: int) -> int:
        with Check.batch_write() as batch:  # 25 items per BatchWriteItem
            for last_ping in last_pings[lo : lo + SEED_CHUNK]:
                batch.save(new_check(project, now, last_ping))
        return len(last_pings[lo : lo + SEED_CHUNK])

    started, written = time.perf_counter(), 0
    # A few writers at once: DynamoDB Local takes about a third more items per second than with one.
    pool = ThreadPoolExecutor(SEED_WRITERS)
    try:
        for count in pool.map(write, range(0, n, SEED_CHUNK)):
            written += count
            if written % PROGRESS_EVERY == 0 or written == n:
                elapsed = time.perf_counter() - started
                print(f"  seeded {written:>7,} / {n:,}  ({written / elapsed:,.0f} checks/s)", flush=True)
    finally:
        # On Ctrl-C, drop the chunks not begun rather than write them all before stopping.
        pool.shutdown(cancel_futures=True)
    return n / (time.perf_counter() - started)


def one_pass(counter: QueryCounter, due: int) -> PassResult:
    counter.calls = counter.scanned = 0
    started = time.perf_counter()
    went_down = sweep.sweep_once(datetime.now(timezone.utc))
    seconds = time.perf_counter() - started
    return PassResult(counter.calls, counter.scanned, due, seconds, went_down)


def run_size(n: int, due_percent: float, counter: QueryCounter, rng: random.Random) -> SizeResult:
    n_due = round(n * due_percent / 100)
    print(f"{n:,} checks, {n_due:,} of them due:", flush=True)
    fresh_tables()
    rate = seed(n, n_due, rng)
    result = SizeResult(n, rate, [])
    # The first pass sends the due checks down; the second, right after, finds nothing due.
    due = n_due
    for number in (1, 2):
        p = one_pass(counter, due)
        result.passes.append(p)
        print(
            f"  pass {number}: {p.queries} queries read {p.items_read:,} items for {p.due:,} due "
            f"(read/due {p.ratio}), {p.seconds:.3f} s, {p.went_down:,} went down",
            flush=True,
        )
        due -= p.went_down
    print(flush=True)
    return result


def report(results: list[SizeResult]) -> None:
    headers = [
        "checks", "due", "read", "read/due", "pass 1 s", "went down",
        "2nd read", "pass 2 s", "seed/s",
    ]  # fmt: skip
    rows = []
    for r in results:
        first, second = r.passes
        rows.append([
            f"{r.checks:,}", f"{first.due:,}", f"{first.items_read:,}", first.ratio, f"{first.seconds:.3f}",
            f"{first.went_down:,}", f"{second.items_read:,}", f"{second.seconds:.3f}", f"{r.seed_rate:,.0f}",
        ])  # fmt: skip
    print(common.table(headers, rows))
    print()
    print("read      = items DynamoDB read for the sweep's queries (sum of ScannedCount, pass 1)")
    print("read/due  = 1.00 means the pass read exactly the due checks, whatever the table size")
    print("2nd read  = items read by a second pass right after (nothing due: should be 0)")
    print(f"Each pass makes one Query per due shard (DUE_SHARDS={settings.DUE_SHARDS}) on the sparse 'due' index;")
    print("a pass's time is mostly the UpdateItem + PutItem (flip) of each check that goes down.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep_pass", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000", help="table sizes to run, comma-separated (default: %(default)s)"
    )
    parser.add_argument("--checks", type=int, help="run this one table size instead of --sizes")
    parser.add_argument(
        "--due-percent", type=float, default=1.0, help="percent of checks past their deadline (default: 1)"
    )
    parser.add_argument(
        "--on-disk", action="store_true",
        help="keep DynamoDB Local's data in the system temp dir, as `make run` keeps it on disk "
        "(default: /dev/shm when there is one; seeding is 2-3x faster without disk syncs)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    sizes = [args.checks] if args.checks else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    parent = None if args.on_disk or not os.access(SHM, os.W_OK) else SHM

    common.print_header("Sweep pass: items read per pass vs. table size (DynamoDB Local)")
    listed = ", ".join(f"{n:,}" for n in sizes)
    print(f"sizes: {listed} checks; {args.due_percent:g}% due; DUE_SHARDS={settings.DUE_SHARDS}")
    print("DynamoDB Local runs alone: the full stack's own sweep timer would get to the due checks first.")
    rng = random.Random(1)  # the same deadlines on every run
    results = []
    with common.dynamodb_local(parent) as data_dir:
        storage = "tmpfs, no disk syncs" if parent else "on disk"
        print(f"Its data: {data_dir} ({storage}; --on-disk to change).")
        print(flush=True)
        counter = QueryCounter()
        # The sweep's queries go through the Check model's connection, so its client sees them all.
        # botocore names the event after the service id in lower case: "DynamoDB.Query" never fires.
        Check._get_connection().connection.client.meta.events.register("after-call.dynamodb.Query", counter)
        for n in sizes:
            results.append(run_size(n, args.due_percent, counter, rng))
    report(results)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted (DynamoDB Local was stopped).")
