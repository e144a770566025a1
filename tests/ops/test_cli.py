"""The CLI's createproject contract: one line of JSON with the keys in clear."""
import json
import os

import pytest

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.ops import cli
from chalicelib.store.models import ApiKey, Project


@pytest.fixture
def no_endpoint(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.setenv(name, "recorded-so-teardown-removes-it")
        monkeypatch.delenv(name)


def test_cli_talks_to_the_local_stack_by_default(no_endpoint):
    cli.use_local_stack_unless_told()
    assert os.environ["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{settings.LOCAL_MOTO_PORT}"
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == f"http://127.0.0.1:{settings.LOCAL_DYNAMODB_PORT}"
    assert os.environ["AWS_ENDPOINT_URL_S3"] == f"http://127.0.0.1:{settings.LOCAL_S3_PORT}"


def test_cli_keeps_an_endpoint_the_user_set(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    cli.use_local_stack_unless_told()
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ


def test_createproject_prints_one_json_line_with_the_keys(aws, real_aws_endpoint, capsys):
    assert cli.main(["createproject", "--name", "Ops"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    printed = json.loads(out)
    assert set(printed) == {"project", "api_key", "api_key_readonly", "ping_key"}
    project = Project.get(printed["project"])
    assert (project.name, project.ping_key) == ("Ops", printed["ping_key"])


def test_createproject_stores_only_hashes_of_the_keys(aws, real_aws_endpoint, capsys):
    cli.main(["createproject", "--name", "Ops"])
    printed = json.loads(capsys.readouterr().out)
    rw = ApiKey.get(projects.hash_key(printed["api_key"]))
    ro = ApiKey.get(projects.hash_key(printed["api_key_readonly"]))
    assert (rw.project, rw.readonly, ro.readonly) == (printed["project"], False, True)
    stored = [k.attribute_values for k in ApiKey.scan()]
    assert printed["api_key"] not in json.dumps(stored, default=str)


def test_api_keys_have_healthchecks_shape(aws):
    new = projects.create_project("Shape")
    assert len(new.api_key) == 32 and new.api_key.startswith("hcw_")
    assert len(new.api_key_readonly) == 32 and new.api_key_readonly.startswith("hcr_")
    assert len(new.project.ping_key) == 22 and new.project.ping_key.isalnum()


@pytest.fixture
def no_region(monkeypatch, tmp_path):
    """No region anywhere botocore looks: not in the environment, not in a config file."""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


def test_cli_defaults_the_region_for_an_endpoint_on_this_machine(no_region, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8001")
    cli.ensure_region()
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"


def test_cli_without_a_region_for_another_endpoint_names_aws_default_region(no_region, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://aws-emulator.example.net:4566")
    ran = subprocess.run(
        [sys.executable, "-m", "chalicelib.ops.cli", "createproject", "--name", "Ops"],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        env=dict(os.environ), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        "No AWS region for http://aws-emulator.example.net:4566: set AWS_DEFAULT_REGION (e.g. AWS_DEFAULT_REGION=us-east-1)."
    )
