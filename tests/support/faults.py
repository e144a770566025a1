"""Fault injection at the AWS boundary: every AWS call of the code under test is counted, and
after the k-th one returns (its effect stored) the caller sees a failure instead of the answer.

Two modes: "error" raises an ordinary exception from that call (the code's own error handling
runs); "crash" is a process that died right there: a BaseException nothing catches, and every
later call of the same invocation fails before it reaches AWS, as a dead Lambda makes no more.
The next invocation (a retry by the client, the stream, SNS or the next scheduled run) is a
fresh process.
"""
import threading
from contextlib import contextmanager

from botocore.client import BaseClient

MODES = ("error", "crash")


class InjectedError(Exception):
    """An AWS call that did its work, then failed on its way back."""


class InjectedCrash(BaseException):
    """The process died after an AWS call; nothing after it in this invocation happens."""


class Faults:
    """Counts the calls through botocore's one entry point (pynamodb, boto3 and moto alike)."""

    def __init__(self, monkeypatch):
        self._lock = threading.Lock()
        self.calls: list[str] = []  # operations since arm(), in order
        self.fail_after: int | None = None
        self.mode = "error"
        self.fired = False
        self.counting = False
        self._dead = False  # this invocation crashed
        original = BaseClient._make_api_call
        faults = self

        def counted(client, operation_name, api_params):
            faults._before()
            result = original(client, operation_name, api_params)
            faults._after(f"{client.meta.service_model.service_name}.{operation_name}")
            return result

        monkeypatch.setattr(BaseClient, "_make_api_call", counted)

    def arm(self, fail_after: int | None, mode: str = "error") -> None:
        """Start counting; fail after the `fail_after`-th call from now (None: only count)."""
        with self._lock:
            self.calls, self.fail_after, self.mode, self.fired, self._dead = [], fail_after, mode, False, False
            self.counting = True

    def stop(self) -> None:
        """Stop counting and failing (the checks after a run); what was counted stays."""
        with self._lock:
            self.counting, self.fail_after, self._dead = False, None, False

    @contextmanager
    def invocation(self):
        """One run of a handler, as one Lambda invocation: a crash ends it, the next starts afresh."""
        with self._lock:
            self._dead = False
        yield

    def _before(self):
        with self._lock:
            dead = self._dead
        if dead:
            raise InjectedCrash("the process is gone")

    def _after(self, operation: str):
        with self._lock:
            if not self.counting:
                return
            self.calls.append(operation)
            fire = self.fail_after is not None and not self.fired and len(self.calls) == self.fail_after
            if fire:
                self.fired = True
                self._dead = self.mode == "crash"
        if fire:
            if self.mode == "crash":
                raise InjectedCrash(f"crashed after {operation}")
            raise InjectedError(f"failed after {operation}")
