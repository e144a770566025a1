"""Pushover: the exact form, emergency priority and its cancel, invalid users, the subscription return."""
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import pushover
from chalicelib.store.models import Channel

MESSAGES = "/1/messages.json"


@pytest.fixture(autouse=True)
def app_token(monkeypatch, recorder):
    for name, value in dict(
        SITE_NAME="Mychecks", PUSHOVER_API_TOKEN="apptoken", PUSHOVER_SUBSCRIPTION_URL="https://pushover.net/subscribe/x",
        PUSHOVER_API_URL=recorder.url("").rstrip("/"), PUSHOVER_EMERGENCY_RETRY_DELAY=300, PUSHOVER_EMERGENCY_EXPIRATION=86400,
    ).items():
        monkeypatch.setattr(settings, name, value)


def make(project, now, prio=0, prio_up=0):
    value = pushover.validate({"user_key": "ukey123", "prio": prio, "prio_up": prio_up})
    return channels.create_channel(project.code, "po", value, now)


def form(request) -> dict:
    return {name: values[0] for name, values in parse_qs(request.body.decode()).items()}


def test_down_alert_is_the_exact_form(recorder, project, now, alert):
    notice = alert("down")
    pushover.send(make(project, now), notice)
    request = recorder.last
    assert (request.method, request.path) == ("POST", MESSAGES)
    assert form(request) == {
        "token": "apptoken",
        "user": "ukey123",
        "message": (
            '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).\n\n'
            "<b>Project:</b> Test project\n<b>Tags:</b> prod nightly\n<b>Period:</b> 1 day\n"
            "<b>Total Pings:</b> 42\n<b>Last Ping:</b> Success, 2 hours ago\n\n"
            "<b>Also down in this project:</b>\n\nReports (last ping 3 hours ago)"
        ),
        "title": "🔴 Backups is DOWN",
        "html": "1",
        "priority": "0",
        "tags": unique_key(notice.check.code),
        "url": notice.check_url,
        "url_title": "View on Mychecks",
    }


def test_emergency_down_asks_for_retry_and_expiry(recorder, project, now, alert):
    pushover.send(make(project, now, prio=2), alert("down"))
    sent = form(recorder.last)
    assert (sent["priority"], sent["retry"], sent["expire"]) == ("2", "300", "86400")


def test_up_after_an_emergency_down_cancels_it_first(recorder, project, now, alert):
    notice = alert("up")
    pushover.send(make(project, now, prio=2, prio_up=-1), notice)
    cancel, message = recorder.requests
    assert cancel.path == f"/1/receipts/cancel_by_tag/{unique_key(notice.check.code)}.json"
    assert form(cancel) == {"token": "apptoken"}
    assert message.path == MESSAGES and form(message)["priority"] == "-1" and form(message)["title"] == "🟢 Backups is UP"


def test_priority_minus_three_is_a_noop(project, now):
    channel = make(project, now, prio=1, prio_up=-3)
    assert pushover.is_noop(channel, "up") and not pushover.is_noop(channel, "down")


def test_invalid_user_disables_the_channel(recorder, project, now, alert):
    recorder.respond(MESSAGES, 400, {"Content-Type": "application/json"}, b'{"user": "invalid", "status": 0}')
    with pytest.raises(TransportError) as caught:
        pushover.send(make(project, now), alert("down"))
    assert (caught.value.message, caught.value.disable) == ("Received status code 400 (invalid user)", True)


@pytest.mark.parametrize("status, transient", [(400, False), (401, False), (429, True), (500, True)])
def test_other_errors_are_classified(recorder, project, now, alert, status, transient):
    recorder.respond(MESSAGES, status, body=b'{"status": 0}')
    with pytest.raises(TransportError) as caught:
        pushover.send(make(project, now), alert("down"))
    assert (caught.value.transient, caught.value.disable) == (transient, False)


def test_subscribe_url_returns_to_the_add_page_with_state_and_priorities():
    url = pushover.subscribe_url("st8", "https://hc.example/projects/p/add_pushover/", 2, 0, "https://hc.example/projects/p/integrations/")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://pushover.net/subscribe/x?")
    assert query["success"] == ["https://hc.example/projects/p/add_pushover/?state=st8&prio=2&prio_up=0"]
    assert query["failure"] == ["https://hc.example/projects/p/integrations/"]


def test_completed_subscription_gives_the_value_to_store():
    assert pushover.complete({"pushover_user_key": "ukey123", "prio": "2", "prio_up": "-3", "state": "x"}) == "ukey123|2|-3"
    with pytest.raises(ValueError, match="prio"):
        pushover.complete({"pushover_user_key": "ukey123", "prio": "7", "prio_up": "0"})


def test_unsubscribe_removes_the_projects_pushover_channels(project, now, webhook):
    make(project, now)
    kept = webhook()
    assert pushover.complete({"pushover_unsubscribed": "1"}) is None
    assert pushover.unsubscribe(project.code) == 1
    assert [c.code for c in Channel.by_project.query(project.code)] == [kept.code]
