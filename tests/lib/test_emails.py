"""Outgoing email through each backend: a real SMTP listener, .eml files, the console and SES (moto)."""
import email
import email.policy

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import settings
from chalicelib.integrations.base import TransportError
from chalicelib.lib import emails
from chalicelib.store import aws as aws_clients
from tests.support.recorder import closed_port

SENDER = "alerts@checks.example.com"


@pytest.fixture(autouse=True)
def sender(monkeypatch):
    monkeypatch.setattr(settings, "DEFAULT_FROM_EMAIL", SENDER)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_smtp_delivers_to_the_recipient_from_the_sender(smtp_server):
    emails.send("ops@example.org", "DOWN | Backups", "The check is down.")
    mail_from, rcpt_tos, message = smtp_server.messages[0]
    assert (mail_from, rcpt_tos) == (SENDER, ["ops@example.org"])
    assert (message["From"], message["To"], message["Subject"]) == (SENDER, "ops@example.org", "DOWN | Backups")
    assert message.get_content() == "The check is down.\n"


def test_message_has_a_message_id_on_the_sender_domain_and_a_date(smtp_server):
    emails.send("ops@example.org", "Hello", "Text")
    message = smtp_server.messages[0][2]
    assert message["Message-ID"].endswith("@checks.example.com>")
    assert message["Date"].datetime is not None


def test_html_makes_a_multipart_alternative_message(smtp_server):
    emails.send("ops@example.org", "Hello", "Plain words", html="<p>Rich words</p>")
    message = smtp_server.messages[0][2]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == "Plain words\n"
    assert message.get_body(("html",)).get_content() == "<p>Rich words</p>\n"


def test_extra_headers_are_added(smtp_server):
    emails.send("ops@example.org", "Hello", "Text", headers={"X-Check": "abc"})
    assert smtp_server.messages[0][2]["X-Check"] == "abc"


def test_line_breaks_in_the_subject_cannot_add_headers(smtp_server):
    emails.send("ops@example.org", "DOWN | evil\r\nBcc: victim@example.org", "Text")
    message = smtp_server.messages[0][2]
    assert message["Subject"] == "DOWN | evil Bcc: victim@example.org"
    assert message["Bcc"] is None


def test_smtp_logs_in_when_a_user_is_set(smtp_server, monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_HOST_USER", "mailer")
    monkeypatch.setattr(settings, "EMAIL_HOST_PASSWORD", "hunter2")
    emails.send("ops@example.org", "Hello", "Text")
    assert smtp_server.logins == [(b"mailer", b"hunter2")]
    assert len(smtp_server.messages) == 1


def test_smtp_does_not_log_in_without_a_user(smtp_server):
    emails.send("ops@example.org", "Hello", "Text")
    assert smtp_server.logins == []


def test_smtp_connection_failure_is_transient(monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "smtp")
    monkeypatch.setattr(settings, "EMAIL_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "EMAIL_PORT", closed_port())
    monkeypatch.setattr(settings, "EMAIL_USE_TLS", False)
    with pytest.raises(TransportError) as info:
        emails.send("ops@example.org", "Hello", "Text")
    assert info.value.transient


def test_file_backend_writes_one_parseable_eml_per_message(tmp_path, monkeypatch):
    outbox = tmp_path / "not" / "yet" / "there"
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "file")
    monkeypatch.setattr(settings, "EMAIL_OUTBOX", str(outbox))
    emails.send("a@example.org", "First", "One", html="<b>One</b>")
    emails.send("b@example.org", "Second", "Two")
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    subjects = {parse(f.read_bytes())["Subject"] for f in files}
    assert subjects == {"First", "Second"}


def test_console_backend_prints_the_message(monkeypatch, capsys):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "console")
    emails.send("ops@example.org", "Printed", "Body text")
    out = capsys.readouterr().out
    assert "Subject: Printed" in out and "To: ops@example.org" in out and "Body text" in out


def test_unknown_backend_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "pigeon")
    with pytest.raises(ValueError, match="pigeon"):
        emails.send("ops@example.org", "Hello", "Text")


def test_ses_backend_sends_the_raw_message(aws, monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "ses")
    aws_clients.client("ses").verify_email_identity(EmailAddress=SENDER)
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    before = len(backend.sent_messages)
    emails.send("ops@example.org", "Via SES", "Text", html="<p>Html</p>")
    sent = backend.sent_messages[before:]
    assert len(sent) == 1
    # moto adds the To header's addresses to the given Destinations, hence a set.
    assert (sent[0].source, set(sent[0].destinations)) == (SENDER, {"ops@example.org"})
    message = parse(sent[0].raw_data.encode())
    assert message["Subject"] == "Via SES"
    assert message.get_body(("html",)).get_content() == "<p>Html</p>\n"


def test_ses_rejection_is_a_permanent_error(aws, monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "ses")
    monkeypatch.setattr(settings, "DEFAULT_FROM_EMAIL", "nobody@unverified.example")
    with pytest.raises(TransportError) as info:
        emails.send("ops@example.org", "Hello", "Text")
    assert info.value.message.startswith("SES: ")
    assert not info.value.transient
