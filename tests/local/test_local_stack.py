"""End to end: `python -m chalicelib.local run` as a subprocess (tests/support/stack.py), over real HTTP."""
import importlib.util
import os
import signal
import socket

import boto3
import pytest
import requests

from chalicelib import settings
from chalicelib.local.dynamodb import java_pids
from chalicelib.local.s3rver import s3rver_pids
from chalicelib.store import aws
from tests.support.stack import START_TIMEOUT, STOP_TIMEOUT, LocalStack, poll

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path, request):
    local_stack = LocalStack(tmp_path)
    request.addfinalizer(local_stack.cleanup)
    return local_stack


@pytest.fixture
def as_client(stack, monkeypatch):
    """Point this test process's boto3 clients and pynamodb models at the stack."""
    for name, value in stack.client_env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    aws.reset()
    yield
    monkeypatch.undo()
    aws.reset()


def test_ping_flow_survives_a_restart(stack, as_client):
    if importlib.util.find_spec("chalicelib.ops.cli") is None:
        pytest.skip("chalicelib.ops.cli (createproject) has not landed yet")
    from chalicelib.store.models import Check, Ping

    stack.start()
    # A client that sends half a request holds one server thread; the others still answer.
    with socket.create_connection(("127.0.0.1", stack.port)) as stalled:
        stalled.sendall(b"GET /api/v3/status HTTP/1.1\r\nHost: x\r\n")
        assert requests.get(f"{stack.base}/api/v3/status", timeout=5).text == "OK"
    keys = stack.create_project("e2e")
    assert set(keys) >= {"project", "api_key", "api_key_readonly", "ping_key"}
    url = f"{stack.base}/ping/{keys['ping_key']}/nightly-backup"
    body = b"backup finished: 1234 files, 56 MB\n" * 10  # over 100 bytes: goes to S3

    first = requests.get(url + "?create=1", headers={"Connection": "close"}, timeout=10)
    assert (first.status_code, first.text) == (201, "Created")
    second = requests.post(url, data=body, headers={"Connection": "close", "Content-Type": "text/plain"}, timeout=10)
    assert (second.status_code, second.text) == (200, "OK")

    [check] = Check.by_slug.query(f"{keys['ping_key']}/nightly-backup")
    check = Check.get(check.code, consistent_read=True)
    assert (check.n_pings, check.status) == (2, "up")
    [with_body] = [p for p in Ping.query(check.code) if p.object_size]
    s3_key = f"{check.code}/{with_body.n}"

    assert stack.stop(signal.SIGINT) == 0, stack.output()
    assert java_pids(stack.data_dir) == [] and s3rver_pids(stack.data_dir) == []

    stack.start()
    aws.reset()
    again = Check.get(check.code, consistent_read=True)
    assert (again.n_pings, again.status, again.project) == (2, "up", keys["project"])
    s3 = boto3.client("s3", endpoint_url=stack.s3_url)
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key=s3_key)["Body"].read() == body
    third = requests.get(url, headers={"Connection": "close"}, timeout=10)
    assert (third.status_code, third.text) == (200, "OK")
    assert Check.get(check.code, consistent_read=True).n_pings == 3


def test_restart_keeps_tables_and_s3_objects(stack, as_client):
    """The runner alone (no domain code): DynamoDB data persists, s3rver keeps puts and deletes on disk."""
    stack.start()
    ddb = boto3.client("dynamodb", endpoint_url=stack.ddb_url)
    assert settings.TABLE_PREFIX + "checks" in ddb.list_tables()["TableNames"]
    ddb.put_item(TableName=settings.TABLE_PREFIX + "projects", Item={"code": {"S": "persisted"}})
    s3 = boto3.client("s3", endpoint_url=stack.s3_url)
    big = os.urandom(5000)
    s3.put_object(Bucket=settings.S3_BUCKET, Key="c1/1", Body=big)
    s3.put_object(Bucket=settings.S3_BUCKET, Key="c1/2", Body=b"two")
    s3.put_object(Bucket=settings.S3_BUCKET, Key="odd key%/x y", Body=b"odd")
    bucket_dir = stack.data_dir / "s3" / settings.S3_BUCKET
    assert (bucket_dir / "c1" / "1._S3rver_object").read_bytes() == big  # on disk once answered
    assert stack.stop(signal.SIGTERM) == 0, stack.output()

    stack.start()
    item = ddb.get_item(TableName=settings.TABLE_PREFIX + "projects", Key={"code": {"S": "persisted"}})
    assert item["Item"]["code"]["S"] == "persisted"
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key="c1/1")["Body"].read() == big
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key="odd key%/x y")["Body"].read() == b"odd"
    s3.delete_object(Bucket=settings.S3_BUCKET, Key="c1/2")
    s3.put_object(Bucket=settings.S3_BUCKET, Key="c1/1", Body=b"changed")
    assert stack.stop() == 0, stack.output()

    assert (bucket_dir / "c1" / "1._S3rver_object").read_bytes() == b"changed"
    assert not (bucket_dir / "c1" / "2._S3rver_object").exists()
    stack.start()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=settings.S3_BUCKET)["Contents"]}
    assert keys == {"c1/1", "odd key%/x y"}


def test_the_old_s3_snapshot_moves_into_s3rver(stack, as_client):
    """A data folder from before s3rver: the snapshot's files become objects, and leave the folder."""
    bucket_dir = stack.data_dir / "s3" / settings.S3_BUCKET
    (bucket_dir / "c1").mkdir(parents=True)
    (bucket_dir / "c1" / "7").write_bytes(b"seven" * 50)
    (bucket_dir / "odd%20key%25").mkdir()
    (bucket_dir / "odd%20key%25" / "x%20y").write_bytes(b"odd")
    (stack.data_dir / "s3" / ".tmp").mkdir()
    # What a PUT cut short by a kill leaves: never answered, so it goes.
    (bucket_dir / "c1" / "8._S3rver_object.part-1-0").write_bytes(b"half")
    stack.start()
    s3 = boto3.client("s3", endpoint_url=stack.s3_url)
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key="c1/7")["Body"].read() == b"seven" * 50
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key="odd key%/x y")["Body"].read() == b"odd"
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=settings.S3_BUCKET)["Contents"]} == {"c1/7", "odd key%/x y"}
    left = sorted(p.relative_to(stack.data_dir / "s3").as_posix() for p in (stack.data_dir / "s3").rglob("*"))
    assert left == [
        settings.S3_BUCKET, f"{settings.S3_BUCKET}/c1", *(f"{settings.S3_BUCKET}/c1/7._S3rver_{s}" for s in (
            "metadata.json", "object", "object.md5")),
        f"{settings.S3_BUCKET}/odd key%", *(f"{settings.S3_BUCKET}/odd key%/x y._S3rver_{s}" for s in (
            "metadata.json", "object", "object.md5")),
    ]  # fmt: skip
    assert "Moved 2 objects of the old S3 snapshot into s3rver" in stack.output()


@pytest.mark.parametrize("busy", ["port", "ddb_port", "moto_port", "s3_port", "smtp_port"])
def test_a_busy_port_is_an_error_not_another_port(stack, busy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", getattr(stack, busy)))
        taken.listen()
        stack.start(wait=False)
        code = stack.process.wait(STOP_TIMEOUT)
    assert code != 0
    assert f"Port {getattr(stack, busy)} is busy" in stack.output()
    assert java_pids(stack.data_dir) == [] and s3rver_pids(stack.data_dir) == []


def test_stopping_during_startup_leaves_no_java_or_node(stack):
    stack.start(wait=False)
    poll(lambda: java_pids(stack.data_dir) and s3rver_pids(stack.data_dir), START_TIMEOUT, "both children to start")
    assert stack.stop(signal.SIGTERM) == 0, stack.output()
    assert java_pids(stack.data_dir) == [] and s3rver_pids(stack.data_dir) == []


def test_a_killed_runner_takes_java_and_node_with_it(stack):
    stack.start()
    [java] = java_pids(stack.data_dir)
    [node] = s3rver_pids(stack.data_dir)
    stack.process.kill()
    stack.process.wait(STOP_TIMEOUT)
    poll(lambda: java not in java_pids(stack.data_dir), 30, "java to exit after its parent was killed")
    poll(lambda: node not in s3rver_pids(stack.data_dir), 30, "node to exit after its parent was killed")


def test_timers_call_on_their_period_and_survive_errors(caplog):
    from chalicelib.local.runner import Timer, TimerThreads

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("boom")

    timers = TimerThreads([Timer("flaky", 0.01, flaky)])
    timers.start()
    try:
        poll(lambda: len(calls) >= 5, 10, "five calls of the timer")
    finally:
        timers.stop()
    assert "Timer flaky failed" in caplog.text
    assert not any(thread.is_alive() for thread in timers.threads)


def test_exported_endpoints_and_credentials_are_respected(monkeypatch):
    from chalicelib.local import environment

    # A plain copy without AWS_*: what set_aws_environment sets never reaches the real environment.
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://elsewhere:8000")
    assert environment.user_endpoints() == environment.Endpoints(start_moto=True, start_dynamodb=False, start_s3=True)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    environment.set_aws_environment("http://127.0.0.1:5055", None, "http://127.0.0.1:4568")
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5055"
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == "http://elsewhere:8000"
    assert os.environ["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:4568"
    assert (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_DEFAULT_REGION"]) == ("mine", "us-east-1")
    # The user's own emulator for everything (AWS_ENDPOINT_URL) serves S3 too; or S3 alone.
    monkeypatch.setattr(os, "environ", {"AWS_ENDPOINT_URL": "http://localstack:4566"})
    assert environment.user_endpoints() == environment.Endpoints(start_moto=False, start_dynamodb=True, start_s3=False)
    monkeypatch.setattr(os, "environ", {"AWS_ENDPOINT_URL_S3": "http://minio:9000"})
    assert environment.user_endpoints() == environment.Endpoints(start_moto=True, start_dynamodb=True, start_s3=False)


def test_missed_ping_alerts_through_the_running_stack(stack, as_client, recorder, monkeypatch):
    """Sweep timer → flip → DynamoDB Local's stream → delivery → a real webhook request."""
    from datetime import datetime, timedelta, timezone

    from chalicelib.accounts import projects
    from chalicelib.checks import channels, checks
    from chalicelib.store.models import Check

    monkeypatch.setenv("INTEGRATIONS_ALLOW_PRIVATE_IPS", "true")  # the recorder is on 127.0.0.1
    stack.start()
    now = datetime.now(timezone.utc)
    project = projects.create_project("alerts", now).project
    check = checks.create_check(project, now, name="Nightly", timeout=60, grace=60)
    hook = {"url_down": recorder.url("/down"), "url_up": recorder.url("/up"), "body_down": "$NAME $STATUS",
            "method_down": "POST", "body_up": "$NAME $STATUS", "method_up": "POST"}
    channels.create_channel(project.code, "webhook", hook, now)
    email = {"value": "ops@example.org", "up": True, "down": True}
    channels.create_channel(project.code, "email", email, now, email_verified=True)
    # As if its last ping came three minutes ago: the deadline has passed.
    check.update(actions=[
        Check.status.set("up"), Check.last_ping.set(now - timedelta(minutes=3)),
        Check.alert_after.set(now - timedelta(minutes=1)),
    ])  # fmt: skip

    poll(lambda: any(r.path == "/down" for r in recorder.requests), 60, f"the down alert\n{stack.output()}")
    assert Check.get(check.code, consistent_read=True).status == "down"
    outbox = stack.data_dir / "outbox"
    [mail] = poll(lambda: list(outbox.glob("*.eml")), 30, "the down email in the outbox")
    assert "Subject: DOWN | Nightly" in mail.read_text()
    assert "down alert for check" in stack.output()
    assert requests.get(f"{stack.base}/ping/{check.code}", headers={"Connection": "close"}, timeout=10).text == "OK"
    poll(lambda: any(r.path == "/up" for r in recorder.requests), 60, f"the up alert\n{stack.output()}")
    assert [(r.path, r.body) for r in recorder.requests] == [("/down", b"Nightly down"), ("/up", b"Nightly up")]
