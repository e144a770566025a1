"""Benchmark: the ping path. CPU per ping, AWS calls and DynamoDB capacity per ping, pings per second.

`python -m bench.ping_path [--pings 300] [--clients 1,8,32] [--seconds 5]`
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
from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.store import models, storage

BODY = b"backup finished: 1204 files, 3.2 GB\n" * 30  # ~1 KB: over the 100 bytes kept inline
PRUNE_EVERY = 100  # pings.PRUNE_EVERY: the steady-state row spans one prune
WARM_UP = 200


@dataclass
class Form:
    """One way to ping, and how each sample is prepared (uncounted) before it is sent."""

    name: str
    action: str | None = None  # URL suffix: start, fail
    by_slug: bool = False
    method: str = "GET"
    body: bytes = b""
    before_each: str | None = None  # a ping (uncounted) sent before each sample, e.g. "" = success
    full_log: bool = False  # the check already holds PRUNE_EVERY pings: each 100th ping prunes


FORMS = [
    Form("uuid success"),
    Form("slug success", by_slug=True),
    Form("start", action="start"),
    Form("fail (up -> down)", action="fail", before_each=""),
    Form("body > 100 B (S3)", method="POST", body=BODY),
    Form("uuid, full log", full_log=True),
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

    def __init__(self):
        from ping_app import app  # the ping Lambda's handler, with Chalice's request handling

        self.app = app
        now = datetime.now(timezone.utc)
        self.project = projects.create_project("ping path bench", now).project
        self.checks = {}
        for number, form in enumerate(FORMS):
            check = checks.create_check(self.project, now, name=form.name, slug=f"bench-{number}")
            self.checks[form.name] = check
            self.send(form, action=None)  # new -> up: its first ping writes a flip, not counted
            if form.full_log:
                for _ in range(PRUNE_EVERY - 1):
                    self.send(form, action=None)

    def parts(self, form: Form, action: str | None) -> list[str]:
        check = self.checks[form.name]
        parts = [self.project.ping_key, check.slug] if form.by_slug else [check.code]
        return parts + [action] if action else parts

    def event(self, form: Form, action: str | None) -> dict:
        return common.api_event(form.method, "/ping/" + "/".join(self.parts(form, action)), form.body)

    def send(self, form: Form, action: str | None) -> None:
        response = self.app(self.event(form, action), None)
        if response["statusCode"] != 200:
            raise RuntimeError(f"{form.name}: ping answered {response['statusCode']} {response.get('body')}")


def measure(targets: PingTargets, counter: common.AwsCalls, samples: int, emulator_cpu=lambda: 0.0):
    """Send `samples` pings of each form, counting the calls and the CPU of each."""
    results = []
    for form in FORMS:
        event = targets.event(form, form.action)
        collected = []
        for _ in range(samples):
            if form.before_each is not None:
                targets.send(form, action=form.before_each or None)
            counter.reset()
            emulated_before, cpu_before, wall_before = emulator_cpu(), time.thread_time(), time.perf_counter()
            response = targets.app(event, None)
            wall, cpu = time.perf_counter() - wall_before, time.thread_time() - cpu_before
            if response["statusCode"] != 200:
                raise RuntimeError(f"{form.name}: ping answered {response['statusCode']}")
            collected.append(Sample(
                calls=tuple(sorted(counter.calls.items())), read_units=counter.read_units,
                write_units=counter.write_units, write_units_by_target=Counter(counter.write_units_by_target),
                cpu=cpu - (emulator_cpu() - emulated_before), wall=wall,
                item_bytes=[item_bytes(item) for item in counter.items_written],
            ))  # fmt: skip
        results.append(FormResult(form, collected, targets.checks[form.name].code))
    return results


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
    full = next(r for r in results if r.form.full_log)
    print(f"Steady state, '{full.form.name}', mean over {len(full.samples)} pings (the 100th prunes the oldest 100):")
    print(f"  calls {calls_text(full.mean_calls())}; RCU {full.mean('read_units'):.3f}, WCU {full.mean('write_units'):.3f}")
    uuid_form = results[0]
    print(f"Where the write units of a '{uuid_form.form.name}' ping go (table or table/index: units):")
    for target, units in sorted(uuid_form.mean_write_units_by_target(uuid_form.typical()).items()):
        print(f"  {target}: {units:g}")
    sizes = [b for s in uuid_form.typical() for b in s.item_bytes]
    if sizes:
        print(f"Ping item size: {max(sizes)} bytes (names + values)")
    print()


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
