"""Handler time of a public status page of 100 checks, each with outages over the 90 days of bars.

In-process against moto's mock (bench.ping_path.in_process_moto), through the view as app.py
serves it (no session: the page is the same for everyone). Prints, per page, the wall time
(moto's emulation included) and the handler's CPU with moto's emulation taken out, p50 and p95,
and the AWS calls per view: one GetItem of the page, the project's checks Query, one flips Query
per shown check (bounded to 90 days, WORKERS at a time).
"""
import argparse
import time
from datetime import datetime, timedelta, timezone

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from bench.dashboard import seed
from bench.ping_path import in_process_moto
from chalicelib.accounts import projects  # noqa: E402
from chalicelib.checks import check_summary, flips, status_pages  # noqa: E402
from chalicelib.store.models import Flip  # noqa: E402

WARM_UP = 3
OUTAGES = 6  # per check, spread over the 90 days


def seed_flips(project_code: str, now: datetime) -> int:
    """OUTAGES down periods per check (a down flip and the up flip that ends it)."""
    written = 0
    with Flip.batch_write() as batch:
        for n, check in enumerate(check_summary.project_checks(project_code)):
            for k in range(OUTAGES):
                start = now - timedelta(days=85 - k * 14, hours=n % 24)
                batch.save(flips.new_flip(check, "up", "down", "timeout", start))
                batch.save(flips.new_flip(check, "down", "up", "", start + timedelta(minutes=5 + 7 * k)))
                written += 2
    return written


def make_page(project_code: str, now: datetime, tags: bool) -> str:
    listed = check_summary.project_checks(project_code)
    if tags:
        items = [("tag", tag, f"Team {tag}") for tag in sorted({t for c in listed for t in c.tags.split()})]
    else:
        items = [("check", check.code, f"Service {i}") for i, check in enumerate(listed)]
    page = status_pages.create(project_code, "Bench status", now)
    form = {"title": "Bench status", "slug": f"bench-{'tags' if tags else 'checks'}", "published": True, "items": items}
    return status_pages.update(page, form, listed).slug


def measure(slug: str, samples: int, emulator_cpu, counter) -> dict:
    from chalicelib.web.http import WebRequest
    from chalicelib.web.pages import status_page_views

    walls, cpus, calls, size = [], [], [], 0
    for n in range(WARM_UP + samples):
        request = WebRequest("GET", f"/status/{slug}/", {}, {}, b"", "127.0.0.1", datetime.now(timezone.utc))
        calls_before, emulated_before = counter.total(), emulator_cpu()
        wall, cpu = time.perf_counter(), time.process_time()  # the flips Queries run on worker threads
        response = status_page_views.public_page(request, slug)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status == 200, response.body[:200]
        if n >= WARM_UP:
            walls.append(wall)
            cpus.append(cpu - (emulator_cpu() - emulated_before))
            calls.append(counter.total() - calls_before)
            size = len(response.body)
    return {"walls": walls, "cpus": cpus, "calls": calls, "bytes": size}


def run(count: int, samples: int) -> list[list]:
    rows = []
    with in_process_moto() as emulator_cpu:
        counter = common.AwsCalls().attach()
        now = datetime.now(timezone.utc)
        project = projects.create_project("bench status", now).project
        seed(project, count, now - timedelta(days=99))
        print(f"  {seed_flips(project.code, now)} flips seeded", flush=True)
        for label, tags in ((f"{count} checks, one item each", False), (f"{count} checks as their tags", True)):
            slug = make_page(project.code, now, tags)
            result = measure(slug, samples, emulator_cpu, counter)
            ms = lambda values, p: f"{common.percentile(values, p) * 1000:.1f}"  # noqa: E731
            rows.append([label, ms(result["walls"], 50), ms(result["walls"], 95), ms(result["cpus"], 50),
                         ms(result["cpus"], 95), common.percentile(result["calls"], 50), f"{result['bytes']:,}"])  # fmt: skip
            print(f"  {label}: done", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=100, help="checks on the page (default 100)")
    parser.add_argument("--samples", type=int, default=20, help="views measured per page (default 20)")
    args = parser.parse_args(argv)
    common.print_header("Status page: public view handler time, in-process against moto")
    rows = run(args.checks, args.samples)
    print()
    print(common.table(["page", "wall p50 ms", "wall p95 ms", "handler p50 ms", "handler p95 ms", "AWS calls", "bytes"], rows))
    print("\nwall: the whole view with moto emulating DynamoDB in this process; handler: this process's CPU")
    print("(all threads) with moto's emulation taken out. AWS calls per view: GetItem of the page, the")
    print(f"checks Query, one flips Query per shown check ({status_pages.WORKERS} at a time).")
    return 0


if __name__ == "__main__":
    common.run_main(main, "the benchmark")
