"""Email pings over real SMTP (smtplib) to the local listener, one behaviour per test."""
import smtplib
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from chalicelib.checks import checks
from chalicelib.pings import email_pings
from chalicelib.store import storage
from chalicelib.store.models import Ping

DATA = Path(__file__).parent / "data" / "email"
SENDER = "cron@db1.example.net"
LINE = "x" * 99 + "\n"  # 2500 of them: 250 kB, over the listener fixture's 200 kB limit


def message(subject="backup.sh", body="done\n", html=None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, "someone@hc.example.com", subject
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def wire(content) -> bytes:
    """A message as it travels over SMTP: CRLF line ends."""
    if isinstance(content, EmailMessage):
        return content.as_bytes(policy=policy.SMTP)
    return content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send(port, to, content, mail_from=SENDER):
    """Deliver over SMTP; what the server refused, as smtplib reports it."""
    raw = wire(content)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail(mail_from, to, raw)


def address(check) -> str:
    return email_pings.address(check)


def only_ping(check) -> Ping:
    [ping] = Ping.query(check.code)
    return ping


def test_mail_to_a_check_is_a_success_ping_with_the_smtp_details(smtp_listener, check, now):
    assert send(smtp_listener, address(check), message()) == {}
    ping = only_ping(check)
    assert (ping.kind, ping.scheme, ping.method, ping.remote_addr, ping.ua) == (
        "success", "email", "", "127.0.0.1", f"Email from {SENDER}",
    )
    assert storage.get_body(check.code, ping.n) == wire(message())  # the message as sent
    assert (checks.get(check.code).status, checks.get(check.code).last_ping) == ("up", now)


def test_mail_to_the_ping_key_and_slug_address_pings_the_check(smtp_listener, check, project):
    send(smtp_listener, f"{project.ping_key}+backups@hc.example.com", message())
    assert checks.get(check.code).status == "up"


KEYWORDS = dict(start_kw="started", success_kw="SUCCESS, done ok", failure_kw="FAILED,ERROR")


@pytest.mark.parametrize(
    "filters, subject, body, kind, status",
    [
        pytest.param({"filter_subject": True}, "backup FAILED", "", "fail", "down", id="subject-failure-keyword"),
        pytest.param({"filter_subject": True}, "backup SUCCESS", "", "success", "up", id="subject-success-keyword"),
        pytest.param({"filter_subject": True}, "backup started", "", "start", "new", id="subject-start-keyword"),
        pytest.param({"filter_subject": True}, "SUCCESS after ERROR", "", "fail", "down", id="failure-beats-success"),
        pytest.param({"filter_subject": True}, "started, done ok", "", "success", "up", id="success-beats-start"),
        pytest.param({"filter_subject": True}, "backup", "SUCCESS", "ign", "new", id="subject-filter-ignores-body"),
        pytest.param({"filter_body": True}, "SUCCESS", "nothing", "ign", "new", id="body-filter-ignores-subject"),
        pytest.param({"filter_body": True}, "backup", "all done ok\n", "success", "up", id="body-success-keyword"),
        pytest.param({"filter_subject": True}, "backup", "", "ign", "new", id="no-keyword-is-ignored"),
        pytest.param(
            {"filter_subject": True, "filter_default_fail": True}, "backup", "", "fail", "down",
            id="no-keyword-fails-with-default-fail",
        ),
        pytest.param({"filter_subject": True}, "backup success", "", "ign", "new", id="keywords-are-case-sensitive"),
    ],
)
def test_keyword_filters_decide_the_kind(smtp_listener, make_check, filters, subject, body, kind, status):
    check = make_check(name="filtered", **KEYWORDS, **filters)
    send(smtp_listener, address(check), message(subject, body or "\n"))
    assert only_ping(check).kind == kind
    assert checks.get(check.code).status == status


def test_start_keyword_marks_the_check_started(smtp_listener, make_check, now):
    check = make_check(name="filtered", filter_subject=True, **KEYWORDS)
    send(smtp_listener, address(check), message("nightly started"))
    assert checks.get(check.code).last_start == now


def test_body_filter_reads_the_html_part(smtp_listener, make_check):
    check = make_check(name="filtered", filter_body=True, **KEYWORDS)
    send(smtp_listener, address(check), message("report", "see HTML", html="<p>Volume 2: <b>FAILED</b></p>"))
    assert only_ping(check).kind == "fail"


def test_non_utf8_subject_is_recorded_and_filtered_on_its_ascii(smtp_listener, make_check):
    check = make_check(name="filtered", filter_subject=True, **KEYWORDS)
    send(smtp_listener, address(check), (DATA / "latin1-subject.eml").read_bytes())
    assert only_ping(check).kind == "fail"


def test_recipient_at_another_domain_is_refused_with_550(smtp_listener, check):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_listener, f"{check.code}@elsewhere.example.com", message())
    assert refused.value.recipients[f"{check.code}@elsewhere.example.com"] == (550, b"5.1.1 Recipient rejected")


def test_unknown_check_is_refused_with_550_at_rcpt(smtp_listener, check):
    unknown = "00000000-0000-4000-8000-000000000000@hc.example.com"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_listener, unknown, message())
    assert refused.value.recipients[unknown] == (550, b"5.1.1 No such check")


def test_invalid_mailbox_is_refused_with_550(smtp_listener, check):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_listener, "postmaster@hc.example.com", message())
    assert refused.value.recipients["postmaster@hc.example.com"] == (550, b"5.1.1 Invalid mailbox")


def test_refused_recipients_do_not_stop_the_good_one(smtp_listener, check):
    refused = send(smtp_listener, ["nobody@hc.example.com", address(check)], message())
    assert refused == {"nobody@hc.example.com": (550, b"5.1.1 Invalid mailbox")}
    assert only_ping(check).kind == "success"


def test_recipients_over_the_cap_get_452(smtp_listener, make_check):
    made = [make_check(name=f"c{i}") for i in range(email_pings.MAX_RECIPIENTS + 1)]
    refused = send(smtp_listener, [address(c) for c in made], message())
    assert refused == {address(made[-1]): (452, b"4.5.3 Too many recipients")}
    assert [checks.get(c.code).n_pings for c in made] == [1] * email_pings.MAX_RECIPIENTS + [0]


def test_message_over_the_size_limit_gets_552_and_records_nothing(smtp_listener, check):
    huge = wire(message(body=LINE * 2500))
    with smtplib.SMTP("127.0.0.1", smtp_listener, timeout=10) as client:
        client.ehlo()
        client.mail(SENDER)  # no SIZE= declared: the listener finds out while reading DATA
        client.rcpt(address(check))
        code, _ = client.data(huge)
    assert code == 552
    assert checks.get(check.code).n_pings == 0


def test_message_declared_over_the_size_limit_is_refused_before_data(smtp_listener, check):
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(smtp_listener, address(check), message(body=LINE * 2500))
    assert refused.value.smtp_code == 552


def test_malformed_message_gets_554_and_records_nothing(smtp_listener, check):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_listener, address(check), b"no headers, just a line\r\n")
    assert (refused.value.smtp_code, refused.value.smtp_error) == (554, b"5.6.0 Malformed message")
    assert checks.get(check.code).n_pings == 0


def test_listener_keeps_serving_after_bad_mail(smtp_listener, check):
    with pytest.raises(smtplib.SMTPDataError):
        send(smtp_listener, address(check), b"\x00\xff" * 100)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(smtp_listener, "a@b@hc.example.com", message())
    send(smtp_listener, address(check), message())
    assert checks.get(check.code).n_pings == 1


def test_a_failing_store_answers_451_so_the_sender_retries(smtp_listener, check, monkeypatch):
    def unavailable(*args):
        raise ConnectionError("DynamoDB is unreachable")

    monkeypatch.setattr(email_pings, "receive", unavailable)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_listener, address(check), message())
    assert refused.value.smtp_code == 451
