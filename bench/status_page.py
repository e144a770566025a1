"""Handler time of a public status page of 100 checks, each with outages over the 90 days of bars.

In-process against moto's mock (bench.ping_path.in_process_moto), through the view as app.py
serves it (no session: the page is the same for everyone). Prints, per page, the wall time
(moto's emulation included) and the handler's CPU with moto's emulation taken out, p50 and p95,
and the AWS calls per view: one GetItem of the page, the project's checks Query and one Query of
the project's flips of the last 90 days (the flips' by_project index).
"""
import argparse
from datetime import datetime, timedelta, timezone

from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
from bench.dashboard import seed
from bench.ping_path import in_process_moto
from chalicelib.accounts import projects  # noqa: E402
from chalicelib.checks import check_summary, flips, status_pages  # noqa: E402
from chalicelib.store.models import Flip  # noqa: E402

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

    def view():
        request = WebRequest("GET", f"/status/{slug}/", {}, {}, b"", "127.0.0.1", datetime.now(timezone.utc))
        return status_page_views.public_page(request, slug)

    return common.measure_view(view, samples, emulator_cpu, counter)


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
            rows.append([label, common.ms(result["walls"], 50), common.ms(result["walls"], 95), common.ms(result["cpus"], 50),
                         common.ms(result["cpus"], 95), common.percentile(result["calls"], 50), f"{result['bytes']:,}"])  # fmt: skip
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
    print("checks Query, one Query of the project's flips (a page of the index each 1 MB).")
    return 0


if __name__ == "__main__":
    common.run_main(main, "the benchmark")
