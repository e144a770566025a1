"""Alert delivery: each new flip goes out once through each of its check's channels.

Runs on the flips table's stream, which may deliver a record twice: a notification is
claimed with a conditional put keyed by (flip, channel) before it is sent, so a repeat finds
the claim and sends nothing. A claim still "Sending" is a delivery under way, or one that
died between its claim and its send: younger than CLAIM_LEASE the batch fails (the stream
retries it), older it is taken over and sent. One failing channel never stops the others.
"""
import logging
import time
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from chalicelib import settings
from chalicelib.alerts import flapping, notices
from chalicelib.checks import channels, checks, dependencies, flips, quiet
from chalicelib.integrations import delivery_reports, limits, registry
from chalicelib.lib import clock
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Channel, Flip, Notification

log = logging.getLogger(__name__)

ERROR_MAX = 200
NOTIFICATION_RETENTION = timedelta(days=93)
PENDING = Notification.error.default  # a claim's error until its send is recorded
# How long a claim may be a live delivery's: the deliver function's timeout (.chalice/config.json).
CLAIM_LEASE = timedelta(seconds=300)


class DeliveryPending(Exception):
    """A notification of the batch is claimed by a delivery that may still be running: fail the
    batch so that the stream retries it, after which it is done or its claim has expired."""


def handle_stream_records(records: list[dict], sleep=time.sleep) -> int:
    """Deliver the flips inserted in a batch of stream records; the notifications sent."""
    sent, pending = 0, 0
    for record in records:
        # A MODIFY that sets `released` is a down alert a quiet time held, let go (quiet.py).
        image = record.get("dynamodb", {}).get("NewImage", {})
        if record.get("eventName") == "INSERT" or (record.get("eventName") == "MODIFY" and "released" in image):
            flip = Flip.from_raw_data(image)
            delivered, waiting = _deliver(flip, sleep)
            sent, pending = sent + len(delivered), pending + waiting
    if pending:
        raise DeliveryPending(f"{pending} notification(s) claimed by another delivery")
    return sent


def deliver(flip: Flip, sleep=time.sleep) -> list[Notification]:
    """Notify every channel of the flip's check that wants this direction, once each."""
    return _deliver(flip, sleep)[0]


def _deliver(flip: Flip, sleep) -> tuple[list[Notification], int]:
    """(the notifications sent, how many channels another delivery holds a live claim on)."""
    alerts, releases = flips.needs_alert(flip), dependencies.leaves_down(flip)
    if not (alerts or releases):
        return [], 0
    check = checks.get(flip.code)
    if check is None or quiet.withheld(flip, check):
        return [], 0
    sent, pending = _notify(check, flip, sleep) if alerts and not dependencies.holds(check, flip) else ([], 0)
    if alerts:
        _flapping(check, flip)
    # A check back from down: the alerts it held for the checks below it that are still down.
    for held in dependencies.released(check, flip) if releases else ():
        more, waiting = _deliver(held, sleep)
        sent, pending = sent + more, pending + waiting
    return sent, pending


def _flapping(check, flip: Flip) -> None:
    """Tell the team once a day when the check keeps flipping; never at the alerts' expense."""
    try:
        flapping.notice_if_flapping(check, flip)
    except Exception:
        log.exception("flapping notice for check %s failed", check.code)


def _notify(check, flip: Flip, sleep) -> tuple[list[Notification], int]:
    sent, pending, notice = [], 0, None
    for channel in channels.for_check(check):
        transport = registry.KINDS.get(channel.kind)
        if transport is None or transport.is_noop(channel, flip.new_status):
            continue
        notification = _claim(flip, channel)
        if notification is _HELD:
            pending += 1
            continue
        if notification is None:
            continue  # this flip already went out on this channel
        notice = notice or notices.build(check, flip, notify_channel)
        _send(transport, channel, notice, notification, sleep)
        sent.append(notification)
    return sent, pending


def notify_channel(channel: Channel, notice, sleep=time.sleep) -> str | None:
    """Send the notice's flip on one more channel (a group's member), once: its error, "" if sent, None if skipped."""
    transport = registry.KINDS.get(channel.kind)
    if transport is None or transport.is_noop(channel, notice.status):
        return None
    notification = _claim(notice.flip, channel)
    if notification is None or notification is _HELD:
        return None
    return _send(transport, channel, notice, notification, sleep)


_HELD = object()  # _claim's answer for a live claim of another delivery


def _claim(flip: Flip, channel: Channel):
    """The notification to send (claimed now, or taken over from a delivery that died), None
    when it went out already, or _HELD while another delivery's claim is live."""
    now = clock.now()
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
        return notification
    except PutError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
    return _take_over(notification, now)


def _take_over(claimed: Notification, now: datetime):
    try:
        existing = Notification.get(claimed.code, claimed.key, consistent_read=True)
    except Notification.DoesNotExist:
        return None  # pruned with its check's old pings: long done
    if existing.error != PENDING:
        return None
    if now - existing.created < CLAIM_LEASE:
        return _HELD
    try:  # of two retries of a dead delivery, one takes its claim over
        existing.update(
            actions=[Notification.created.set(now)],
            condition=(Notification.created == existing.created) & (Notification.error == PENDING),
        )
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return existing


def _send(transport, channel: Channel, notice, notification: Notification, sleep) -> str:
    started, timer = clock.now(), time.monotonic()
    error = _try(transport, channel, notice, sleep)
    message = error.message[:ERROR_MAX] if error else ""
    notification.update(actions=[Notification.error.set(message)])
    log.info(
        "%s alert for check %s via %s %s: %s",
        notice.status, notice.check.code, channel.kind, channel.code, message or "sent",
    )
    disable = bool(error and error.disable)
    channels.record_result(channel, started, time.monotonic() - timer, message, disable)
    return message


def _try(transport, channel: Channel, notice, sleep) -> TransportError | None:
    """Send, retrying transient failures with backoff; the last error, or None on success."""
    if not transport.enabled():
        return TransportError(f"{transport.LABEL} notifications are not enabled.")
    try:
        limits.authorize(transport, channel, notice, clock.now())
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
