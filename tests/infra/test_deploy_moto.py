"""The template's tables and bucket deployed by CloudFormation (moto), then a ping, a sweep and an
alert through app.py's handlers invoked as Lambda invokes them, with events shaped as AWS sends them."""
import json
import uuid
from datetime import datetime, timezone

import pytest
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher

import app as app_module
from chalicelib import settings
from chalicelib.local.streams import FlipStreamReader
from chalicelib.store import aws as aws_clients
from chalicelib.store import models, storage
from chalicelib.store.models import Check, Flip, Ping
from infra import build

STACK = "hc-deploy-test"
DEPLOYED_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket")
REGION, ACCOUNT = "us-east-1", "123456789012"


def _drop_tables_and_bucket() -> None:
    dynamodb, s3 = aws_clients.client("dynamodb"), aws_clients.client("s3")
    for name in dynamodb.list_tables()["TableNames"]:
        if name.startswith(settings.TABLE_PREFIX):
            dynamodb.delete_table(TableName=name)
    if any(b["Name"] == settings.S3_BUCKET for b in s3.list_buckets()["Buckets"]):
        for obj in s3.list_objects_v2(Bucket=settings.S3_BUCKET).get("Contents", []):
            s3.delete_object(Bucket=settings.S3_BUCKET, Key=obj["Key"])
        s3.delete_bucket(Bucket=settings.S3_BUCKET)


@pytest.fixture
def aws(aws, moto_server):
    """moto's server (its in-process mock lacks DynamoDB Streams), the tables and bucket replaced by
    the ones the template's stack creates; afterwards the models' own come back for later tests."""
    template = build.merge_template(settings.STAGE, app_module.app)
    deployed = {
        "Parameters": {name: template["Parameters"][name] for name in ("Stage", "InboundMailDays")},
        "Resources": {n: r for n, r in template["Resources"].items() if r.get("Type") in DEPLOYED_TYPES},
    }
    _drop_tables_and_bucket()
    cloudformation = aws_clients.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=json.dumps(deployed),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": settings.STAGE}],
    )  # fmt: skip
    try:
        yield cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    finally:
        cloudformation.delete_stack(StackName=STACK)
        _drop_tables_and_bucket()
        models.create_tables()
        storage.create_bucket()


def context(function: str) -> LambdaContext:
    return LambdaContext(function_name=f"hc-{settings.STAGE}-{function}", memory_size=256)


def api_event(method: str, path: str, body: bytes) -> dict:
    """A REST API proxy event, built by Chalice's local gateway as API Gateway builds it."""
    converter = LambdaEventConverter(RouteMatcher(list(app_module.app.routes)))
    headers = {"user-agent": "curl/8.5", "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}
    return converter.create_lambda_event(method=method, path=path, headers=headers, body=body)


def scheduled_event(rule: str) -> dict:
    """What EventBridge hands a scheduled Lambda."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"], "detail": {},
    }  # fmt: skip


def stream_event() -> dict:
    """The flips stream's new records as Lambda's event source mapping delivers them."""
    records = []
    arn = aws_clients.client("dynamodb").describe_table(TableName=Flip.Meta.table_name)["Table"]["LatestStreamArn"]
    FlipStreamReader(lambda batch: records.extend(batch) or 0).poll()
    for record in records:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
        record.update(eventSource="aws:dynamodb", awsRegion=REGION, eventSourceARN=arn)
    return {"Records": records}


def test_stack_creates_every_table_and_the_bucket(aws):
    resources = aws_clients.client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    assert aws["StackStatus"] == "CREATE_COMPLETE"
    assert sorted(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::DynamoDB::Table") == sorted(
        model.Meta.table_name for model in models.ALL_MODELS
    )
    assert [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::S3::Bucket"] == [settings.S3_BUCKET]


def test_ping_through_the_api_handler_is_stored_in_the_stacks_table_and_bucket(aws, check):
    body = b"backup finished: " + b"x" * 200
    event = api_event("POST", f"/ping/{check.code}", body)

    response = app_module.app(event, context("PingHandler"))

    assert (response["statusCode"], response["body"]) == (200, "OK")
    [ping] = list(Ping.query(check.code))
    assert (ping.kind, ping.method, ping.remote_addr, ping.ua, ping.object_size) == (
        "success", "POST", "203.0.113.7", "curl/8.5", len(body)
    )
    assert storage.ping_body(ping) == body  # over 100 bytes: in the stack's bucket
    assert Check.get(check.code).status == "up"


def test_scheduled_sweep_event_sends_an_overdue_check_down(aws, check, ping, now, monkeypatch):
    ping(check, now)  # long before the real clock the sweep reads: overdue
    monkeypatch.setattr(settings, "SWEEP_SECONDS", 0)  # one pass, no polling

    app_module.sweep(scheduled_event(f"hc-{settings.STAGE}-sweep"), context("sweep"))

    assert Check.get(check.code).status == "down"
    assert [(f.old_status, f.new_status, f.reason) for f in Flip.query(check.code)] == [
        ("new", "up", ""), ("up", "down", "timeout")
    ]


def test_flips_stream_event_notifies_the_checks_channel(aws, check, ping, now, webhook, recorder, monkeypatch):
    webhook()
    ping(check, now)
    monkeypatch.setattr(settings, "SWEEP_SECONDS", 0)
    app_module.sweep(scheduled_event(f"hc-{settings.STAGE}-sweep"), context("sweep"))

    app_module.deliver(stream_event(), context("deliver"))

    assert [(r.method, r.path, r.body) for r in recorder.requests] == [("POST", "/down", b"Backups is down")]
