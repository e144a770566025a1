"""Delivery: each flip goes out once per channel, failures are recorded and retried when transient."""
import threading
from datetime import timedelta

import pytest

from chalicelib.accounts import projects
from chalicelib.alerts import delivery, notices
from chalicelib.checks import channels, checks, sweep
from chalicelib.store.models import Channel, Flip, Notification
from tests.support.streams import inserted

DAY_AND_GRACE = timedelta(seconds=86400 + 3600)


@pytest.fixture
def went_down(check, ping, now):
    """The check pinged at `now`, then sent down by the sweep; its down flip."""
    ping(check, now)
    sweep.sweep_once(now + DAY_AND_GRACE)
    return list(Flip.query(check.code))[-1]


def deliver(flip):
    return delivery.deliver(flip, sleep=lambda seconds: None)


def test_down_flip_notifies_every_channel_of_the_check(check, webhook, recorder, went_down):
    webhook("/a"), webhook("/b")
    assert len(deliver(went_down)) == 2
    assert sorted((r.method, r.path, r.body) for r in recorder.requests) == [
        ("POST", "/a", b"Backups is down"), ("POST", "/b", b"Backups is down"),
    ]


def test_up_flip_after_a_downtime_notifies(check, webhook, recorder, ping, went_down, now):
    webhook()
    ping(check, now + DAY_AND_GRACE + timedelta(minutes=5))
    deliver(list(Flip.query(check.code))[-1])
    assert [(r.path, r.body) for r in recorder.requests] == [("/up", b"Backups is up")]


def test_first_ping_sends_no_up_alert(check, webhook, recorder, ping, now):
    webhook()
    ping(check, now)
    [flip] = Flip.query(check.code)
    assert (flip.old_status, flip.new_status) == ("new", "up")
    assert deliver(flip) == [] and recorder.requests == []


def test_channel_without_an_up_url_skips_up_alerts(check, webhook, recorder, ping, went_down, now):
    webhook(path_up="")
    ping(check, now + DAY_AND_GRACE + timedelta(minutes=5))
    assert deliver(list(Flip.query(check.code))[-1]) == []


def test_disabled_channel_is_skipped(check, webhook, recorder, went_down):
    webhook(disabled=True)
    assert deliver(went_down) == [] and recorder.requests == []


def test_check_without_channels_sends_nothing(check, recorder, went_down):
    assert deliver(went_down) == []


def test_stream_record_delivered_twice_notifies_once(check, webhook, recorder, went_down):
    webhook()
    [record] = inserted(went_down)
    assert delivery.handle_stream_records([record], sleep=lambda s: None) == 1
    assert delivery.handle_stream_records([record], sleep=lambda s: None) == 0
    assert len(recorder.requests) == 1


@pytest.mark.slow
def test_two_deliveries_racing_over_one_flip_notify_once(dynamodb_local, recorder, ping, wall_now):
    # On DynamoDB Local: moto's conditional put is not atomic across threads, so two claims of
    # one notification could both succeed there (and did, about once in 20 runs).
    project = projects.create_project("Race", wall_now).project
    check = checks.create_check(project, wall_now, name="Backups")
    for path in ("/a", "/b"):
        value = {"method_down": "POST", "url_down": recorder.url(path), "body_down": "$NAME is $STATUS",
                 "method_up": "POST", "url_up": "", "body_up": ""}  # fmt: skip
        channels.create_channel(project.code, "webhook", value, wall_now)
    ping(check, wall_now - DAY_AND_GRACE)
    sweep.sweep_once(wall_now)
    went_down = list(Flip.query(check.code))[-1]
    threads = [threading.Thread(target=deliver, args=(went_down,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.path for r in recorder.requests) == ["/a", "/b"]


def test_failing_channel_does_not_stop_the_others(check, webhook, recorder, went_down):
    broken, working = webhook("/broken"), webhook("/working")
    recorder.respond("/broken", 404)
    assert len(deliver(went_down)) == 2
    assert {r.path for r in recorder.requests} == {"/broken", "/working"}
    assert Channel.get(broken.code).last_error == "Received status code 404"
    assert Channel.get(working.code).last_error == ""


def test_each_attempt_is_recorded_with_its_error(check, webhook, recorder, went_down):
    channel = webhook("/broken")
    recorder.respond("/broken", 404)
    deliver(went_down)
    [notification] = Notification.query(check.code)
    assert (notification.channel, notification.check_status, notification.error) == (
        channel.code, "down", "Received status code 404",
    )


def test_channel_keeps_when_and_how_long_it_last_notified(check, webhook, went_down):
    channel = webhook()
    deliver(went_down)
    stored = Channel.get(channel.code)
    assert stored.last_notify is not None and stored.last_notify_duration >= 0


def test_transient_failure_is_retried_with_backoff(check, webhook, recorder, went_down):
    channel = webhook("/flaky")
    recorder.respond_in_turn("/flaky", 503, 429, 200)
    slept = []
    delivery.deliver(went_down, sleep=slept.append)
    assert len(recorder.requests) == 3 and slept == [1, 2]
    assert Channel.get(channel.code).last_error == ""


def test_retries_are_bounded(check, webhook, recorder, went_down):
    channel = webhook("/down-for-good")
    recorder.respond("/down-for-good", 500)
    deliver(went_down)
    assert len(recorder.requests) == 3
    assert Channel.get(channel.code).last_error == "Received status code 500"


def test_permanent_failure_is_not_retried(check, webhook, recorder, went_down):
    webhook("/gone")
    recorder.respond("/gone", 404)
    deliver(went_down)
    assert len(recorder.requests) == 1


def test_kind_turned_off_records_an_error_and_sends_nothing(check, webhook, recorder, went_down, monkeypatch):
    from chalicelib import settings

    channel = webhook()
    monkeypatch.setattr(settings, "WEBHOOKS_ENABLED", False)
    deliver(went_down)
    assert recorder.requests == []
    assert Channel.get(channel.code).last_error == "Webhook notifications are not enabled."


def test_email_alert_goes_out_over_smtp(check, project, now, smtp_server, went_down):
    channels.create_channel(
        project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now,
        email_verified=True,
    )
    deliver(went_down)
    [(_, recipients, message)] = smtp_server.messages
    assert recipients == ["ops@example.org"]
    assert message["Subject"] == "DOWN | Backups"


def test_up_notice_tells_how_long_the_downtime_lasted(check, ping, went_down, now):
    back = now + DAY_AND_GRACE + timedelta(minutes=30)
    ping(check, back)
    up_flip = list(Flip.query(check.code))[-1]
    assert notices.build(checks.get(check.code), up_flip).downtime == timedelta(minutes=30)


def test_down_notice_lists_the_other_down_checks(check, make_check, ping, went_down, now):
    other = make_check(name="Imports")
    ping(other, now, "fail")
    make_check(name="Still new")
    notice = notices.build(checks.get(check.code), went_down)
    assert [c.name for c in notice.other_down] == ["Imports"]
    assert (notice.other_down_count, notice.project_check_count) == (1, 3)


def test_down_notice_carries_the_last_ping_and_its_body(check, ping, now):
    ping(check, now, method="POST", body=b"x" * 300)
    ping(check, now + timedelta(minutes=1), "fail", method="POST", body=b"disk full")
    flip = list(Flip.query(check.code))[-1]
    notice = notices.build(checks.get(check.code), flip)
    assert (notice.last_ping.kind, notice.last_ping_body) == ("fail", b"disk full")


def test_sweep_and_delivery_send_one_alert_for_a_missed_ping(check, webhook, recorder, ping, now):
    webhook()
    ping(check, now)
    for seconds in range(0, 10):  # several sweeps over the same down check
        sweep.sweep_once(now + DAY_AND_GRACE + timedelta(seconds=seconds))
    for flip in Flip.query(check.code):
        deliver(flip)
    assert [r.path for r in recorder.requests] == ["/down"]
    assert checks.get(check.code).status == "down"


def _left_sending(flip, channel, claimed):
    """The claim a delivery made before it died: its notification still "Sending"."""
    from chalicelib.integrations import delivery_reports

    Notification(
        code=flip.code, key=delivery_reports.notification_key(flip, channel.code), channel=channel.code,
        check_status=flip.new_status, created=claimed, expires=claimed + timedelta(days=1),
    ).save()


def _record(flip):
    return inserted(flip)[0]


def test_a_claim_left_sending_by_a_dead_delivery_is_sent_by_a_retry_after_the_lease(
    check, webhook, recorder, went_down, now, monkeypatch
):
    from chalicelib.lib import clock

    channel = webhook()
    _left_sending(went_down, channel, now - delivery.CLAIM_LEASE - timedelta(seconds=1))
    monkeypatch.setattr(clock, "now", lambda: now)
    assert delivery.handle_stream_records([_record(went_down)], sleep=lambda s: None) == 1
    assert [r.path for r in recorder.requests] == ["/down"]
    [notification] = Notification.query(check.code)
    assert notification.error == ""


def test_a_live_claim_fails_the_batch_so_that_the_stream_retries_it(check, webhook, recorder, went_down, now, monkeypatch):
    from chalicelib.lib import clock

    channel = webhook()
    _left_sending(went_down, channel, now - timedelta(seconds=10))
    monkeypatch.setattr(clock, "now", lambda: now)
    with pytest.raises(delivery.DeliveryPending):
        delivery.handle_stream_records([_record(went_down)], sleep=lambda s: None)
    assert recorder.requests == []


def test_the_claim_lease_is_the_deliver_functions_timeout():
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    assert delivery.CLAIM_LEASE == timedelta(seconds=config["lambda_functions"]["deliver"]["lambda_timeout"])
