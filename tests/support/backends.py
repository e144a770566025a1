"""The AWS emulators the end-to-end tests run on: moto (with s3rver) and LocalStack.

A pytest plugin (tests/conftest.py loads it). LocalStack is installed once (`make localstack`,
which does nothing once its venv is there), started once per session and shared; a test that
needs it is skipped, with the install's error, only when it cannot be installed.
"""
import contextlib
import email
import email.policy
import os
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.stack import ROOT, free_port, started_stack

BACKENDS = ["moto", "localstack"]


def install_localstack(root: Path = ROOT) -> None:
    """`make -s localstack` in root; a skip naming the error when LocalStack cannot be installed."""
    built = subprocess.run(["make", "-s", "localstack"], cwd=root, capture_output=True, text=True, timeout=900)
    if built.returncode != 0:
        lines = [line for line in (built.stdout + built.stderr).splitlines() if not line.startswith("WARNING: Location")]
        tail = "\n".join(lines[-15:])
        pytest.skip(f"LocalStack cannot be installed (`make localstack` exited {built.returncode}):\n{tail}")


@pytest.fixture(scope="session")
def localstack_url(tmp_path_factory):
    """One LocalStack for the whole session (S3, SES, SNS, SQS, EventBridge); its URL."""
    install_localstack()
    from chalicelib.local.localstack import LocalStack

    server = LocalStack(tmp_path_factory.mktemp("localstack"), free_port())
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_stack(request, tmp_path_factory):
    """The local stack on moto and s3rver, then on LocalStack (one of each per session, shared by the
    tests that run on both), mailing through SES, its sweep every 2 s."""
    aws_url = request.getfixturevalue("localstack_url") if request.param == "localstack" else None
    environment = {"EMAIL_BACKEND": "ses", "SWEEP_SECONDS": "2"}
    with started_stack(tmp_path_factory.mktemp(request.param), aws_url, **environment) as stack:
        yield stack


def sent_emails(stack) -> list:
    """Every message the stack's SES accepted, oldest first: LocalStack lists them at /_aws/ses,
    moto's server in its model dump."""
    if stack.aws_url:
        messages = requests.get(f"{stack.aws_url}/_aws/ses", timeout=10).json()["messages"]
        raws = [m["RawData"] for m in messages if "RawData" in m]
    else:
        data = requests.get(f"{stack.moto_url}/moto-api/data.json", timeout=10).json()
        raws = [m["raw_data"] for m in data["ses"]["RawMessage"]]
    return [email.message_from_string(raw, policy=email.policy.default) for raw in raws]


@contextlib.contextmanager
def pointed_at(stack):
    """This test process's boto3 clients and pynamodb models on the stack's endpoints."""
    from chalicelib.store import aws

    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
            patch.delenv(name)
        for name, value in stack.client_env().items():
            if name.startswith("AWS_ENDPOINT_URL"):
                patch.setenv(name, value)
        aws.reset()
        try:
            yield
        finally:
            patch.undo()
            aws.reset()
