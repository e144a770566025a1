"""LocalStack's setup failing: not installed for the runner, not installable for the tests."""
import pytest

from tests.support.backends import install_localstack
from tests.support.stack import free_port


def test_localstack_without_its_venv_is_a_stack_error_naming_make_localstack(tmp_path):
    from chalicelib.local.environment import StackError
    from chalicelib.local.localstack import LocalStack

    server = LocalStack(tmp_path, free_port(), venv=tmp_path / "no-venv")
    with pytest.raises(StackError, match=r"LocalStack is not installed in .*no-venv: run `make localstack`"):
        server.start()
    assert server.process is None


def test_localstack_that_cannot_be_installed_skips_the_tests_naming_the_error(tmp_path):
    (tmp_path / "Makefile").write_text(
        "localstack:\n\t@echo 'ERROR: No matching distribution found for localstack-core==4.9.2' >&2; exit 1\n"
    )
    with pytest.raises(pytest.skip.Exception) as skipped:
        install_localstack(tmp_path)
    reason = str(skipped.value)
    assert reason.startswith("LocalStack cannot be installed (`make localstack` exited 2):\n")
    assert "\nERROR: No matching distribution found for localstack-core==4.9.2\n" in reason
