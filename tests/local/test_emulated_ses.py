"""SES on an emulator (chalicelib/local/emulated_ses.py), under moto's in-process mock: the sender
verified, and the inbound topic's notifications handed over through the stack's queue."""
import logging

import pytest

from chalicelib import settings
from chalicelib.lib import emails
from chalicelib.local.emulated_ses import InboundMailQueue, verify_sender
from chalicelib.store import aws as aws_clients


def publish(message: str) -> None:
    sns = aws_clients.client("sns")
    sns.publish(TopicArn=sns.create_topic(Name=settings.INBOUND_EMAIL_TOPIC)["TopicArn"], Message=message)


def test_each_notification_on_the_inbound_topic_is_handed_over_once(aws):
    handled = []
    queue = InboundMailQueue(handled.append)
    assert queue.poll() == 0  # subscribes
    publish('{"n": 1}')
    publish('{"n": 2}')
    assert queue.poll() == 2
    assert sorted(handled) == ['{"n": 1}', '{"n": 2}']  # raw delivery: SES's notification itself
    assert queue.poll() == 0


def test_a_notification_whose_handling_fails_stays_queued(aws):
    def refuse(message):
        raise RuntimeError("DynamoDB unreachable")

    queue = InboundMailQueue(refuse)
    queue.poll()
    publish('{"n": 3}')
    with pytest.raises(RuntimeError):
        queue.poll()
    sqs = aws_clients.client("sqs")
    waiting = "ApproximateNumberOfMessagesNotVisible"  # back on the queue after its visibility timeout
    assert sqs.get_queue_attributes(QueueUrl=queue.queue_url, AttributeNames=[waiting])["Attributes"][waiting] == "1"


def test_an_endpoint_without_sns_turns_the_inbound_path_off_with_one_warning(monkeypatch, caplog):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    aws_clients.reset()
    queue = InboundMailQueue(lambda message: None)
    with caplog.at_level(logging.WARNING, logger="chalicelib.local"):
        assert (queue.poll(), queue.poll()) == (0, 0)
    monkeypatch.undo()
    aws_clients.reset()
    [warning] = caplog.records
    assert warning.getMessage().startswith("Email pings through SES's S3 + SNS path are off: Could not connect")


def test_the_verified_sender_can_send_through_ses(aws, monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "ses")
    monkeypatch.setattr(settings, "DEFAULT_FROM_EMAIL", "Mychecks <alerts@checks.example.org>")
    verify_sender()
    emails.send("ops@example.org", "DOWN | Nightly", "The check is down.")
    identities = aws_clients.client("ses").list_identities()["Identities"]
    assert "alerts@checks.example.org" in identities
