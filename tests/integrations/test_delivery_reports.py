"""Delivery reports: a failure the service reports after the send lands on the notification and its channel."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import pytest

from chalicelib.alerts import delivery
from chalicelib.checks import flips
from chalicelib.integrations import delivery_reports
from chalicelib.store.models import Channel, Notification


@pytest.fixture
def delivered(make_check, webhook):
    """delivered(at): a webhook notification of a flip at that time, sent fine; (callback path, notification, channel)."""

    def make(at: datetime):
        check = make_check(name="Backups")
        channel = webhook()
        flip = flips.write_flip(check, "up", "down", "timeout", at)
        [notification] = delivery.deliver(flip, sleep=lambda seconds: None)
        return urlsplit(delivery_reports.callback_url(flip, channel.code)).path, notification, channel

    return make


def reported(path: str, form: dict, now: datetime) -> bool:
    return delivery_reports.record(path.split("/")[-2], form, now)


def errors(notification, channel) -> tuple[str, str, bool]:
    notification, channel = Notification.get(notification.code, notification.key), Channel.get(channel.code)
    return notification.error, channel.last_error, channel.disabled


@pytest.mark.parametrize(
    "form, error",
    [
        ({"MessageStatus": "undelivered"}, "Delivery failed (status=undelivered)."),
        ({"MessageStatus": "failed"}, "Delivery failed (status=failed)."),
        ({"CallStatus": "failed"}, "Delivery failed (status=failed)."),
        ({"error": "Mailbox full"}, "Mailbox full"),
    ],
)
def test_a_reported_failure_is_the_notifications_and_the_channels_error(delivered, now, form, error):
    path, notification, channel = delivered(now)
    assert reported(path, form, now + timedelta(minutes=5))
    assert errors(notification, channel) == (error, error, False)


def test_mark_disabled_also_disables_the_channel(delivered, now):
    path, notification, channel = delivered(now)
    reported(path, {"error": "Number unreachable", "mark_disabled": "1"}, now)
    assert errors(notification, channel) == ("Number unreachable", "Number unreachable", True)


@pytest.mark.parametrize("form", [{"MessageStatus": "delivered"}, {"CallStatus": "completed"}, {"mark_disabled": "1"}, {}])
def test_a_delivery_that_went_fine_changes_nothing(delivered, now, form):
    path, notification, channel = delivered(now)
    assert not reported(path, form, now)
    assert errors(notification, channel) == ("", "", False)


def test_a_report_more_than_an_hour_after_the_alert_is_ignored(delivered, now):
    path, notification, channel = delivered(now)
    assert not reported(path, {"MessageStatus": "failed"}, now + timedelta(hours=1, seconds=1))
    assert errors(notification, channel) == ("", "", False)


def test_a_forged_token_changes_nothing(delivered, now):
    path, notification, channel = delivered(now)
    forged = path.replace("/status", "").rsplit(".", 1)[0] + ".AAAA/status"
    assert not reported(forged, {"MessageStatus": "failed"}, now)
    assert errors(notification, channel) == ("", "", False)


def test_the_callback_route_takes_twilios_form_and_always_answers_200(client, delivered):
    path, notification, channel = delivered(datetime.now(timezone.utc))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = client.post(path, body=urlencode({"MessageSid": "SM1", "MessageStatus": "undelivered"}), headers=headers)
    assert answer.status_code == 200
    assert errors(notification, channel)[1] == "Delivery failed (status=undelivered)."
    assert client.post("/api/v3/notifications/nonsense/status", body=b"", headers=headers).status_code == 200
    assert client.post(path.replace("/v3/", "/v9/"), body=b"", headers=headers).status_code == 404
