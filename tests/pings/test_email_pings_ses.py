"""Email pings on AWS, under moto: infra/email.yaml's receipt rule, the S3 object SES stores, the
SNS notification it sends, and app.py's ingest_email function handling it."""
import json
from pathlib import Path

import pytest

from chalicelib import settings
from chalicelib.checks import checks
from chalicelib.pings import ses
from chalicelib.store import aws as aws_clients
from chalicelib.store.models import Ping
from tests.support.ses_mail import (
    CODE, SENDER_IP, assert_rule_as_written, inbound_keys, infra_receipt_rule, notification, stored_by_ses,
)  # fmt: skip

DATA = Path(__file__).parent / "data" / "email"


def test_infra_receipt_rule_stores_mail_for_the_domain_under_the_inbound_prefix_and_notifies_the_topic(
    aws, email_domain
):
    """infra/email.yaml's topic, rule set and rule, created in moto's SNS and SES, as SES keeps them."""
    sns = aws_clients.client("sns")
    with infra_receipt_rule(sns, aws_clients.client("ses"), email_domain) as (topic_arn, rule):
        sns.delete_topic(TopicArn=topic_arn)
    assert_rule_as_written(rule, topic_arn, email_domain)


def test_app_subscribes_ingest_email_to_the_inbound_topic():
    from app import app

    [source] = [s for s in app.event_sources if getattr(s, "name", "") == "ingest_email"]
    assert source.topic == settings.INBOUND_EMAIL_TOPIC


KEYWORDS = dict(filter_subject=True, filter_body=True, start_kw="started", success_kw="SUCCESS, réussie",
                failure_kw="FAILED, ERROR")


@pytest.mark.parametrize(
    "name, kind",
    [
        ("plain.eml", "success"),  # "Backup SUCCESS" in a 7bit text body
        ("multipart-alternative.eml", "success"),  # only in the HTML part; "FAILED" only in head and script
        ("quoted-printable.eml", "success"),  # "SUC=\nCESS": a soft line break
        ("base64.eml", "fail"),  # "ERROR" only once decoded
        ("non-ascii-subject.eml", "success"),  # "réussie" in an RFC 2047 subject
        ("latin1-subject.eml", "fail"),  # raw 8-bit, not UTF-8, subject with "ERROR"
        ("attachment.eml", "start"),  # "started" in the text part next to a binary attachment
    ],
)
def test_message_from_ses_is_a_ping_of_the_kind_its_keywords_say(sns_to, make_check, email_domain, name, kind):
    check = make_check(code=CODE, name="Backups", **KEYWORDS)
    key = stored_by_ses((DATA / name).read_bytes())
    sns_to("ingest_email", notification(key))
    [ping] = Ping.query(check.code)
    assert (ping.kind, ping.scheme) == (kind, "email")
    assert checks.get(CODE).n_pings == 1


def test_ping_from_ses_keeps_the_envelope_sender_and_the_client_ip(sns_to, email_check):
    sns_to("ingest_email", notification(stored_by_ses((DATA / "plain.eml").read_bytes())))
    [ping] = Ping.query(CODE)
    assert (ping.remote_addr, ping.ua, ping.method) == (SENDER_IP, "Email from backup@files.example.fr", "")
    assert checks.get(CODE).status == "up"


def test_handled_message_is_deleted_from_the_inbound_prefix(sns_to, email_check):
    sns_to("ingest_email", notification(stored_by_ses((DATA / "plain.eml").read_bytes())))
    assert inbound_keys() == []


def test_repeated_notification_records_one_ping(email_check, now):
    message = notification(stored_by_ses((DATA / "plain.eml").read_bytes()))
    ses.handle_notification(message, now)
    assert ses.handle_notification(message, now) == []
    assert checks.get(CODE).n_pings == 1


def test_mail_for_an_unknown_check_is_dropped(email_check, now):
    other = "00000000-0000-4000-8000-000000000000@hc.example.com"
    [outcome] = ses.handle_notification(notification(stored_by_ses(b"Subject: x\r\n\r\nhi\r\n"), [other]), now)
    assert outcome.reply == "550 5.1.1 No such check"
    assert (inbound_keys(), checks.get(CODE).n_pings) == ([], 0)


def test_mail_with_a_virus_is_dropped_unread(email_check, now):
    outcomes = ses.handle_notification(notification(stored_by_ses(b"Subject: x\r\n\r\nhi\r\n"), virus="FAIL"), now)
    assert [o.reply for o in outcomes] == [ses.VIRUS]
    assert (inbound_keys(), checks.get(CODE).n_pings) == ([], 0)


def test_mail_over_the_size_limit_is_dropped_unread(email_check, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_EMAIL_MAX_BYTES", 1000)
    [outcome] = ses.handle_notification(notification(stored_by_ses(b"Subject: x\r\n\r\n" + b"y" * 2000)), now)
    assert outcome.reply.startswith("552 ")
    assert (inbound_keys(), checks.get(CODE).n_pings) == ([], 0)


NOT_RECEIPTS = {
    "not-json": "{not json",
    "a-list": "[1, 2]",
    "a-string": '"Received"',
    "no-receipt": json.dumps({"notificationType": "Received", "mail": {}}),
    "receipt-not-a-dict": json.dumps({"notificationType": "Received", "mail": {}, "receipt": []}),
    "bounce": notification("inbound/x", notificationType="Bounce"),
    "outside-the-prefix": json.dumps(
        {"notificationType": "Received", "mail": {}, "receipt": {"action": {
            "type": "S3", "bucketName": "hc-test-bodies", "objectKey": "7f8d9a1e-2b3c-4d5e-8f60-718293a4b5c6/1"}}}
    ),
    "other-bucket": json.dumps(
        {"notificationType": "Received", "mail": {}, "receipt": {"action": {
            "type": "S3", "bucketName": "someone-elses", "objectKey": "inbound/x"}}}
    ),
}


@pytest.mark.parametrize("message", NOT_RECEIPTS.values(), ids=NOT_RECEIPTS.keys())
def test_sns_message_that_is_not_an_ses_receipt_is_ignored(sns_to, email_check, message):
    sns_to("ingest_email", message)
    assert checks.get(CODE).n_pings == 0


def test_stored_object_outside_the_prefix_is_left_alone(email_check, now):
    aws_clients.client("s3").put_object(Bucket=settings.S3_BUCKET, Key=f"{CODE}/1", Body=b"Subject: x\r\n\r\nhi\r\n")
    assert ses.handle_notification(NOT_RECEIPTS["outside-the-prefix"], now) == []
    assert aws_clients.client("s3").get_object(Bucket=settings.S3_BUCKET, Key=f"{CODE}/1")["Body"].read()


@pytest.mark.parametrize(
    "raw",
    [
        b"\x8f\x00\xfe garbage \xff" * 40,
        b"From: a@example.com\r\nSubject backup\r\n\r\nbody\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ncut he',
    ],
    ids=["random-bytes", "broken-header", "truncated-multipart"],
)
def test_malformed_message_from_ses_records_nothing_and_is_deleted(sns_to, email_check, raw):
    key = f"{settings.INBOUND_EMAIL_PREFIX}malformed"
    aws_clients.client("s3").put_object(Bucket=settings.S3_BUCKET, Key=key, Body=raw)  # as stored, without SES headers
    sns_to("ingest_email", notification(key))
    assert (inbound_keys(), checks.get(CODE).n_pings) == ([], 0)


@pytest.mark.parametrize(
    "received, ip",
    [
        ("from mx.example.org (mx.example.org [198.51.100.7]) by inbound-smtp", "198.51.100.7"),
        ("from v6.example.org (v6.example.org [IPv6:2001:db8::25]) by inbound-smtp", "2001:db8::25"),
        ("from unknown (HELO x) by inbound-smtp", None),
        ("from x ([999.1.1.1]) by inbound-smtp", None),
    ],
)
def test_sender_ip_comes_from_the_topmost_received_header(received, ip):
    raw = f"Received: {received}\r\nReceived: from inner ([192.0.2.1])\r\n\r\n".encode()
    assert ses.sender_ip(raw) == ip
