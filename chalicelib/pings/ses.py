"""Email pings on AWS: SES stores the message in S3 (INBOUND_EMAIL_PREFIX) and notifies SNS.

The SNS notification carries the envelope (sender, recipients) and where the message is;
this reads it from S3, records the pings, and deletes it. Bad notifications and bad mail are
logged and dropped; only infrastructure errors raise, so that Lambda retries.
"""
import ipaddress
import json
import logging
import re
from datetime import datetime
from email.parser import BytesHeaderParser

from chalicelib import settings
from chalicelib.pings import email_pings
from chalicelib.store import aws

log = logging.getLogger(__name__)

VIRUS = "554 5.7.1 Virus found"

# "from host (host [192.0.2.1]) by inbound-smtp.<region>.amazonaws.com ..." (SES puts it on top).
RECEIVED_FROM_IP = re.compile(r"^\s*from\s[^\[;]*\[(?:IPv6:)?([0-9A-Fa-f.:]+)\]")


def handle_notification(message: str, now: datetime) -> list[email_pings.Outcome]:
    """One SNS message from the receipt rule's S3 action; the outcome per recipient."""
    try:
        notification = json.loads(message)
        mail, receipt = notification["mail"], notification["receipt"]
        action = receipt["action"]
        bucket, key = action["bucketName"], action["objectKey"]
        recipients = [str(r) for r in receipt.get("recipients") or mail.get("destination") or []]
        mail_from = str(mail.get("source") or "")
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("Not an SES receipt notification: %.200r", message)
        return []
    if notification.get("notificationType") != "Received" or action.get("type") != "S3":
        log.warning("Ignoring an SES notification of type %r", notification.get("notificationType"))
        return []
    if bucket != settings.S3_BUCKET or not str(key).startswith(settings.INBOUND_EMAIL_PREFIX):
        log.warning("Ignoring inbound mail stored outside the inbound prefix: s3://%s/%.200r", bucket, key)
        return []

    outcomes = _receive_stored(key, recipients, mail_from, receipt, now)
    if outcomes is None:
        return []
    aws.client("s3").delete_object(Bucket=bucket, Key=key)
    return outcomes


def _receive_stored(key: str, recipients: list[str], mail_from: str, receipt: dict, now: datetime):
    """The outcomes for the stored message; None when it is gone (a repeated notification)."""
    if _verdict(receipt, "virusVerdict") == "FAIL":
        return _refused(key, recipients, VIRUS)
    s3 = aws.client("s3")
    try:
        stored = s3.get_object(Bucket=settings.S3_BUCKET, Key=key)
    except s3.exceptions.NoSuchKey:
        log.info("Inbound mail %s is gone (already handled)", key)
        return None
    if stored["ContentLength"] > settings.PING_EMAIL_MAX_BYTES:
        stored["Body"].close()  # unread: it could be up to SES's 40 MB
        return _refused(key, recipients, email_pings.TOO_BIG)
    raw = stored["Body"].read()
    return email_pings.receive(email_pings.InboundMail(raw, mail_from, recipients, sender_ip(raw)), now)


def _refused(key: str, recipients: list[str], reply: str) -> list[email_pings.Outcome]:
    log.warning("Dropping inbound mail %s: %s", key, reply)
    return [email_pings.Outcome(recipient, reply) for recipient in recipients]


def sender_ip(raw: bytes) -> str | None:
    """The client address from the topmost Received header (the one SES added), if it has one."""
    try:
        received = BytesHeaderParser().parsebytes(raw).get_all("Received") or []
        found = RECEIVED_FROM_IP.match(str(received[0])) if received else None
        return str(ipaddress.ip_address(found.group(1))) if found else None
    except ValueError:
        return None


def _verdict(receipt: dict, name: str) -> str:
    verdict = receipt.get(name)
    return verdict.get("status", "") if isinstance(verdict, dict) else ""
