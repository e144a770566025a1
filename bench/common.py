"""What the benchmarks share: the local stack (or DynamoDB Local alone) as a child, cleaned up
whatever happens; pointing this process at it; counting AWS calls; a ping as API Gateway sends
it; a percentile; the machine and date header.

Import this module before anything from chalicelib: settings reads STAGE once, on import.
"""
import contextlib
import ctypes
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests

# Before chalicelib.settings is imported: bench tables (hc-bench-*), never the dev ones.
os.environ["STAGE"] = "bench"

from chalicelib.local.dynamodb import java_pids  # noqa: E402  (after STAGE is set)

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90  # JVM start plus moto import
STOP_TIMEOUT = 60
PR_SET_PDEATHSIG = 1


def _sigterm_is_an_exit(signum, frame):
    # Python's default SIGTERM skips `finally`; this way the stack below is still stopped.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _sigterm_is_an_exit)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_line() -> str:
    """CPU model, cores and Python version, for the top of a report."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()} ({sys.platform})"


def print_header(title: str) -> None:
    print(title)
    print("=" * len(title))
    print(f"machine: {machine_line()}")
    print(f"date:    {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}")
    print(flush=True)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method: always one of the values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(values: list[float], p: float) -> str:
    """The p-th percentile of durations in seconds, as milliseconds with one decimal."""
    return f"{percentile(values, p) * 1000:.1f}"


def measure_view(respond, samples: int, emulator_cpu, counter, cpu_clock=time.thread_time, warm_up: int = 3) -> dict:
    """Wall times, CPU times with moto's emulation taken out, and AWS calls of `respond()` (a
    view's answer, which must be 200), `samples` times after `warm_up` uncounted calls."""
    walls, cpus, calls, size = [], [], [], 0
    for n in range(warm_up + samples):
        calls_before, emulated_before = counter.total(), emulator_cpu()
        wall, cpu = time.perf_counter(), cpu_clock()
        response = respond()
        wall, cpu = time.perf_counter() - wall, cpu_clock() - cpu
        assert response.status == 200, response.body[:200]
        if n >= warm_up:
            walls.append(wall)
            cpus.append(cpu - (emulator_cpu() - emulated_before))
            calls.append(counter.total() - calls_before)
            size = len(response.body)
    return {"walls": walls, "cpus": cpus, "calls": calls, "bytes": size}


def table(headers: list[str], rows: list[list]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells[1:]]
    return "\n".join(lines)


def point_at(dynamodb_url: str, moto_url: str | None = None, s3_url: str | None = None) -> None:
    """Send this process's boto3 clients and pynamodb models to the local servers."""
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    if moto_url:
        os.environ["AWS_ENDPOINT_URL"] = moto_url
    if s3_url:
        os.environ["AWS_ENDPOINT_URL_S3"] = s3_url
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_url
    # Dummy keys: DynamoDB Local (-sharedDb) and moto accept anything, and a real profile must not leak.
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1")
    from chalicelib.store import aws

    aws.reset()


def _kill_leftover_java(data_dir: Path) -> None:
    for pid in java_pids(data_dir):
        print(f"(killing DynamoDB Local pid {pid}, left after the stop)", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _die_with_parent():
    """preexec_fn: the kernel sends the child SIGTERM if this process dies (even SIGKILLed)."""
    parent = os.getpid()

    def preexec() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


@dataclass
class Stack:
    base: str  # the app's URL
    dynamodb_url: str
    moto_url: str
    s3_url: str
    data_dir: Path
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def local_stack(**extra_env: str):
    """`python -m chalicelib.local run` on free ports and a temp data dir, with STAGE=bench.

    Yields a Stack once /api/v3/status answers, with this process pointed at it; on the way
    out it stops the stack, kills any java left with that data dir and deletes the dir.
    """
    tmp = Path(tempfile.mkdtemp(prefix="hc-bench-"))
    port, ddb_port, moto_port, smtp_port, s3_port = free_port(), free_port(), free_port(), free_port(), free_port()
    stack = Stack(
        base=f"http://127.0.0.1:{port}",
        dynamodb_url=f"http://127.0.0.1:{ddb_port}",
        moto_url=f"http://127.0.0.1:{moto_port}",
        s3_url=f"http://127.0.0.1:{s3_port}",
        data_dir=tmp / "data",
        log_path=tmp / "stack.log",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(PYTHONUNBUFFERED="1", STAGE="bench", **extra_env)
    command = [
        sys.executable, "-m", "chalicelib.local", "run",
        "--port", str(port), "--ddb-port", str(ddb_port), "--moto-port", str(moto_port), "--s3-port", str(s3_port),
        "--smtp-port", str(smtp_port), "--data-dir", str(stack.data_dir),
    ]  # fmt: skip
    process = None
    try:
        with open(stack.log_path, "ab") as log:
            # Its own session: a Ctrl-C reaches only us, and we stop the stack in order.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent() if sys.platform == "linux" else None,
            )  # fmt: skip
        _wait_ready(process, stack)
        point_at(stack.dynamodb_url, stack.moto_url, stack.s3_url)
        yield stack
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _kill_leftover_java(stack.data_dir)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_ready(process: subprocess.Popen, stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{stack.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{stack.base}/api/v3/status", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the local stack did not answer within {START_TIMEOUT} s:\n{stack.log_tail()}")
        time.sleep(0.2)


@contextlib.contextmanager
def dynamodb_local(parent_dir: str | None = None):
    """DynamoDB Local alone (no timers, no app) in a temp dir under parent_dir (default: the
    system's temp dir); yields the data dir, this process pointed at the server."""
    from chalicelib.local.dynamodb import DynamoDBLocal

    tmp = Path(tempfile.mkdtemp(prefix="hc-bench-", dir=parent_dir))
    server = DynamoDBLocal(tmp, free_port())
    try:
        server.start()
        point_at(server.url)
        yield tmp
    finally:
        server.stop()
        _kill_leftover_java(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


class AwsCalls:
    """botocore hooks on this process's clients: every AWS call by "service.Operation", and the
    DynamoDB capacity units consumed (asked per table and index with ReturnConsumedCapacity)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.calls: Counter = Counter()
        self.read_units = self.write_units = 0.0
        self.write_units_by_target: Counter = Counter()  # "table" or "table/index" -> write units
        self.scanned = 0  # items DynamoDB read for Query and Scan (sum of ScannedCount)
        self.items_written: list[dict] = []  # the Item of each PutItem, for its size

    def attach(self) -> "AwsCalls":
        """Hook the clients of every pynamodb model and boto3's S3 client; again after aws.reset()."""
        from chalicelib.store import aws, models

        dynamodb = {id(c): c for c in (m._get_connection().connection.client for m in models.ALL_MODELS)}
        for client in dynamodb.values():
            client.meta.events.register("provide-client-params.dynamodb", self._ask_capacity)
            client.meta.events.register("after-call.dynamodb", self._after_call)
        aws.client("s3").meta.events.register("after-call.s3", self._after_call)
        return self

    def _ask_capacity(self, params, model, **kwargs):
        if model.name == "PutItem":
            self.items_written.append(params.get("Item", {}))
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"

    def _after_call(self, parsed, model, event_name, **kwargs):
        service = event_name.split(".")[1]
        self.calls[f"{service}.{model.name}"] += 1
        self.scanned += parsed.get("ScannedCount", 0)
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units = entry.get("CapacityUnits", 0.0)
            if model.name in READ_OPERATIONS:
                self.read_units += units
                continue
            self.write_units += units
            table_name = entry.get("TableName", "?")
            self.write_units_by_target[table_name] += entry.get("Table", {}).get("CapacityUnits", units)
            for index, used in (entry.get("GlobalSecondaryIndexes") or {}).items():
                self.write_units_by_target[f"{table_name}/{index}"] += used["CapacityUnits"]

    def total(self, service: str | None = None) -> int:
        return sum(n for name, n in self.calls.items() if service is None or name.startswith(service + "."))


def api_event(method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> dict:
    """A request to app.py as API Gateway hands it to the Lambda (Chalice's local gateway builds it)."""
    from chalice.local import LambdaEventConverter, RouteMatcher

    from app import app

    converter = LambdaEventConverter(RouteMatcher(list(app.routes)))
    headers = {"user-agent": "bench/1.0", "x-forwarded-proto": "https", **(headers or {})}
    return converter.create_lambda_event(method=method, path=path, headers=headers, body=body or None)


def run_main(main, stopped: str) -> None:
    """A benchmark's entry point: exit with main()'s code; on Ctrl-C say what was stopped."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(f"Interrupted ({stopped} was stopped).")
