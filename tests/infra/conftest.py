"""What the infra tests share: one real package build (`chalice package`, ~40 s) per session."""
from pathlib import Path

import pytest

from infra import build


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    """build/dev/package's stand-in: sam.json and deployment.zip as `make package` writes them."""
    return build.package("dev", tmp_path_factory.mktemp("build"))
