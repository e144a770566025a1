"""Alert delivery: each new flip goes out once through each of its check's channels.

Runs on the flips table's stream, which may deliver a record twice: a notification is
claimed with a conditional put keyed by (flip, channel) before it is sent, so a repeat finds
the claim and sends nothing. One failing channel never stops the others.
"""
import logging
import time
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import PutError

from chalicelib import settings
from chalicelib.alerts import notices
from chalicelib.checks import channels, checks, flips
from chalicelib.integrations import delivery_reports, limits, registry
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Channel, Flip, Notification

log = logging.getLogger(__name__)

ERROR_MAX = 200
NOTIFICATION_RETENTION = timedelta(days=93)


def handle_stream_records(records: list[dict], sleep=time.sleep) -> int:
    """Deliver the flips inserted in a batch of stream records; the notifications sent."""
    sent = 0
    for record in records:
        if record.get("eventName") == "INSERT":
            flip = Flip.from_raw_data(record["dynamodb"]["NewImage"])
            sent += len(deliver(flip, sleep=sleep))
    return sent


def deliver(flip: Flip, sleep=time.sleep) -> list[Notification]:
    """Notify every channel of the flip's check that wants this direction, once each."""
    if not flips.needs_alert(flip):
        return []
    check = checks.get(flip.code)
    if check is None:
        return []
    sent, notice = [], None
    for channel in channels.for_check(check):
        transport = registry.KINDS.get(channel.kind)
        if transport is None or transport.is_noop(channel, flip.new_status):
            continue
        notification = _claim(flip, channel)
        if notification is None:
            continue  # this flip already went out on this channel
        notice = notice or notices.build(check, flip, notify_channel)
        _send(transport, channel, notice, notification, sleep)
        sent.append(notification)
    return sent


def notify_channel(channel: Channel, notice, sleep=time.sleep) -> str | None:
    """Send the notice's flip on one more channel (a group's member), once: its error, "" if sent, None if skipped."""
    transport = registry.KINDS.get(channel.kind)
    if transport is None or transport.is_noop(channel, notice.status):
        return None
    notification = _claim(notice.flip, channel)
    if notification is None:
        return None
    return _send(transport, channel, notice, notification, sleep)


def _claim(flip: Flip, channel: Channel) -> Notification | None:
    now = datetime.now(timezone.utc)
    notification = Notification(
        code=flip.code,
        key=delivery_reports.notification_key(flip, channel.code),
        channel=channel.code,
        check_status=flip.new_status,
        created=now,
        expires=now + NOTIFICATION_RETENTION,
    )
    try:
        notification.save(condition=Notification.key.does_not_exist())
    except PutError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return notification


def _send(transport, channel: Channel, notice, notification: Notification, sleep) -> str:
    started, clock = datetime.now(timezone.utc), time.monotonic()
    error = _try(transport, channel, notice, sleep)
    message = error.message[:ERROR_MAX] if error else ""
    notification.update(actions=[Notification.error.set(message)])
    log.info(
        "%s alert for check %s via %s %s: %s",
        notice.status, notice.check.code, channel.kind, channel.code, message or "sent",
    )
    disable = bool(error and error.disable)
    channels.record_result(channel, started, time.monotonic() - clock, message, disable)
    return message


def _try(transport, channel: Channel, notice, sleep) -> TransportError | None:
    """Send, retrying transient failures with backoff; the last error, or None on success."""
    if not transport.enabled():
        return TransportError(f"{transport.LABEL} notifications are not enabled.")
    try:
        limits.authorize(transport, channel, notice, datetime.now(timezone.utc))
    except TransportError as e:
        return e
    for attempt in range(1, settings.NOTIFY_TRIES + 1):
        try:
            transport.send(channel, notice)
            return None
        except TransportError as e:
            if not e.transient or attempt == settings.NOTIFY_TRIES:
                return e
            # A service that says how long to wait is waited for, unless that is longer than a try may take.
            if e.retry_after is not None and e.retry_after > settings.NOTIFY_TIMEOUT:
                return e
            delay = 2 ** (attempt - 1) if e.retry_after is None else e.retry_after  # 1 s, 2 s, ...
        except Exception:
            log.exception("%s channel %s failed", channel.kind, channel.code)
            return TransportError("Unexpected error while sending")
        sleep(delay)
