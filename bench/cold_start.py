"""Benchmark: cold start. Import a Lambda's handler module and handle its first request in a fresh process.

`python -m bench.cold_start [--runs 7] [--page /accounts/login/]`
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from chalicelib.accounts import projects
from chalicelib.checks import checks

GOAL_MS = 300
PING_MODELS = ["Check", "Ping", "Flip"]  # the tables a ping touches
WARM_UP = 300
# Run in a fresh interpreter: the times are taken inside it, from its first line, so that this
# process's own imports count for nothing. argv[1] is the handler module (ping_app for the ping
# Lambda, app for the rest), argv[2] JSON: the steps, each (name, kind, argument).
PING_MODULE, WEB_MODULE = "ping_app", "app"
CHILD = r"""
import json, sys, time
started = time.perf_counter()
module, plan = sys.argv[1], json.loads(sys.argv[2])
app = __import__(module)
timings, statuses = {"import " + module: time.perf_counter() - started}, []
for name, kind, arg in plan:
    began = time.perf_counter()
    if kind == "import":
        __import__(arg)
    elif kind == "clients":  # what the first request would create: one client per table model
        from chalicelib.store import models
        for model in arg:
            getattr(models, model)._get_connection().connection.client
    else:
        statuses.append(app.app(arg, None)["statusCode"])
    timings[name] = time.perf_counter() - began
print(json.dumps({"timings": timings, "statuses": statuses}))
"""


def child_env(stack: common.Stack, compiled: bool, pycache: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(STAGE="bench", AWS_ENDPOINT_URL=stack.moto_url, AWS_ENDPOINT_URL_DYNAMODB=stack.dynamodb_url,
               AWS_ENDPOINT_URL_S3=stack.s3_url)
    if not compiled:
        # An empty bytecode cache that stays empty: every module is compiled from source, as on a
        # Lambda whose zip carries no .pyc (its file system is read-only, so none are written).
        env.update(PYTHONPYCACHEPREFIX=pycache, PYTHONDONTWRITEBYTECODE="1")
    return env


def run_child(
    module: str, plan: list, env: dict, python_flags: tuple = (), cwd: Path = common.ROOT
) -> tuple[dict, float, str]:
    """One fresh process: (its timings in seconds, its wall time from spawn to exit, its stderr)."""
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *python_flags, "-c", CHILD, module, json.dumps(plan)],
        cwd=cwd, env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - began
    if result.returncode != 0:
        raise RuntimeError(f"the cold-start child failed:\n{result.stderr[-3000:]}")
    output = json.loads(result.stdout.strip().splitlines()[-1])
    if any(status >= 500 for status in output["statuses"]):
        raise RuntimeError(f"the cold-start child got {output['statuses']}:\n{result.stderr[-3000:]}")
    return output["timings"], wall, result.stderr


def warm_up(event: dict) -> None:
    """Pings from this process first: DynamoDB Local's JVM is slow on its first few hundred calls,
    and a cold JVM is not what a Lambda cold start meets."""
    from app import app

    for _ in range(WARM_UP):
        app(event, None)


def interpreter_start(runs: int) -> float:
    walls = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append(time.perf_counter() - began)
    return statistics.median(walls)


def summarize(
    title: str, module: str, plan: list, env: dict, runs: int, goal_steps: list[str] | None = None,
    cwd: Path = common.ROOT,
) -> None:
    results = [run_child(module, plan, env, cwd=cwd) for _ in range(runs)]
    steps = list(results[0][0])
    rows = []
    for step in steps:
        values = [timings[step] for timings, _, _ in results]
        rows.append([step, *_spread(values)])
    rows.append(["whole process, spawn to exit", *_spread([wall for _, wall, _ in results])])
    print(f"{title} ({runs} fresh processes; milliseconds):")
    print(common.table(["step", "median", "min", "max"], rows))
    if goal_steps:
        totals = [sum(timings[s] for s in goal_steps) for timings, _, _ in results]
        median, best = statistics.median(totals) * 1000, min(totals) * 1000
        verdict = "yes" if median < GOAL_MS else "no"
        # A busy host only ever adds time: the fastest run is the closest to the code's own cost.
        print(f"{' + '.join(goal_steps)}: {median:.0f} ms median, {best:.0f} ms fastest; median under {GOAL_MS} ms: {verdict}")
    print(flush=True)


def _spread(seconds: list[float]) -> list[str]:
    return [f"{value * 1000:.0f}" for value in (statistics.median(seconds), min(seconds), max(seconds))]


def import_profile(module: str, env: dict, top: int = 10) -> None:
    """The slowest imports made by `import <module>` and its direct imports, from python -X importtime."""
    _, _, stderr = run_child(module, [], env, ("-X", "importtime"))
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.*)$", line)
        # Nesting is two spaces a level: keep app's imports and theirs.
        if match and len(match.group(3)) - len(match.group(3).lstrip(" ")) in (2, 4):
            rows.append((int(match.group(2)), match.group(3).strip()))
    rows.sort(reverse=True)
    print(f"Slowest imports under `import {module}`, two levels deep (-X importtime, cumulative, bytecode cached):")
    print(common.table(["module", "ms"], [[name, f"{us / 1000:.1f}"] for us, name in rows[:top]]))
    print()


def from_package(archive: Path, plan: list, goal: list[str], env: dict, runs: int) -> None:
    """The same ping from the unpacked deployment zip (its own pynamodb, botocore, ...), with the
    bytecode it carries and with that bytecode removed; nothing is written back (-B)."""
    env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPYCACHEPREFIX", None)
    with tempfile.TemporaryDirectory(prefix="hc-task-") as task:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(task)
        summarize(f"Ping handler from {archive.name}, with its bytecode", PING_MODULE, plan, env, runs, goal, cwd=Path(task))
        for cached in Path(task).rglob("*.pyc"):
            cached.unlink()
        summarize(f"Ping handler from {archive.name}, its bytecode removed", PING_MODULE, plan, env, runs, goal, cwd=Path(task))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per row (default: %(default)s)")
    parser.add_argument("--page", default="/accounts/login/",
                        help="the dashboard page to request (default: %(default)s)")  # fmt: skip
    parser.add_argument("--zip", type=Path, help="also run from this deployment.zip (make package), unpacked as Lambda does")
    args = parser.parse_args(argv)

    common.print_header("Cold start: import a handler module and handle the first request in a fresh process")
    print(f"Each child process imports the Lambda's handler module ({PING_MODULE} for pings, {WEB_MODULE} for the")
    print("dashboard) and calls its app(event, None) with an API Gateway event, as the Lambda runtime does;")
    print(" the AWS calls go to the local stack's DynamoDB Local and")
    print(f"moto. Goal: import + first ping under {GOAL_MS} ms.")
    print(f"Python interpreter start alone (python -c pass): {interpreter_start(args.runs) * 1000:.0f} ms median")
    print("Starting the local stack (DynamoDB Local, moto, app, timers)...", flush=True)
    with common.local_stack() as stack, tempfile.TemporaryDirectory(prefix="hc-pycache-") as pycache:
        now = datetime.now(timezone.utc)
        check = checks.create_check(projects.create_project("cold start", now).project, now, name="cold")
        ping = common.api_event("GET", f"/ping/{check.code}")
        warm_up(ping)
        print(flush=True)
        plan = [["first ping", "event", ping], ["second ping", "event", ping]]
        goal = [f"import {PING_MODULE}", "first ping"]
        summarize("Ping handler, bytecode cached", PING_MODULE, plan, child_env(stack, True, pycache), args.runs, goal)
        summarize("Ping handler, no bytecode cache", PING_MODULE, plan, child_env(stack, False, pycache), args.runs, goal)
        split = [["create the ping's clients", "clients", PING_MODELS], *plan]
        summarize("Ping handler, its AWS clients created first (where the first ping goes)", PING_MODULE, split,
                  child_env(stack, True, pycache), args.runs)  # fmt: skip
        import_profile(PING_MODULE, child_env(stack, True, pycache))
        if args.zip:
            from_package(args.zip, plan, goal, child_env(stack, True, pycache), args.runs)

        page = common.api_event("GET", args.page, headers={"accept": "text/html"})
        pages = [["first page " + args.page, "event", page], ["second page", "event", page]]
        dashboard_goal = [f"import {WEB_MODULE}", "first page " + args.page]
        summarize("Dashboard, bytecode cached", WEB_MODULE, pages, child_env(stack, True, pycache), args.runs, dashboard_goal)
        import_profile(WEB_MODULE, child_env(stack, True, pycache))
    return 0


if __name__ == "__main__":
    common.run_main(main, "the local stack")
