"""Benchmark: what each Lambda imports before its first request, this tree beside an older commit.

`python -m bench.import_weight [--against 33e79c6] [--runs 15]`

Fresh processes, alternating between the two trees, each timing its handler module's import
in CPU time (what the import costs, whatever else the machine is doing) and wall time. The
older commit is checked out in a temporary git worktree. A tree with ping_app.py serves pings
from it and the dashboard from app.py with every page module; an older tree served both from
app.py, and its first page imported the dispatcher, the renderer and the page's module then.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import common

# The commit before the layout step (issue 15): routes in app.py, views named by strings.
BEFORE_LAYOUT = "33e79c6"
# The dashboard's login page, as the older tree's first request imported it.
OLD_FIRST_PAGE = "import app, chalicelib.web.dispatch, chalicelib.web.render, chalicelib.web.accounts_pages"
CHILD = (
    "import sys, time\n"
    "wall, cpu = time.perf_counter(), time.process_time()\n"
    "exec(sys.argv[1])\n"
    "print(time.process_time() - cpu, time.perf_counter() - wall)\n"
)


def entry_points(tree: Path) -> dict[str, str]:
    """What the ping Lambda and the dashboard's first request import in this tree."""
    if (tree / "ping_app.py").exists():
        return {"ping Lambda": "import ping_app", "dashboard": "import app"}
    return {"ping Lambda": "import app", "dashboard": OLD_FIRST_PAGE}


def time_import(tree: Path, code: str) -> tuple[float, float]:
    env = {"PATH": "/usr/bin:/bin", "STAGE": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run([sys.executable, "-c", CHILD, code], cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"importing in {tree} failed:\n{result.stderr[-2000:]}")
    cpu, wall = map(float, result.stdout.split())
    return cpu, wall


def compare(trees: dict[str, Path], runs: int) -> list[list[str]]:
    samples = {(label, lambda_): ([], []) for label in trees for lambda_ in ("ping Lambda", "dashboard")}
    for _ in range(runs):
        for label, tree in trees.items():
            for lambda_, code in entry_points(tree).items():
                cpu, wall = time_import(tree, code)
                samples[(label, lambda_)][0].append(cpu)
                samples[(label, lambda_)][1].append(wall)
    rows = []
    for lambda_ in ("ping Lambda", "dashboard"):
        for label, tree in trees.items():
            cpu, wall = samples[(label, lambda_)]
            rows.append([
                lambda_, label, entry_points(tree)[lambda_].removeprefix("import "),
                f"{statistics.median(cpu) * 1000:.0f}", f"{min(cpu) * 1000:.0f}",
                f"{statistics.median(wall) * 1000:.0f}", f"{min(wall) * 1000:.0f}",
            ])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_weight", description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BEFORE_LAYOUT, help="the older commit (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per row (default: %(default)s)")
    args = parser.parse_args(argv)
    common.print_header(f"Import weight: this tree beside {args.against}")
    with tempfile.TemporaryDirectory(prefix="hc-before-") as scratch:
        older = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(older), args.against], cwd=common.ROOT, check=True)
        try:
            rows = compare({args.against: older, "this tree": common.ROOT}, args.runs)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(older)], cwd=common.ROOT, check=False)
    print(f"Milliseconds over {args.runs} fresh processes each, alternating; CPU time is what the import costs")
    print("(a busy host adds wall time, hardly CPU time):")
    print(common.table(["Lambda", "tree", "imports", "CPU median", "CPU min", "wall median", "wall min"], rows))
    return 0


if __name__ == "__main__":
    common.run_main(main, "the comparison")
