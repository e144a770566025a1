"""Benchmark: from a check's deadline (alert_after) to its webhook arriving, through the local stack.

`python -m bench.alert_latency [--checks 60] [--tick-seconds 60]`

The stack's sweep ticks every `--tick-seconds` (SWEEP_SECONDS; 60 as the schedule on AWS), each
tick waiting in turn for the deadlines within its minute. The deadlines are a minute or more
after each check's write, as every real one is (a grace is at least 60 s), and spread over a
whole minute, so they fall at every point of a tick's wait.
"""
import argparse
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from chalicelib.accounts import projects
from chalicelib.checks import channels, checks

# The smallest schedule the API accepts; last_ping is this far before alert_after.
TIMEOUT = GRACE = 60
# A deadline comes at least a grace after the write that set it: a tick a minute before sees it.
MIN_LEAD = GRACE
FIRST_DEADLINE = MIN_LEAD + 10.0  # seconds after setup starts: room to create the checks and the channel
SPACING = 1.0  # seconds between two checks' deadlines: 60 checks cover a minute
AFTER_LAST = 60.0  # seconds after the last deadline until we give up on missing webhooks
GOAL_P95 = 5.0


class Arrivals:
    """An HTTP server on 127.0.0.1 that notes when each webhook body (a check code) first arrives."""

    def __init__(self):
        self.first: dict[str, datetime] = {}
        self.duplicates = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                # Stamped before the body is read: the moment the request reached us.
                at = datetime.now(timezone.utc)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode(errors="replace")
                arrivals.note(body.strip(), at)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def note(self, code: str, at: datetime) -> None:
        with self._lock:
            if code in self.first:
                self.duplicates += 1
            else:
                self.first[code] = at

    def __enter__(self) -> "Arrivals":
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def set_up(m: int, hook_url: str) -> tuple[dict[str, datetime], float, float]:
    """A project, m up checks with deadlines from FIRST_DEADLINE s on, SPACING s apart, then
    the webhook channel.

    Returns each check's alert_after by code, the seconds the setup took, and the shortest
    time from a check's write to its deadline.
    """
    started = time.monotonic()
    now = datetime.now(timezone.utc)
    project = projects.create_project("alert latency", now).project
    deadlines, min_lead = {}, float("inf")
    for i in range(m):
        alert_after = now + timedelta(seconds=FIRST_DEADLINE + i * SPACING)
        # Consistent with the schedule, so that the sweep's status rules say "down" at alert_after.
        last_ping = alert_after - timedelta(seconds=TIMEOUT + GRACE)
        check = checks.create_check(
            project, now, name=f"latency {i}", timeout=TIMEOUT, grace=GRACE,
            status="up", last_ping=last_ping, alert_after=alert_after,
        )  # fmt: skip
        deadlines[check.code] = alert_after
        min_lead = min(min_lead, (alert_after - datetime.now(timezone.utc)).total_seconds())
    # After the checks: a new channel is assigned to the project's existing checks.
    hook = {"method_down": "POST", "url_down": f"{hook_url}/down", "body_down": "$CODE"}
    channels.create_channel(project.code, "webhook", hook, now, name="bench recorder")
    return deadlines, time.monotonic() - started, min_lead


def wait_for(arrivals: Arrivals, codes, until: float) -> None:
    last_report = 0.0
    while time.monotonic() < until:
        got = sum(code in arrivals.first for code in codes)
        if got == len(codes):
            return
        if time.monotonic() - last_report >= 5:
            print(f"  {got:>3} / {len(codes)} webhooks received", flush=True)
            last_report = time.monotonic()
        time.sleep(0.1)


def report(
    deadlines: dict[str, datetime], arrivals: Arrivals, stack: common.Stack, tick_seconds: int, wait_timeout: float
) -> None:
    delays = sorted((arrivals.first[c] - d).total_seconds() for c, d in deadlines.items() if c in arrivals.first)
    missing = [c for c in deadlines if c not in arrivals.first]
    print()
    print("Delay from a check's alert_after to its webhook reaching the recorder (seconds):")
    p50, p95 = common.percentile(delays, 50), common.percentile(delays, 95)
    print(common.table(
        ["checks", "received", "min", "p50", "p95", "max"],
        [[len(deadlines), len(delays), f"{min(delays, default=float('nan')):.2f}", f"{p50:.2f}", f"{p95:.2f}",
          f"{max(delays, default=float('nan')):.2f}"]],
    ))  # fmt: skip
    print()
    buckets = [0] * 7  # [0,1), [1,2), ... [5,6), 6 and over
    for delay in delays:
        buckets[min(max(int(delay), 0), 6)] += 1
    labels = [f"{i}-{i + 1} s" for i in range(6)] + [">= 6 s"]
    print(common.table(["delay", "checks"], [[label, count] for label, count in zip(labels, buckets)]))
    print()
    print(f"p95 under {GOAL_P95:g} s: {'yes' if delays and not missing and p95 < GOAL_P95 else 'no'}")
    if arrivals.duplicates:
        print(f"Duplicate webhooks: {arrivals.duplicates} (each check should alert once)")
    if missing:
        print(f"Missing after {wait_timeout:g} s: {len(missing)} checks: {', '.join(missing)}")
        print(f"--- last lines of the stack's log ---\n{stack.log_tail()}")
    print()
    print(f"How the path runs locally: the stack's sweep ticks every {tick_seconds} s (SWEEP_SECONDS), as the")
    print("schedule runs the sweep Lambda; a tick waits for each deadline within its window and sends the")
    print("check down then (its transaction's time after the deadline), and the delivery timer reads the")
    print("flips stream every 1 s (0-1 s more), then the webhook goes out. On AWS the same tick runs in the")
    print("sweep Lambda every minute and the stream invokes the delivery Lambda directly.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alert_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=60, help="checks to send down (default: %(default)s)")
    parser.add_argument(
        "--tick-seconds", type=int, default=60,
        help="the stack's SWEEP_SECONDS: a sweep tick this often (default: %(default)s, as on AWS)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    spread = FIRST_DEADLINE + (args.checks - 1) * SPACING
    wait_timeout = spread + AFTER_LAST

    common.print_header("Alert latency: deadline -> webhook, through the local stack")
    print(f"{args.checks} up checks, deadlines {SPACING:g} s apart from {FIRST_DEADLINE:g} s to {spread:g} s from now;")
    print("one webhook channel (POST, body $CODE) to a recorder in this process.")
    print(f"Starting the local stack (DynamoDB Local, moto, app, timers; a sweep tick every {args.tick_seconds} s)...",
          flush=True)  # fmt: skip
    env = {"INTEGRATIONS_ALLOW_PRIVATE_IPS": "true", "SWEEP_SECONDS": str(args.tick_seconds)}
    with common.local_stack(**env) as stack, Arrivals() as arrivals:
        started = time.monotonic()
        deadlines, setup_seconds, min_lead = set_up(args.checks, arrivals.url)
        print(f"Set up in {setup_seconds:.2f} s; every deadline {min_lead:.1f} s or more after its check's write;")
        print(f"waiting for the webhooks (up to {wait_timeout:g} s)...", flush=True)
        if min_lead < MIN_LEAD:
            print(f"  (setup was slow: a deadline less than {MIN_LEAD} s after its write, which no real schedule")
            print("   makes, may be seen only by the next tick, late)")
        wait_for(arrivals, list(deadlines), started + wait_timeout)
        report(deadlines, arrivals, stack, args.tick_seconds, wait_timeout)
    return 0


if __name__ == "__main__":
    common.run_main(main, "the local stack")
