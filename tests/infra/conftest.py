"""What the infra tests share: one real package build (`chalice package`, ~40 s) per test run."""
import fcntl
import os
from pathlib import Path

import pytest

from infra import build


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    """build/dev/package's stand-in: sam.json and deployment.zip as `make package` writes them.
    Under pytest-xdist the workers share the run's folder, and the first one to get there builds."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's own folder, above each worker's
    built = root / "package-built"
    with open(root / "package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            build.package("dev", root / "build")
            built.touch()
    return root / "build" / "dev" / "package"
