"""The ping path stays light: it must not pull in templates, 2FA, integrations or boto3
(botocore comes with pynamodb; boto3 is imported when a ping body is first stored in S3)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEAVY = ("jinja2", "fido2", "chalicelib.integrations.registry", "moto", "boto3")


@pytest.mark.parametrize("module", ["chalicelib.pings.intake", "ping_app"])
def test_ping_handler_imports_no_heavy_module(module):
    code = (
        f"import sys, {module}; "
        f"print(' '.join(m for m in sys.modules if m.startswith({HEAVY!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
