"""The unsubscribe link in alert emails: one click (or a mail client's one-click POST) turns the
email integration off, without logging in."""
from urllib.parse import urlsplit

import pytest

from chalicelib.alerts import delivery
from chalicelib.checks import channels, flips
from chalicelib.integrations.kinds import email as email_kind
from chalicelib.store.models import Channel


@pytest.fixture
def mailed(smtp_server, project, make_check, user, now):
    """An alert mailed to the user's own (verified) address: (the message, its channel)."""
    check = make_check(name="Backups")
    channel = channels.create_channel(project.code, "email", {"value": user.email, "up": True, "down": True}, now, email_verified=True)
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda seconds: None)
    _, _, message = smtp_server.messages[-1]
    return message, channel


def link_of(message) -> str:
    return message["List-Unsubscribe"].strip("<>")


def test_alert_emails_offer_one_click_unsubscribe(mailed):
    message, channel = mailed
    link = link_of(message)
    assert urlsplit(link).path.startswith(f"/integrations/{channel.code}/unsub/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.get_body(("plain",)).get_content()
    assert link in message.get_body(("html",)).get_content()


def test_opening_the_link_asks_and_changes_nothing(mailed, anonymous_web):
    message, channel = mailed
    page = anonymous_web.get(urlsplit(link_of(message)).path)
    assert page.status_code == 200 and 'id="unsubscribe"' in page.body.decode()
    assert not Channel.get(channel.code).disabled


def test_a_one_click_post_disables_the_integration_without_a_login(mailed, anonymous_web):
    message, channel = mailed
    answer = anonymous_web.post(urlsplit(link_of(message)).path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and 'id="unsubscribed"' in answer.body.decode()
    assert Channel.get(channel.code).disabled


def test_a_link_made_for_another_integration_is_refused(mailed, anonymous_web, project, now):
    message, channel = mailed
    other = channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)
    token = urlsplit(link_of(message)).path.rstrip("/").rsplit("/", 1)[1]
    assert anonymous_web.post(f"/integrations/{other.code}/unsub/{token}/", {}).status_code == 400
    assert not Channel.get(other.code).disabled


def test_a_forged_link_is_refused(anonymous_web, project, now):
    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)
    forged = email_kind.unsubscribe_url(channel, now).rsplit(".", 1)[0] + ".forged/"
    assert anonymous_web.post(urlsplit(forged).path, {}).status_code == 400
