"""SES's inbound mail as the tests make it: the S3 object SES's receipt rule stores and the SNS
notification it sends (tests/pings/test_email_pings_ses.py, and on the stacks tests/local/)."""
import contextlib
import json
from pathlib import Path

import yaml

from chalicelib import settings
from chalicelib.store import aws as aws_clients

CODE = "7f8d9a1e-2b3c-4d5e-8f60-718293a4b5c6"  # the email_check fixture, the recipient of tests/pings/data/email
RECIPIENT = f"{CODE}@hc.example.com"
SENDER_IP = "203.0.113.25"


def stored_by_ses(raw: bytes, message_id: str = "0ab1cd2ef3") -> str:
    """Put the message in S3 as SES's S3 action does (its headers on top, CRLF); the object key."""
    received = (
        f"Return-Path: <backup@files.example.fr>\r\n"
        f"Received: from mail.files.example.fr (mail.files.example.fr [{SENDER_IP}])\r\n"
        f" by inbound-smtp.us-east-1.amazonaws.com with SMTP id {message_id}\r\n"
        f" for {RECIPIENT};\r\n Thu, 15 Jan 2026 11:59:59 +0000 (UTC)\r\n"
        f"X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
    ).encode()
    key = settings.INBOUND_EMAIL_PREFIX + message_id
    body = received + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    aws_clients.client("s3").put_object(Bucket=settings.S3_BUCKET, Key=key, Body=body)
    return key


def notification(key: str, recipients=(RECIPIENT,), virus="PASS", **overrides) -> str:
    """The SNS message SES sends for a receipt rule's S3 action."""
    message = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-01-15T11:59:59.000Z",
            "source": "backup@files.example.fr",
            "messageId": key.rpartition("/")[2],
            "destination": list(recipients),
        },
        "receipt": {
            "recipients": list(recipients),
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": virus},
            "action": {
                "type": "S3",
                "topicArn": f"arn:aws:sns:us-east-1:123456789012:{settings.INBOUND_EMAIL_TOPIC}",
                "bucketName": settings.S3_BUCKET,
                "objectKeyPrefix": settings.INBOUND_EMAIL_PREFIX,
                "objectKey": key,
            },
        },
    }
    message.update(overrides)
    return json.dumps(message)


def inbound_keys() -> list[str]:
    listed = aws_clients.client("s3").list_objects_v2(Bucket=settings.S3_BUCKET, Prefix=settings.INBOUND_EMAIL_PREFIX)
    return [o["Key"] for o in listed.get("Contents", [])]


def resolve(node, values: dict):
    """CloudFormation's Ref and Fn::Sub in a loaded template, from `values`."""
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return values[node["Ref"]]
    if set(node) == {"Fn::Sub"}:
        text = node["Fn::Sub"]
        for name, value in values.items():
            text = text.replace("${" + name + "}", value)
        return text
    return {key: resolve(value, values) for key, value in node.items()}


@contextlib.contextmanager
def infra_receipt_rule(sns, ses_client, domain: str):
    """infra/email.yaml's topic, rule set and rule, created through these clients: (topic ARN, the rule
    as SES describes it). The rule set is deleted afterwards; the topic is kept."""
    template = Path(__file__).resolve().parents[2] / "infra" / "email.yaml"
    resources = yaml.safe_load(template.read_text())["Resources"]
    values = {"Stage": settings.STAGE, "PingEmailDomain": domain, "AWS::Partition": "aws"}
    topic_name = resolve(resources["InboundEmailTopic"]["Properties"], values)["TopicName"]
    assert topic_name == settings.INBOUND_EMAIL_TOPIC
    values["InboundEmailTopic"] = topic_arn = sns.create_topic(Name=topic_name)["TopicArn"]
    values["InboundEmailRuleSet"] = resolve(resources["InboundEmailRuleSet"]["Properties"], values)["RuleSetName"]
    created = resolve(resources["InboundEmailRule"]["Properties"], values)
    ses_client.create_receipt_rule_set(RuleSetName=created["RuleSetName"])
    try:
        ses_client.create_receipt_rule(RuleSetName=created["RuleSetName"], Rule=created["Rule"])
        rule = ses_client.describe_receipt_rule(RuleSetName=created["RuleSetName"], RuleName=created["Rule"]["Name"])
        yield topic_arn, rule["Rule"]
    finally:
        ses_client.delete_receipt_rule_set(RuleSetName=created["RuleSetName"])


def assert_rule_as_written(rule: dict, topic_arn: str, domain: str) -> None:
    """The rule takes mail for the domain, stores it under the inbound prefix and notifies the topic."""
    assert rule["Recipients"] == [domain]
    assert rule["Actions"] == [
        {
            "S3Action": {
                "BucketName": settings.S3_BUCKET,
                "ObjectKeyPrefix": settings.INBOUND_EMAIL_PREFIX,
                "TopicArn": topic_arn,
            }
        }
    ]
