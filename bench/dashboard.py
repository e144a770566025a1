"""Handler time of the checks list and its live-update JSON for projects of 100 and 1,000 checks.

In-process against moto's mock (bench.ping_path.in_process_moto), through the dashboard's
dispatcher as app.py calls it (session, role, the view, the template). Prints per page and size
the wall time (moto's emulation included) and the handler's CPU with moto's emulation taken
out, p50 and p95, and the AWS calls per request. The goal is under 100 ms of handler time.
"""
import argparse
from datetime import datetime, timedelta, timezone

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from bench.ping_path import in_process_moto
from chalicelib.accounts import (
    projects,
    users,  # noqa: E402
)
from chalicelib.checks import checks  # noqa: E402
from chalicelib.store.models import Check  # noqa: E402

GOAL_MS = 100


def seed(project, count: int, now: datetime) -> None:
    """`count` checks of every kind and state a list shows, built as checks.create_check builds them."""
    with Check.batch_write() as batch:
        for i in range(count):
            code = f"00000000-0000-4000-8000-{i:012d}"
            fields = dict(name=f"job {i}", slug=f"job-{i}", tags=f"team{i % 7} {'prod' if i % 2 else 'staging'}")
            if i % 10 == 0:
                fields.update(kind="cron", schedule="*/5 * * * *", tz="Europe/Riga")
            state = i % 5
            if state:  # 1..4: up, late, down, running; 0: new
                fields.update(status="up", last_ping=now - timedelta(minutes=3), last_duration=42)
            if state == 2:
                fields.update(last_ping=now - timedelta(days=1, minutes=10))
            if state == 3:
                fields.update(status="down", last_ping=now - timedelta(days=3))
            if state == 4:
                fields.update(last_start=now - timedelta(seconds=30))
            check = Check(code=code, project=project.code, badge_key=code, created=now - timedelta(days=1, seconds=count - i),
                          due_shard=checks.due_shard(code), **fields)  # fmt: skip
            check.slug_key = checks.slug_key(project.ping_key, check.slug)
            batch.save(check)


def request(path: str, session_key: str, query: dict[str, list[str]] | None = None):
    from chalicelib.web.http import WebRequest

    headers = {"cookie": f"sessionid={session_key}; csrftoken=bench"}
    return WebRequest("GET", path, query or {}, headers, b"", "127.0.0.1", datetime.now(timezone.utc))


def measure(view, make_request, samples: int, emulator_cpu, counter, **params) -> dict:
    from chalicelib.web import dispatch

    return common.measure_view(lambda: dispatch.run(view, make_request(), **params), samples, emulator_cpu, counter)


def run(sizes: list[int], samples: int) -> list[list]:
    import json

    from chalicelib.web import dispatch, sessions
    from chalicelib.web.pages import checks_list

    rows = []
    with in_process_moto() as emulator_cpu:
        counter = common.AwsCalls().attach()
        now = datetime.now(timezone.utc)
        for size in sizes:
            user = users.create_user(f"bench-{size}@example.org", now)
            project = projects.create_project(f"bench {size}", now, owner=user.id).project
            seed(project, size, now)
            _, key = sessions.create(user, now)
            page_path = f"/projects/{project.code}/checks/"
            status_path = page_path + "status/"
            token = json.loads(dispatch.run(checks_list.status, request(status_path, key), code=project.code).body)["token"]
            cases = [
                ("checks list", checks_list.checks_page, lambda: request(page_path, key)),
                ("status JSON, all", checks_list.status, lambda: request(status_path, key)),
                ("status JSON, none changed", checks_list.status, lambda: request(status_path, key, {"since": [token]})),
            ]
            for name, view, make in cases:
                result = measure(view, make, samples, emulator_cpu, counter, code=project.code)
                rows.append([name, size, common.ms(result["walls"], 50), common.ms(result["walls"], 95), common.ms(result["cpus"], 50),
                             common.ms(result["cpus"], 95), common.percentile(result["calls"], 50), f"{result['bytes']:,}"])  # fmt: skip
                print(f"  {name}, {size} checks: done", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated project sizes (default 100,1000)")
    parser.add_argument("--samples", type=int, default=20, help="requests measured per page and size (default 20)")
    args = parser.parse_args(argv)
    common.print_header("Dashboard: checks list handler time, in-process against moto")
    rows = run([int(s) for s in args.sizes.split(",")], args.samples)
    print()
    print(common.table(
        ["page", "checks", "wall p50 ms", "wall p95 ms", "handler p50 ms", "handler p95 ms", "AWS calls", "bytes"], rows
    ))  # fmt: skip
    print("\nwall: the whole request with moto emulating DynamoDB in this process; handler: this")
    print(f"process's CPU with moto's emulation taken out. Goal: handler under {GOAL_MS} ms at 1,000 checks.")
    return 0


if __name__ == "__main__":
    common.run_main(main, "the benchmark")
