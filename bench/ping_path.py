"""Benchmark: the ping path. CPU per ping, AWS calls and DynamoDB capacity per ping, pings per second.

`python -m bench.ping_path [--pings 300] [--clients 1,8,32] [--seconds 5]`

`steady_state_units()` returns a ping's read and write units in steady state (the log full), as
measured on the DynamoDB Local this process points at (for bench.cost_model and others).
"""
import argparse
import contextlib
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.pings import retention
from chalicelib.store import models, storage
from chalicelib.store.models import Check, Notification, Ping

BODY = b"backup finished: 1204 files, 3.2 GB\n" * 30  # ~1 KB: over the 100 bytes kept inline
PRUNE_EVERY = retention.PRUNE_EVERY  # the steady-state rows span one prune
# Pings a full-log check gets before it is measured: past the prunes of its first pings (a new
# check's first pings are pruned, retention.keep), so the measured ones are the steady state.
FULL_LOG_PINGS = 4 * PRUNE_EVERY
WARM_UP = 200
DAILY = 86400.0
# Measured by this benchmark at commit 849e554, before pings expired by TTL (2026-12-06 19:47 UTC):
# the 'uuid, full log' row, mean of 100 pings spanning one prune.
RECORDED_BEFORE = {"commit": "849e554", "read_units": 1.025, "write_units": 6.0}


@dataclass
class Form:
    """One way to ping, and how each sample is prepared (uncounted) before it is sent."""

    name: str
    action: str | None = None  # URL suffix: start, fail
    by_slug: bool = False
    method: str = "GET"
    body: bytes = b""
    before_each: str | None = None  # a ping (uncounted) sent before each sample, e.g. "" = success
    full_log: bool = False  # the check's log is full (FULL_LOG_PINGS before): the steady state
    old_prune: bool = False  # each 100th ping also runs the prune of 849e554 (counted): the path before
    pace: float | None = None  # the check's pace is set to this (uncounted) before each ping


FORMS = [
    Form("uuid success"),
    Form("slug success", by_slug=True),
    Form("start", action="start"),
    Form("fail (up -> down)", action="fail", before_each=""),
    Form("body > 100 B (S3)", method="POST", body=BODY),
    # bench.cost_model takes the first full_log form as the steady state.
    Form("uuid, full log", full_log=True),
    Form("uuid, full log, old prune", full_log=True, old_prune=True),
    Form("uuid, full log, pinged daily", full_log=True, pace=DAILY),
]


@dataclass
class Sample:
    calls: tuple  # sorted (operation, count) pairs
    read_units: float
    write_units: float
    write_units_by_target: Counter
    cpu: float  # seconds of this thread's CPU in the handler, emulator excluded
    wall: float
    item_bytes: list[int] = field(default_factory=list)  # size of each PutItem's item


@dataclass
class FormResult:
    form: Form
    samples: list[Sample]
    code: str  # the check pinged

    def typical(self) -> list[Sample]:
        """The samples with the most common call pattern (the others include a prune)."""
        pattern, _ = Counter(s.calls for s in self.samples).most_common(1)[0]
        return [s for s in self.samples if s.calls == pattern]

    def mean(self, attribute: str, samples: list[Sample] | None = None) -> float:
        samples = samples or self.samples
        return sum(getattr(s, attribute) for s in samples) / len(samples)

    def mean_calls(self, samples: list[Sample] | None = None) -> Counter:
        samples = samples or self.samples
        total: Counter = Counter()
        for s in samples:
            total.update(dict(s.calls))
        return Counter({name: n / len(samples) for name, n in total.items()})

    def mean_write_units_by_target(self, samples: list[Sample] | None = None) -> Counter:
        samples = samples or self.samples
        total: Counter = Counter()
        for s in samples:
            total.update(s.write_units_by_target)
        return Counter({name: n / len(samples) for name, n in total.items()})


def item_bytes(item: dict) -> int:
    """An item's size as DynamoDB bills storage: attribute names plus values (low-level JSON form)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(v) if isinstance(v, bytes) else len(v.encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_bytes({kind[0]: x}) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(x) + 1 for k, x in v.items())
    return 3 + sum(_value_bytes(x) + 1 for x in v)  # L


class PingTargets:
    """A project and one "up" check per form, pinged through the ping Lambda's handler (ping_app.py)."""

    def __init__(self, forms: list[Form] = FORMS):
        from ping_app import app  # the ping Lambda's handler, with Chalice's request handling

        self.app = app
        now = datetime.now(timezone.utc)
        self.project = projects.create_project("ping path bench", now).project
        self.checks = {}
        self.sent: Counter = Counter()  # pings answered per form: the check's n_pings
        for number, form in enumerate(forms):
            check = checks.create_check(self.project, now, name=form.name, slug=f"bench-{number}")
            self.checks[form.name] = check
            self.send(form, action=None)  # new -> up: its first ping writes a flip, not counted
            if form.full_log:
                for _ in range(FULL_LOG_PINGS - 1):
                    self.prepare(form)
                    self.send(form, action=None)
                    self.after(form)

    def parts(self, form: Form, action: str | None) -> list[str]:
        check = self.checks[form.name]
        parts = [self.project.ping_key, check.slug] if form.by_slug else [check.code]
        return parts + [action] if action else parts

    def event(self, form: Form, action: str | None) -> dict:
        return common.api_event(form.method, "/ping/" + "/".join(self.parts(form, action)), form.body)

    def send(self, form: Form, action: str | None, event: dict | None = None) -> dict:
        response = self.app(event or self.event(form, action), None)
        if response["statusCode"] != 200:
            raise RuntimeError(f"{form.name}: ping answered {response['statusCode']} {response.get('body')}")
        self.sent[form.name] += 1
        return response

    def prepare(self, form: Form) -> None:
        """Before a ping of the form: the pace it is measured at."""
        if form.pace is not None:
            Check(code=self.checks[form.name].code).update(actions=[Check.pace.set(form.pace)])

    def after(self, form: Form) -> None:
        """After a ping of the form: the prune of 849e554 on each 100th, for the path before."""
        n = self.sent[form.name]
        if form.old_prune and n % PRUNE_EVERY == 0:
            prune_before(self.checks[form.name].code, n - int(self.checks[form.name].ping_log_limit))


def prune_before(code: str, up_to_n: int) -> None:
    """The prune every 100th ping ran at commit 849e554 (chalicelib/pings/intake.py), as it was:
    delete every ping numbered up to `up_to_n` and its S3 body, then the notifications older than
    the oldest ping kept. Kept here to measure the path before beside the path now."""
    if up_to_n < 1:
        return
    old = list(Ping.query(code, Ping.n <= up_to_n, attributes_to_get=["code", "n", "object_size"]))
    with Ping.batch_write() as batch:
        for ping in old:
            batch.delete(ping)
    in_s3 = [int(p.n) for p in old if p.object_size]
    if in_s3:
        storage.delete_bodies(code, in_s3)
    oldest_kept = next(iter(Ping.query(code, Ping.n > up_to_n, limit=1, attributes_to_get=["created"])), None)
    if oldest_kept is not None:
        before = oldest_kept.created
        notifications = Notification.query(
            code, Notification.key < before.isoformat(), filter_condition=Notification.created < before,
            attributes_to_get=["code", "key"],
        )  # fmt: skip
        with Notification.batch_write() as batch:
            for notification in notifications:
                batch.delete(notification)


def measure(targets: PingTargets, counter: common.AwsCalls, samples: int, emulator_cpu=lambda: 0.0, forms=FORMS):
    """Send `samples` pings of each form, counting the calls and the CPU of each."""
    results = []
    for form in forms:
        event = targets.event(form, form.action)
        collected = []
        for _ in range(samples):
            if form.before_each is not None:
                targets.send(form, action=form.before_each or None)
            targets.prepare(form)
            counter.reset()
            emulated_before, cpu_before, wall_before = emulator_cpu(), time.thread_time(), time.perf_counter()
            targets.send(form, form.action, event)
            targets.after(form)
            wall, cpu = time.perf_counter() - wall_before, time.thread_time() - cpu_before
            collected.append(Sample(
                calls=tuple(sorted(counter.calls.items())), read_units=counter.read_units,
                write_units=counter.write_units, write_units_by_target=Counter(counter.write_units_by_target),
                cpu=cpu - (emulator_cpu() - emulated_before), wall=wall,
                item_bytes=[item_bytes(item) for item in counter.items_written],
            ))  # fmt: skip
        results.append(FormResult(form, collected, targets.checks[form.name].code))
    return results


@dataclass
class SteadyState:
    """A ping's cost once its check's log is full: means over `pings` pings, which span one prune."""

    read_units: float
    write_units: float
    write_units_by_target: dict  # "table" or "table/index" (stage prefix removed) -> units per ping
    calls: dict  # "service.Operation" -> calls per ping
    pings: int


def steady_state_units(samples: int = PRUNE_EVERY, form: str = "uuid, full log") -> SteadyState:
    """Read and write units per plain uuid ping in steady state, measured on the DynamoDB Local
    this process points at (common.local_stack() or common.dynamodb_local(); tables are made if
    missing). `form`: "uuid, full log" (a check pinged often: now), "uuid, full log, old prune"
    (the same with the prune of 849e554: before), "uuid, full log, pinged daily" (a rare pinger)."""
    [chosen] = [f for f in FORMS if f.name == form]
    models.create_tables()
    counter = common.AwsCalls().attach()
    [result] = measure(PingTargets([chosen]), counter, samples, forms=[chosen])
    return SteadyState(
        read_units=result.mean("read_units"),
        write_units=result.mean("write_units"),
        write_units_by_target={_short(t): u for t, u in sorted(result.mean_write_units_by_target().items())},
        calls=dict(sorted(result.mean_calls().items())),
        pings=len(result.samples),
    )


def _short(target: str) -> str:
    return target.removeprefix(settings.TABLE_PREFIX)


@contextlib.contextmanager
def in_process_moto():
    """moto's in-process mock with the tables and bucket; yields a function giving the CPU
    seconds moto has spent emulating AWS so far, so it can be taken out of the handler's."""
    from moto import mock_aws
    from moto.core.models import botocore_stubber

    from chalicelib.store import aws

    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("AWS_ENDPOINT_URL")}
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1")
    spent = [0.0]
    process_request = botocore_stubber.process_request

    def timed(request):
        started = time.thread_time()
        try:
            return process_request(request)
        finally:
            spent[0] += time.thread_time() - started

    mock = mock_aws()
    mock.start()
    botocore_stubber.process_request = timed
    try:
        aws.reset()
        models.create_tables()
        storage.create_bucket()
        yield lambda: spent[0]
    finally:
        botocore_stubber.process_request = process_request
        mock.stop()
        os.environ.update(saved)
        aws.reset()


def measure_in_process(samples: int) -> list[FormResult]:
    with in_process_moto() as emulator_cpu:
        counter = common.AwsCalls().attach()
        return measure(PingTargets(), counter, samples, emulator_cpu)


def measure_on_dynamodb_local(samples: int) -> list[FormResult]:
    """The same pings against the process's current endpoints (the local stack's DynamoDB Local)."""
    counter = common.AwsCalls().attach()
    targets = PingTargets()
    for _ in range(WARM_UP):  # DynamoDB Local's JVM compiles its hot paths over the first pings
        targets.send(FORMS[0], action=None)
    return measure(targets, counter, samples)


def calls_text(calls: Counter) -> str:
    def count(n: float) -> str:
        return f"{n:g}" if n == int(n) else f"{n:.2f}"

    return ", ".join(f"{name.split('.')[1]} {count(n)}" for name, n in sorted(calls.items()))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def report_cpu(results: list[FormResult]) -> None:
    print("Handler CPU per ping, in-process against moto (moto's own CPU taken out), milliseconds:")
    rows = []
    for r in results:
        cpu = [s.cpu for s in r.samples]
        rows.append([r.form.name, len(cpu), ms(common.percentile(cpu, 50)), ms(common.percentile(cpu, 99)),
                     calls_text(r.mean_calls(r.typical()))])  # fmt: skip
    print(common.table(["form", "pings", "CPU p50", "CPU p99", "AWS calls (typical ping)"], rows))
    print()


def report_counts(results: list[FormResult]) -> None:
    print("AWS calls and DynamoDB capacity per ping, against DynamoDB Local (the real engine, asked")
    print("with ReturnConsumedCapacity=INDEXES; moto answers a fixed 1.0 or 0.5 whatever the item):")
    rows = []
    for r in results:
        typical = r.typical()
        rows.append([
            r.form.name, calls_text(r.mean_calls(typical)), f"{r.mean('read_units', typical):g}",
            f"{r.mean('write_units', typical):g}", ms(common.percentile([s.cpu for s in r.samples], 50)),
            ms(common.percentile([s.wall for s in r.samples], 50)),
        ])  # fmt: skip
    print(common.table(["form (typical ping)", "AWS calls", "RCU", "WCU", "CPU p50", "wall p50"], rows))
    print()
    report_steady_state([r for r in results if r.form.full_log])
    uuid_form = results[0]
    print(f"Where the write units of a '{uuid_form.form.name}' ping go (table or table/index: units):")
    for target, units in sorted(uuid_form.mean_write_units_by_target(uuid_form.typical()).items()):
        print(f"  {_short(target)}: {units:g}")
    sizes = [b for s in uuid_form.typical() for b in s.item_bytes]
    if sizes:
        print(f"Ping item size: {max(sizes)} bytes (names + values)")
    check_item = Check._get_connection().get_item(uuid_form.code)["Item"]
    print(f"Check item size: {item_bytes(check_item)} bytes (a write unit covers 1 KB of the larger of old and new)")
    print()


def report_steady_state(steady: list[FormResult]) -> None:
    """The full-log rows: now, the path before (the old prune, measured in this run), a rare pinger."""
    print(f"Steady state (the log full), mean over {len(steady[0].samples)} pings, which span one prune:")
    rows = [[r.form.name, calls_text(r.mean_calls()), f"{r.mean('read_units'):.3f}", f"{r.mean('write_units'):.3f}"]
            for r in steady]  # fmt: skip
    print(common.table(["form", "AWS calls", "RCU", "WCU"], rows))
    by_name = {r.form.name: r for r in steady}
    now, before = by_name.get("uuid, full log"), by_name.get("uuid, full log, old prune")
    if now and before:
        print(f"Write units per ping in steady state, before -> now: {before.mean('write_units'):.3f} -> "
              f"{now.mean('write_units'):.3f} (before: the same pings with the prune of {RECORDED_BEFORE['commit']}, "
              f"in this run; this benchmark measured {RECORDED_BEFORE['write_units']:.3f} at that commit)")  # fmt: skip
    for r in steady:
        print(f"  {r.form.name}: " + ", ".join(
            f"{_short(t)} {u:.2f}" for t, u in sorted(r.mean_write_units_by_target().items())))  # fmt: skip


def http_rate(base: str, codes: list[str], clients: int, seconds: float, keep_alive: bool):
    """`clients` threads pinging their own check for `seconds`: (pings/s, latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(code: str) -> None:
        mine, failed = [], 0
        with requests.Session() as session:
            # Without keep-alive each ping opens its own connection, as curl in a cron job does.
            get = session.get if keep_alive else requests.get
            start.wait()
            while time.perf_counter() < stop_at[0]:
                began = time.perf_counter()
                try:
                    ok = get(f"{base}/ping/{code}", timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                if ok:
                    mine.append(time.perf_counter() - began)
                else:
                    failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(codes[i % len(codes)],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - began), latencies, errors[0]


def measure_http(stack: common.Stack, client_counts: list[int], seconds: float, keep_alive: bool) -> None:
    now = datetime.now(timezone.utc)
    project = projects.create_project("http rate", now).project
    codes = [checks.create_check(project, now, name=f"http {i}").code for i in range(max(client_counts))]
    connection = "one keep-alive connection per client" if keep_alive else "a new connection per ping"
    print(f"Pings per second over HTTP to the local stack, {seconds:g} s per row: GET /ping/<uuid>,")
    print(f"each client a thread pinging its own check, {connection}:")
    http_rate(stack.base, codes, 1, min(seconds, 2.0), keep_alive)  # warm-up: the app server's first requests
    rows = []
    for clients in client_counts:
        rate, latencies, errors = http_rate(stack.base, codes, clients, seconds, keep_alive)
        rows.append([clients, f"{rate:,.0f}", ms(common.percentile(latencies, 50)),
                     ms(common.percentile(latencies, 99)), errors])  # fmt: skip
    print(common.table(["clients", "pings/s", "latency p50 ms", "p99 ms", "errors"], rows))
    print("The app server (Chalice's local server, threaded), DynamoDB Local (JVM), moto and the clients")
    print("share this machine's cores: the figure is the whole stack on one box, not Lambda.")
    if keep_alive:
        print("Chalice's local server writes headers and body in two TCP segments: on a keep-alive")
        print("connection Nagle's algorithm and the client's delayed ACK add ~40 ms per ping.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ping_path", description=__doc__.splitlines()[0])
    parser.add_argument("--pings", type=int, default=300, help="pings per form, in-process (default: %(default)s)")
    parser.add_argument("--counted", type=int, default=PRUNE_EVERY,
                        help="pings per form against DynamoDB Local (default: %(default)s)")  # fmt: skip
    parser.add_argument("--clients", default="1,8,32", help="concurrent HTTP clients per row (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per HTTP row (default: %(default)s)")
    parser.add_argument("--keep-alive", action="store_true", help="one connection per client, not per ping")
    args = parser.parse_args(argv)
    client_counts = [int(n) for n in args.clients.split(",") if n.strip()]

    common.print_header("Ping path: CPU, AWS calls and capacity per ping; pings per second over HTTP")
    print("Each ping goes through app.py's Lambda handler (an API Gateway event) unless over HTTP.")
    print("Goal: 1 read + 2 writes per ping.")
    print(flush=True)
    report_cpu(measure_in_process(args.pings))
    print("Starting the local stack (DynamoDB Local, moto, app, timers)...", flush=True)
    with common.local_stack() as stack:
        report_counts(measure_on_dynamodb_local(args.counted))
        measure_http(stack, client_counts, args.seconds, args.keep_alive)
    return 0


if __name__ == "__main__":
    common.run_main(main, "the local stack")
