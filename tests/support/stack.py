"""The local stack (`python -m chalicelib.local run`) as a subprocess on free ports, for e2e tests:
on moto and s3rver, or on a LocalStack already running (aws_url, see tests/support/backends.py).

A finalizer stops it (and kills any DynamoDB Local or s3rver process left with its data folder)
even when the test fails.
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from chalicelib.local.dynamodb import java_pids
from chalicelib.local.s3rver import s3rver_pids

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90  # JVM start plus moto import; about 5 s on a 2-core machine
STOP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(condition, timeout: float, what: str, interval: float = 0.1):
    """Call condition() until it returns something truthy; fail after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class LocalStack:
    """One data folder and one set of ports; start() and stop() as many times as needed.
    With aws_url, that endpoint (LocalStack) serves S3, SES, SNS and SQS instead of moto and s3rver."""

    def __init__(self, tmp_path: Path, aws_url: str | None = None):
        self.data_dir = tmp_path / "data"
        self.log_path = tmp_path / "stack.log"
        self.port, self.ddb_port, self.moto_port = free_port(), free_port(), free_port()
        self.smtp_port, self.s3_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self.ddb_url = f"http://127.0.0.1:{self.ddb_port}"
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.aws_url = aws_url

    @property
    def backend(self) -> str:
        return "localstack" if self.aws_url else "moto"

    @property
    def s3_endpoint(self) -> str:
        return self.aws_url or self.s3_url

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        if self.aws_url:
            env["AWS_ENDPOINT_URL"] = self.aws_url
        env.update(PYTHONUNBUFFERED="1", **extra)
        return env

    def create_project(self, name: str) -> dict:
        """A new project through the CLI, as an operator makes one: its keys (project, api_key,
        api_key_readonly, ping_key)."""
        created = subprocess.run(
            [sys.executable, "-m", "chalicelib.ops.cli", "createproject", "--name", name],
            cwd=ROOT, env=self.client_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        return json.loads(created.stdout.strip().splitlines()[-1])

    def client_env(self, **extra) -> dict:
        """For clients of the running stack (the CLI, boto3, pynamodb)."""
        if self.aws_url:
            return self.env(AWS_ENDPOINT_URL=self.aws_url, AWS_ENDPOINT_URL_DYNAMODB=self.ddb_url, **extra)
        endpoints = dict(AWS_ENDPOINT_URL=self.moto_url, AWS_ENDPOINT_URL_DYNAMODB=self.ddb_url, AWS_ENDPOINT_URL_S3=self.s3_url)
        return self.env(**endpoints, **extra)

    def start(self, *extra_args: str, wait: bool = True) -> None:
        command = [
            sys.executable, "-m", "chalicelib.local", "run",
            "--port", str(self.port),
            "--ddb-port", str(self.ddb_port),
            "--moto-port", str(self.moto_port),
            "--s3-port", str(self.s3_port),
            "--smtp-port", str(self.smtp_port),
            "--data-dir", str(self.data_dir),
            *extra_args,
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        if wait:
            poll(self._ready, START_TIMEOUT, f"{self.base}/api/v3/status\n{self.output()}")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the stack exited with {self.process.returncode}:\n{self.output()}")
        try:
            return requests.get(f"{self.base}/api/v3/status", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self, sig=signal.SIGINT) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the stack did not stop within {STOP_TIMEOUT} s:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in java_pids(self.data_dir) + s3rver_pids(self.data_dir):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def started_stack(tmp_path: Path, aws_url: str | None = None, **environment):
    """A running stack whose URLs are built on its own address (SITE_ROOT), stopped afterwards."""
    stack = LocalStack(tmp_path, aws_url)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SITE_ROOT", stack.base)
            for name, value in environment.items():
                patch.setenv(name, value)
            stack.start()
        yield stack
    finally:
        stack.cleanup()
