"""A server of the local stack run as a child process: DynamoDB Local (java), s3rver (node) and
LocalStack (Python, from its own virtual environment).

Each child is in its own process group, so a Ctrl-C in the terminal reaches only us and we
stop it in order; and it gets SIGTERM from the kernel if this process dies without cleaning
up (PR_SET_PDEATHSIG), so no child is ever orphaned. Its output goes to a log file in the data
folder. launch() and wait_ready() are separate so that the runner starts both children before
it waits for either.
"""
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from chalicelib.local.environment import StackError

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int):
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


class ChildServer:
    """Subclasses set `name`, `ready_timeout`, `url`, `log_path`, `cwd`, and define command()
    and answers() (one cheap request; raises or returns False while the server is not up)."""

    name = "the server"
    ready_timeout = 60.0

    def __init__(self, url: str, log_path: Path, cwd: Path):
        self.url = url
        self.log_path = log_path
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def answers(self) -> bool:
        raise NotImplementedError

    def environment(self) -> dict | None:
        """The child's environment; None: this process's own."""
        return None

    def start(self) -> None:
        """launch() and wait_ready()."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        command = self.command()
        self.cwd.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                process_group=0,
                preexec_fn=die_with_parent(os.getpid()) if sys.platform == "linux" else None,
            )
        log.info("%s started (pid %s), log in %s", self.name, self.process.pid, self.log_path)

    def wait_ready(self) -> None:
        """Return once answers() does; StackError if the child exits or the deadline passes."""
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.process.poll() is not None:
                raise StackError(f"{self.name} exited with code {self.process.returncode} on start.\n{self.log_tail()}")
            try:
                if self.answers():
                    return
            except Exception:  # not listening yet, or not answering sensibly yet
                pass
            if time.monotonic() > deadline:
                raise StackError(
                    f"{self.name} did not answer on {self.url} within {self.ready_timeout:.0f} s.\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def failure(self) -> str | None:
        """Why the child is not running any more, or None while it is."""
        if self.process is None or self.process.poll() is None:
            return None
        return f"{self.name} exited unexpectedly with code {self.process.returncode}.\n{self.log_tail()}"

    def stop(self) -> None:
        """Terminate, then kill after STOP_TIMEOUT; always reap the child."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s: killing it", self.name, STOP_TIMEOUT)
            process.kill()
            process.wait()
        log.info("%s stopped", self.name)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last lines of {self.log_path} ---\n{tail}"


def pids_serving(data_dir, marker: bytes) -> list[int]:
    """Processes with `marker` in one argument and another argument within data_dir."""
    folder = str(data_dir).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(marker in arg for arg in cmdline) and any(arg.startswith(folder) for arg in cmdline):
            pids.append(int(entry.name))
    return pids
