"""Benchmark: what one sweep pass reads and costs, at two table sizes on DynamoDB Local, and at
1,000,000 checks simulated by index arithmetic; then what an idle tick (the scheduled run with
nothing due within its minute) costs, at 0 and 1,000 checks (`measure_idle_tick`).

`python -m bench.sweep_pass [--sizes 10000,100000] [--checks N] [--due-percent 1] [--simulate 1000000]
[--idle-checks 0,1000] [--only-idle]`
"""
import argparse
import bisect
import os
import random
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import checks, schedules, sweep
from chalicelib.store import models
from chalicelib.store.models import Check, Flip

PROGRESS_EVERY = 10_000
SEED_CHUNK = 1_000
SEED_WRITERS = 4
SHM = "/dev/shm"
# DynamoDB Local reports 0 units for a Query that finds nothing; DynamoDB bills every request at
# least half a read unit (eventually consistent, as index reads are).
MIN_QUERY_UNITS = 0.5
IDLE_TICK_RUNS = 20
IDLE_TICK_WARM_UP = 20  # uncounted ticks first: a Lambda invoked every minute stays warm, and so does DynamoDB


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


PERIOD = Check.timeout.default + Check.grace.default  # seconds from last_ping to alert_after


def draw_last_pings(n: int, n_due: int, rng: random.Random) -> list[float]:
    """Seconds before now of each check's last ping; n_due of them past their deadline."""
    ago = [rng.uniform(0, 23 * 3600) for _ in range(n)]
    for i in rng.sample(range(n), n_due):
        # Missed its deadline 1 min to 1 h ago; the others' deadlines are at least 2 h away.
        ago[i] = PERIOD + rng.uniform(60, 3600)
    return ago


def seed(n: int, n_due: int, rng: random.Random) -> float:
    """Write n checks in one project with BatchWriteItem; n_due already past alert_after. Items/s."""
    now = datetime.now(timezone.utc)
    project = projects.create_project(f"bench {n}", now).project
    # Drawn up front, so the deadlines don't depend on which writer thread runs first.
    last_pings = [now - timedelta(seconds=ago) for ago in draw_last_pings(n, n_due, rng)]

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


def one_pass(counter: common.AwsCalls, due: int) -> PassResult:
    counter.reset()
    started = time.perf_counter()
    went_down = sweep.sweep_once(datetime.now(timezone.utc))
    seconds = time.perf_counter() - started
    return PassResult(counter.calls["dynamodb.Query"], counter.scanned, due, seconds, went_down)


class NotIdle(Exception):
    """The tick found a check due within its minute, so it would wait: not an idle tick."""


def _refuse_to_wait(seconds: float) -> None:
    raise NotIdle(f"a check falls due {seconds:.1f} s into the tick's minute")


def measure_idle_tick(checks: int = 0, runs: int = IDLE_TICK_RUNS, rng: random.Random | None = None) -> dict:
    """What one idle sweep tick costs, against the DynamoDB this process points at (DynamoDB
    Local alone, or the local stack's).

    First adds `checks` up checks on the default schedule (a day, 1 h grace), each pinged within
    its period, so none falls due for an hour or more; then runs `sweep.tick` IDLE_TICK_WARM_UP
    times to warm up (a Lambda invoked every minute stays warm) and `runs` more times, counted.
    Raises NotIdle if a check in the table falls due within the tick's minute (the tick would
    wait), RuntimeError if one went down. Returns, per tick:

    - "checks": the checks it added; "runs": the ticks counted
    - "calls": AWS operation ("dynamodb.Query") -> calls; "queries": the Queries
    - "items_read": items DynamoDB read (sum of ScannedCount)
    - "read_units": read units DynamoDB Local reported; "billed_read_units": at least
      MIN_QUERY_UNITS per Query, as DynamoDB bills
    - "seconds": wall time, the median run; "seconds_max": the slowest
    - "cpu_seconds": this process's CPU time, the median run (to scale to a Lambda's share of a vCPU)
    """
    if checks:
        seed(checks, 0, rng or random.Random(1))
    counter = common.AwsCalls().attach()
    for _ in range(IDLE_TICK_WARM_UP):  # this process's clients, and DynamoDB Local's JVM compiling its paths
        sweep.tick(sleep=_refuse_to_wait)
    counter.reset()
    walls, cpus, went_down = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        went_down += sweep.tick(sleep=_refuse_to_wait)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    if went_down:
        raise RuntimeError(f"not idle: {went_down} checks went down during the measured ticks")
    queries = counter.calls["dynamodb.Query"] / runs
    return {
        "checks": checks,
        "runs": runs,
        "calls": {name: n / runs for name, n in sorted(counter.calls.items())},
        "queries": queries,
        "items_read": counter.scanned / runs,
        "read_units": counter.read_units / runs,
        "billed_read_units": max(counter.read_units / runs, queries * MIN_QUERY_UNITS),
        "seconds": statistics.median(walls),
        "seconds_max": max(walls),
        "cpu_seconds": statistics.median(cpus),
    }


def report_idle_ticks(results: list[tuple[int, dict]]) -> None:
    """results: (checks in the table, measure_idle_tick's figures) for each size."""
    print("Idle tick: the scheduled run with nothing due within its minute (sweep.tick, window")
    print(f"{settings.SWEEP_SECONDS} s); checks on the default schedule (a day, 1 h grace) pinged on time; per tick,")
    print(f"median of {IDLE_TICK_RUNS} runs after {IDLE_TICK_WARM_UP} to warm up:")
    rows = [
        [f"{n:,}", ", ".join(f"{name.split('.')[1]} {count:g}" for name, count in r["calls"].items()),
         f"{r['items_read']:g}", f"{r['read_units']:g}", f"{r['billed_read_units']:g}",
         f"{r['seconds'] * 1000:.1f}", f"{r['seconds_max'] * 1000:.1f}", f"{r['cpu_seconds'] * 1000:.1f}"]
        for n, r in results
    ]  # fmt: skip
    print(common.table(
        ["checks", "AWS calls", "items read", "read units", "billed units", "ms", "ms max", "CPU ms"], rows
    ))  # fmt: skip
    print(f"billed units: at least {MIN_QUERY_UNITS:g} per Query, as DynamoDB bills (DynamoDB Local reports 0 for an")
    print("empty one). No wait, no write: the tick ends after its Queries. `measure_idle_tick()` returns these.")
    print()


def run_size(n: int, due_percent: float, counter: common.AwsCalls, rng: random.Random) -> SizeResult:
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


@dataclass
class SimulatedResult:
    checks: int
    due: int
    read: int
    queries: int
    sampled: int  # checks whose deadline and status were also worked out by chalicelib.checks.schedules
    pass_seconds: float | None  # estimated from a seeded size's measured pass
    empty_seconds: float | None

    @property
    def ratio(self) -> str:
        return f"{self.read / self.due:.2f}" if self.due else "-"


def simulate(n: int, due_percent: float, rng: random.Random, measured: SizeResult | None) -> SimulatedResult:
    """Index arithmetic for n checks, nothing seeded: each check's alert_after in its due shard,
    sorted as the index keeps it; each shard's Query (alert_after <= now) reads the rows up to now."""
    n_due = round(n * due_percent / 100)
    ago = draw_last_pings(n, n_due, rng)
    shards: list[list[float]] = [[] for _ in range(settings.DUE_SHARDS)]
    for seconds_ago in ago:
        code = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        shards[checks.due_shard(code)].append(PERIOD - seconds_ago)  # alert_after, seconds after now
    read = 0
    for rows in shards:
        rows.sort()
        read += bisect.bisect_right(rows, 0.0)
    # Due by the status rules (now >= last_ping + timeout + grace), counted apart from the index.
    due = sum(1 for seconds_ago in ago if seconds_ago >= PERIOD)
    sampled = verify_deadlines(ago, rng)
    pass_seconds = empty_seconds = None
    if measured:
        first, second = measured.passes
        per_query = second.seconds / max(second.queries, 1)
        per_down = (first.seconds - first.queries * per_query) / max(first.went_down, 1)
        empty_seconds = settings.DUE_SHARDS * per_query
        pass_seconds = empty_seconds + due * per_down
    return SimulatedResult(n, due, read, settings.DUE_SHARDS, sampled, pass_seconds, empty_seconds)


def verify_deadlines(ago: list[float], rng: random.Random, size: int = 2_000) -> int:
    """The arithmetic's deadline (last_ping + timeout + grace) and "due" against chalicelib.checks.schedules,
    on a sample of the checks; raises if they disagree. Returns the sample size."""
    now = datetime.now(timezone.utc)
    for seconds_ago in rng.sample(ago, min(size, len(ago))):
        check = Check(code="x", project="x", status="up", last_ping=now - timedelta(seconds=seconds_ago))
        alert_after = schedules.going_down_after(check)
        expected = now + timedelta(seconds=PERIOD - seconds_ago)
        is_due = schedules.status(check, now) == "down"
        if abs((alert_after - expected).total_seconds()) > 0.001 or is_due != (seconds_ago >= PERIOD):
            raise RuntimeError(f"index arithmetic disagrees with schedules for a ping {seconds_ago:.0f} s ago")
    return min(size, len(ago))


def report_simulated(result: SimulatedResult, measured: SizeResult | None) -> None:
    print(f"SIMULATED, not seeded: {result.checks:,} checks by index arithmetic (the due index's rows")
    print("sorted per shard, each shard's Query counted up to now); the deadlines and the due count")
    print(f"were checked against chalicelib.checks.schedules on {result.sampled:,} sampled checks.")
    seconds = "-" if result.pass_seconds is None else f"~{result.pass_seconds:.1f}"
    empty = "-" if result.empty_seconds is None else f"~{result.empty_seconds:.3f}"
    print(common.table(
        ["checks", "due", "read", "read/due", "queries", "pass 1 s (est.)", "empty pass s (est.)"],
        [[f"{result.checks:,}", f"{result.due:,}", f"{result.read:,}", result.ratio, result.queries, seconds, empty]],
    ))  # fmt: skip
    if measured:
        print(f"The seconds are estimates: the {measured.checks:,}-check run's time per check sent down and per")
        print("empty query, times this size's due checks and queries. A pass's time does not grow with")
        print("the table, only with the checks due.")
    print()


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
    print("a pass's time is mostly the transaction (the check's update and its flip) of each check that goes")
    print(f"down, SWEEP_WORKERS={settings.SWEEP_WORKERS} at a time.")


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
    parser.add_argument(
        "--simulate", type=int, default=1_000_000,
        help="then this many checks by index arithmetic, not seeded (default: %(default)s; 0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--idle-checks", default="0,1000",
        help="then an idle tick at each of these table sizes, comma-separated (default: %(default)s; '': none)",
    )  # fmt: skip
    parser.add_argument("--only-idle", action="store_true", help="only the idle ticks: no passes, no simulation")
    args = parser.parse_args(argv)
    idle_sizes = [int(s.replace("_", "")) for s in args.idle_checks.split(",") if s.strip()]
    sizes = [args.checks] if args.checks else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.only_idle:
        sizes, args.simulate = [], 0
    parent = None if args.on_disk or not os.access(SHM, os.W_OK) else SHM

    common.print_header("Sweep pass: items read per pass vs. table size (DynamoDB Local)")
    listed = ", ".join(f"{n:,}" for n in sizes)
    if sizes:
        print(f"sizes: {listed} checks; {args.due_percent:g}% due; DUE_SHARDS={settings.DUE_SHARDS}")
    if idle_sizes:
        listed_idle = ", ".join(f"{n:,}" for n in sorted(idle_sizes))
        print(f"idle ticks at: {listed_idle} checks; DUE_SHARDS={settings.DUE_SHARDS}")
    print("DynamoDB Local runs alone: the full stack's own sweep timer would get to the due checks first.")
    rng = random.Random(1)  # the same deadlines on every run
    results = []
    with common.dynamodb_local(parent) as data_dir:
        storage = "tmpfs, no disk syncs" if parent else "on disk"
        print(f"Its data: {data_dir} ({storage}; --on-disk to change).")
        print(flush=True)
        counter = common.AwsCalls().attach()
        for n in sizes:
            results.append(run_size(n, args.due_percent, counter, rng))
        idle = []
        if idle_sizes:
            fresh_tables()
            in_table = 0
            for n in sorted(idle_sizes):  # each size adds the checks it has over the last one
                print(f"Idle tick at {n:,} checks:", flush=True)
                idle.append((n, measure_idle_tick(n - in_table, rng=rng)))
                in_table = n
            print(flush=True)
    if results:
        report(results)
        print()
    if idle:
        report_idle_ticks(idle)
    if args.simulate:
        measured = max(results, key=lambda r: r.checks, default=None)
        report_simulated(simulate(args.simulate, args.due_percent, rng, measured), measured)
    return 0


if __name__ == "__main__":
    common.run_main(main, "DynamoDB Local")
