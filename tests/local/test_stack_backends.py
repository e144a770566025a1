"""End to end on both AWS emulators, the local stack on moto and s3rver and on LocalStack
(tests/support/backends.py): ping bodies in S3, email pings through SES's S3 + SNS path, alert
emails and reports through SES; and `--aws localstack`, the runner starting LocalStack itself."""
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import requests

from chalicelib import settings
from tests.support.backends import install_localstack, pointed_at, sent_emails
from tests.support.ses_mail import (
    CODE, assert_rule_as_written, infra_receipt_rule, notification, stored_by_ses,
)  # fmt: skip
from tests.support.stack import ROOT, free_port, poll
from tests.support.stack import LocalStack as StackProcess  # our stack, `python -m chalicelib.local run`

pytestmark = pytest.mark.e2e

EMAIL_DOMAIN = "localhost"  # PING_EMAIL_DOMAIN under the local stack


@pytest.fixture
def stack(backend_stack):
    """This round's stack: on moto and s3rver, or on LocalStack (tests/support/backends.py)."""
    return backend_stack


@pytest.fixture(scope="module")
def new_project(backend_stack):
    """A project made on the stack through the domain code: (the Project, its read-write API key)."""
    from chalicelib.accounts import projects

    with pointed_at(backend_stack):
        made = projects.create_project("backends", datetime.now(timezone.utc))
    return made.project, made.api_key


def mail_to(stack, address: str, what: str):
    """The newest message SES accepted for `address`, waiting for it."""
    found = poll(lambda: [m for m in sent_emails(stack) if m["To"] == address], 60, f"{what}\n{stack.output()}")
    return found[-1]


def api(stack, api_key: str, method: str, path: str, **kwargs):
    return requests.request(method, f"{stack.base}/api/v3{path}", headers={"X-Api-Key": api_key}, timeout=10, **kwargs)


def test_a_ping_body_over_100_bytes_is_kept_in_s3_and_served_back(stack):
    api_key = stack.create_project("bodies")["api_key"]
    uuid = api(stack, api_key, "POST", "/checks", json={"name": "dump"}).json()["uuid"]
    body = b"pg_dump finished: 1234 tables, 56 GB\n" * 10 + bytes(range(256))  # not all UTF-8
    posted = requests.post(f"{stack.base}/ping/{uuid}", data=body, headers={"Connection": "close"}, timeout=10)
    assert (posted.status_code, posted.text) == (200, "OK")

    [ping] = api(stack, api_key, "GET", f"/checks/{uuid}/pings").json()["pings"]
    served = requests.get(ping["body_url"], headers={"X-Api-Key": api_key}, timeout=10)
    assert (served.headers["Content-Type"], served.content) == ("text/plain", body)
    s3 = boto3.client("s3", endpoint_url=stack.s3_endpoint)
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key=f"{uuid}/{ping['n']}")["Body"].read() == body


def test_the_infra_receipt_rule_is_kept_as_written(stack):
    """SES's receipt rule from infra/email.yaml, on the stack's SES and SNS: neither emulator
    receives mail, but both keep the rule that would store it and notify the topic."""
    from chalicelib.store import aws

    with pointed_at(stack):
        with infra_receipt_rule(aws.client("sns"), aws.client("ses"), EMAIL_DOMAIN) as (topic_arn, rule):
            assert_rule_as_written(rule, topic_arn, EMAIL_DOMAIN)


def test_mail_stored_in_s3_and_announced_on_sns_pings_the_check(stack, new_project):
    """What SES's receipt rule does with inbound mail (infra/email.yaml), done by hand: the
    stack's queue on the topic hands the notification to ingest_email's handler."""
    from chalicelib.checks import checks
    from chalicelib.store import aws

    with pointed_at(stack):
        sns = aws.client("sns")
        topic = sns.create_topic(Name=settings.INBOUND_EMAIL_TOPIC)["TopicArn"]
        poll(lambda: sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"], 30, "the stack's queue")
        checks.create_check(new_project[0], datetime.now(timezone.utc), code=CODE, name="Backups")
        key = stored_by_ses(b"From: backup@files.example.fr\r\nSubject: Backup done\r\n\r\nall good\r\n")
        sns.publish(TopicArn=topic, Message=notification(key, recipients=[f"{CODE}@{EMAIL_DOMAIN}"]))

        poll(lambda: checks.get(CODE).n_pings == 1, 30, f"the email ping\n{stack.output()}")
        s3 = aws.client("s3")
        poll(lambda: "Contents" not in s3.list_objects_v2(Bucket=settings.S3_BUCKET, Prefix=key), 10, "the deletion")
    [ping] = api(stack, new_project[1], "GET", f"/checks/{CODE}/pings").json()["pings"]
    assert (ping["type"], ping["scheme"], ping["ua"]) == ("success", "email", "Email from backup@files.example.fr")


def test_a_missed_ping_sends_the_down_email_through_ses(stack, new_project):
    from chalicelib.checks import channels, checks
    from chalicelib.store.models import Check

    now = datetime.now(timezone.utc)
    to = f"ops-{stack.backend}@example.org"
    with pointed_at(stack):
        project = new_project[0]
        check = checks.create_check(project, now, name="Nightly", timeout=60, grace=60)
        value = {"value": to, "up": True, "down": True}
        channels.create_channel(project.code, "email", value, now, email_verified=True)
        check.update(actions=[
            Check.status.set("up"), Check.last_ping.set(now - timedelta(minutes=3)),
            Check.alert_after.set(now - timedelta(minutes=1)),
        ])  # fmt: skip

    message = mail_to(stack, to, "the down email through SES")
    assert (message["From"], message["Subject"]) == ("alerts@localhost", "DOWN | Nightly")
    text = message.get_body(("plain",)).get_content()
    assert text.startswith('The check "Nightly" is DOWN')
    assert f"Open the check on Mychecks: {stack.base}/cloaked/" in text


def test_sendreport_mails_the_report_through_ses(stack):
    from chalicelib.accounts import projects, users
    from chalicelib.checks import checks

    now = datetime.now(timezone.utc)
    address = f"reader-{stack.backend}@example.org"
    with pointed_at(stack):
        user = users.create_user(address, now)
        project = projects.create_project("Reported", now, owner=user.id).project
        projects.add_member(project.code, user.id, "owner", now)
        checks.create_check(project, now, name="Weekly backup")
    sent = subprocess.run(
        [sys.executable, "-m", "chalicelib.ops.cli", "sendreport", "--email", address],
        cwd=ROOT, env=stack.client_env(EMAIL_BACKEND="ses"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr

    message = mail_to(stack, address, "the report through SES")
    assert message["Subject"] == "Monthly Report"
    assert "Weekly backup" in message.get_body(("plain",)).get_content()


def test_run_with_aws_localstack_starts_localstack_for_s3_and_stops_it(tmp_path, request):
    """`make run-localstack`: the runner starts LocalStack itself, uses it for S3, stops it on Ctrl-C."""
    from chalicelib.local.dynamodb import java_pids
    from chalicelib.local.localstack import localstack_pids

    install_localstack()
    runner = StackProcess(tmp_path)
    request.addfinalizer(runner.cleanup)
    port = free_port()
    request.addfinalizer(lambda: [os.kill(pid, signal.SIGKILL) for pid in localstack_pids(runner.data_dir)])
    runner.start("--aws", "localstack", "--localstack-port", str(port))
    runner.aws_url = f"http://127.0.0.1:{port}"  # for the clients below: S3, SES, ... are there
    assert f"S3             {runner.aws_url}  (LocalStack" in runner.output()
    assert len(localstack_pids(runner.data_dir)) == 1

    api_key = runner.create_project("on localstack")["api_key"]
    uuid = api(runner, api_key, "POST", "/checks", json={"name": "dump"}).json()["uuid"]
    requests.post(f"{runner.base}/ping/{uuid}", data=b"x" * 500, headers={"Connection": "close"}, timeout=10)
    s3 = boto3.client("s3", endpoint_url=runner.aws_url)
    assert s3.get_object(Bucket=settings.S3_BUCKET, Key=f"{uuid}/1")["Body"].read() == b"x" * 500

    assert runner.stop(signal.SIGINT) == 0, runner.output()
    assert localstack_pids(runner.data_dir) == [] and java_pids(runner.data_dir) == []
