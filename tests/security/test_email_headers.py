"""Line breaks in what users write (check names in subjects, addresses) never start new mail headers."""
import pytest

from chalicelib.lib import emails

INJECTED = "Backups\r\nBcc: victim@evil.example\r\nX-Evil: 1"


def test_line_breaks_in_a_subject_are_folded_into_one_line(outbox):
    emails.send("ops@example.org", f"DOWN | {INJECTED}", "body")
    message = outbox.last("ops@example.org")
    assert (message["Bcc"], message["X-Evil"]) == (None, None)
    assert message["Subject"] == "DOWN | Backups Bcc: victim@evil.example X-Evil: 1"


def test_line_breaks_in_extra_headers_are_folded(outbox):
    emails.send("ops@example.org", "Hi", "body", headers={"List-Unsubscribe": "<https://x.example/u>\r\nBcc: victim@evil.example"})
    assert outbox.last("ops@example.org")["Bcc"] is None


@pytest.mark.parametrize("to", ["ops@example.org\r\nBcc: victim@evil.example", "ops@example.org\nBcc: victim@evil.example"])
def test_line_breaks_in_a_recipient_are_refused(outbox, to):
    with pytest.raises(ValueError):
        emails.send(to, "Hi", "body")
    assert outbox.messages() == []


def test_email_alert_for_a_check_named_with_line_breaks_has_one_subject(outbox, notice, make_check, project, now):
    from chalicelib.checks import channels
    from chalicelib.integrations.kinds import email

    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now, email_verified=True)
    email.send(channel, notice("down", check=make_check(name=INJECTED)))
    message = outbox.last("ops@example.org")
    assert (message["Bcc"], message["X-Evil"]) == (None, None)
    assert "\n" not in message["Subject"]
