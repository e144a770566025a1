"""SES on an emulator (moto or LocalStack): the sender verified, and SES's inbound path wired.

Both refuse to send from an unverified address, as SES does: verify_sender() verifies
DEFAULT_FROM_EMAIL, so `EMAIL_BACKEND=ses` works on the local stack. On AWS the topic
`INBOUND_EMAIL_TOPIC` triggers the `ingest_email` Lambda; emulators trigger nothing, so the
local stack subscribes a queue of its own to the topic (raw delivery: each message is the
notification SES sent) and hands each one to the same handler. Whatever stores a message under
`INBOUND_EMAIL_PREFIX` and publishes SES's notification, as SES's S3 action does, makes a ping.
"""
import logging
from email.utils import parseaddr

from chalicelib import settings
from chalicelib.store import aws

log = logging.getLogger("chalicelib.local")


def verify_sender() -> None:
    """Verify DEFAULT_FROM_EMAIL's address in the emulator's SES (an emulator verifies at once)."""
    aws.client("ses").verify_email_identity(EmailAddress=parseaddr(settings.DEFAULT_FROM_EMAIL)[1])


class InboundMailQueue:
    """The queue subscribed to the inbound topic, made on first poll; `handle(message)` per message."""

    def __init__(self, handle):
        self.handle = handle
        self.queue_url: str | None = None
        self.off = False  # the endpoint has no SNS or SQS to subscribe with: said once, not retried

    def subscribe(self) -> str:
        """Create the topic, the queue and the subscription (each call is idempotent); the queue's URL."""
        sns, sqs = aws.client("sns"), aws.client("sqs")
        topic = sns.create_topic(Name=settings.INBOUND_EMAIL_TOPIC)["TopicArn"]
        url = sqs.create_queue(QueueName=settings.INBOUND_EMAIL_TOPIC + "-local")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes={"RawMessageDelivery": "true"})
        log.info("Email pings: %s -> queue %s", topic, url)
        return url

    def poll(self) -> int:
        """Hand over the messages waiting; each is deleted once handled. The number handled."""
        if self.off:
            return 0
        if self.queue_url is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.queue_url = self.subscribe()
            except (BotoCoreError, ClientError) as e:
                self.off = True
                log.warning("Email pings through SES's S3 + SNS path are off: %s", e)
                return 0
        sqs = aws.client("sqs")
        received = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        handled = 0
        for message in received.get("Messages", []):
            self.handle(message["Body"])
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
        return handled
