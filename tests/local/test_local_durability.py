"""End to end: kill -9 the local stack under a ping load; what it acknowledged is all there after it restarts.

The stack runs as a subprocess (tests/stack.py). Threads send GET pings and POST pings with small
bodies (kept in the DynamoDB item) and bodies over PING_BODY_INLINE_MAX (kept in S3, i.e. s3rver),
each with its own User-Agent so that the API's ping log tells them apart. Once enough have been
answered "OK", DynamoDB Local, s3rver and the runner are all SIGKILLed; the stack then starts again
on the same data folder, and every acknowledged ping must be in the check's log through the REST
API, with its body, and every large body must be its object in S3.
"""
import os
import random
import signal
import threading
from dataclasses import dataclass

import boto3
import pytest
import requests

from chalicelib import settings
from chalicelib.local.dynamodb import java_pids
from chalicelib.local.s3rver import s3rver_pids
from tests.support.stack import STOP_TIMEOUT, LocalStack, poll

pytestmark = pytest.mark.e2e

CHECKS = 12
THREADS = 8
# Below the ping log limit (100), so no ping is pruned from the log before it is read back.
ATTEMPTS_PER_CHECK = 90
KILL_AFTER_ACKS = 240  # the kill comes with pings in flight: the load could go on to 12 x 90
LOAD_TIMEOUT = 180


@dataclass
class Attempt:
    code: str
    ua: str
    method: str
    body: bytes | None
    acked: bool = False
    answered_before_kill: bool = False
    outcome: str = ""


def body_for(token: str, big: bool) -> bytes:
    """ASCII (the API answers text bodies as text), unique, and on the chosen side of the threshold."""
    limit = settings.PING_BODY_INLINE_MAX
    size = random.randint(limit + 1, 20 * limit) if big else random.randint(len(token) + 2, limit)
    text = f"{token} " + os.urandom(size).hex()
    return text[:size].encode()


class Load:
    """THREADS threads pinging the checks round-robin until told to stop or out of attempts."""

    def __init__(self, base: str, codes: list[str]):
        self.base = base
        self.codes = codes
        self.stop = threading.Event()
        self.killing = threading.Event()  # set just before the first SIGKILL
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.acks = 0
        self.big_acks = 0
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True) for t in range(THREADS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)
            assert not thread.is_alive(), "a load thread is still waiting for an answer"

    def _run(self, t: int) -> None:
        mine = self.codes[t::THREADS] or self.codes
        session = requests.Session()
        for i in range(ATTEMPTS_PER_CHECK * len(mine)):
            if self.stop.is_set():
                return
            code = mine[i % len(mine)]
            kind = (t + i) % 3  # 0: GET, 1: POST with a small body, 2: POST with a body for S3
            attempt = Attempt(code, f"durability/{t}-{i}", "GET" if kind == 0 else "POST", None)
            if kind:
                attempt.body = body_for(attempt.ua, big=kind == 2)
            with self.lock:
                self.attempts.append(attempt)
            try:
                response = session.request(
                    attempt.method, f"{self.base}/ping/{code}", data=attempt.body, timeout=30,
                    headers={"User-Agent": attempt.ua, "Content-Type": "text/plain"},
                )  # fmt: skip
                attempt.outcome = f"{response.status_code} {response.text[:40]}"
                attempt.acked = (response.status_code, response.text) == (200, "OK")
            except requests.RequestException as exc:
                attempt.outcome = type(exc).__name__
            attempt.answered_before_kill = not self.killing.is_set()
            if not attempt.acked:
                return  # the kill (a failure before it fails the test)
            with self.lock:
                self.acks += 1
                self.big_acks += kind == 2


def kill_dash_nine(stack: LocalStack) -> None:
    """SIGKILL every process of the stack, its children first: DynamoDB Local, then s3rver (each in
    its own process group), then the runner's group. Children first, as a runner killed first
    would have the kernel send them SIGTERM, and they could shut down cleanly before our SIGKILL."""
    for pid in java_pids(stack.data_dir) + s3rver_pids(stack.data_dir):
        os.killpg(pid, signal.SIGKILL)
    os.killpg(stack.process.pid, signal.SIGKILL)
    stack.process.wait(STOP_TIMEOUT)
    poll(lambda: not java_pids(stack.data_dir) and not s3rver_pids(stack.data_dir), 30, "the killed children to go")


@pytest.fixture
def stack(tmp_path, request, monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT", "1000000")  # the read-back lists and downloads a few hundred times
    local_stack = LocalStack(tmp_path)
    request.addfinalizer(local_stack.cleanup)
    return local_stack


def test_kill_dash_nine_mid_load_loses_no_acknowledged_ping_or_body(stack):
    stack.start()
    api_key = stack.create_project("durability")["api_key"]
    api = f"{stack.base}/api/v3"
    headers = {"X-Api-Key": api_key}
    codes = []
    for k in range(CHECKS):
        check = {"name": f"job {k}", "timeout": 86400}
        response = requests.post(f"{api}/checks/", json=check, headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        codes.append(response.json()["uuid"])

    load = Load(stack.base, codes)
    load.start()
    poll(lambda: load.acks >= KILL_AFTER_ACKS or not any(t.is_alive() for t in load.threads),
         LOAD_TIMEOUT, f"{KILL_AFTER_ACKS} acknowledged pings\n{stack.output()}")  # fmt: skip
    load.killing.set()
    kill_dash_nine(stack)
    load.stop.set()
    load.join()

    failed_before_kill = [a for a in load.attempts if a.answered_before_kill and not a.acked]
    assert not failed_before_kill, f"pings that failed before the kill: {failed_before_kill[:5]}\n{stack.output()}"
    acked = [a for a in load.attempts if a.acked]
    in_flight = [a for a in load.attempts if not a.acked]
    assert load.acks >= KILL_AFTER_ACKS, "the load ran out of pings before the kill"
    assert in_flight, "no ping was in flight at the kill"

    stack.start()
    found = {}  # (code, ua) -> ping json
    for code in codes:
        response = requests.get(f"{api}/checks/{code}/pings/", headers=headers, timeout=30)
        assert response.status_code == 200, f"the project's key or check {code} is gone: {response.text}"
        for ping in response.json()["pings"]:
            found[(code, ping["ua"])] = ping
    s3 = boto3.client("s3", endpoint_url=stack.s3_url)
    lost_pings, lost_bodies, lost_objects = [], [], []
    bodies = objects = 0
    for attempt in acked:
        ping = found.get((attempt.code, attempt.ua))
        if ping is None or ping["method"] != attempt.method:
            lost_pings.append(attempt)
            continue
        if attempt.body is None:
            continue
        bodies += 1
        downloaded = requests.get(ping["body_url"], headers=headers, timeout=30) if ping["body_url"] else None
        if downloaded is None or downloaded.status_code != 200 or downloaded.content != attempt.body:
            lost_bodies.append(attempt)
        if len(attempt.body) > settings.PING_BODY_INLINE_MAX:
            objects += 1
            key = f"{attempt.code}/{ping['n']}"
            try:
                stored = s3.get_object(Bucket=settings.S3_BUCKET, Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                stored = None
            if stored != attempt.body:
                lost_objects.append(key)

    print(
        f"\npings tried: {len(load.attempts)}, acknowledged: {len(acked)}, lost: {len(lost_pings)}; "
        f"unanswered at the kill: {len(in_flight)}, of which in the log after the restart: "
        f"{sum((a.code, a.ua) in found for a in in_flight)}"
        f"\nbodies acknowledged: {bodies}, lost: {len(lost_bodies)}; "
        f"bodies in S3: {objects}, lost: {len(lost_objects)}"
    )
    assert not lost_pings, f"acknowledged pings missing after the restart: {lost_pings[:5]}"
    assert not lost_bodies, f"acknowledged bodies missing or changed: {lost_bodies[:5]}"
    assert not lost_objects, f"acknowledged S3 bodies missing or changed: {lost_objects[:5]}"
    assert objects > 0 and bodies > objects  # both kinds of body were in the load
    # The restarted stack takes pings again.
    again = requests.get(f"{stack.base}/ping/{codes[0]}", headers={"Connection": "close"}, timeout=30)
    assert (again.status_code, again.text) == (200, "OK")
