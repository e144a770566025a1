"""Delivery reports: a service (Twilio) tells us after the send that a notification did not arrive.

The callback URL carries a signed token naming the notification, so nobody can forge a report
about someone else's channel; reports more than an hour after the flip are ignored, as
Healthchecks ignores them for notifications older than an hour.
"""
from datetime import datetime

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.lib import signing
from chalicelib.store.models import Channel, Flip, Notification

SALT = "delivery-report"
MAX_AGE = 3600
ERROR_MAX = 200  # as a notification's own error
TWILIO_FAILED = {"MessageStatus": {"failed", "undelivered"}, "CallStatus": {"failed"}}


def notification_key(flip: Flip, channel_code: str) -> str:
    """The sort key of a flip's notification on one channel: each flip notifies a channel once."""
    return f"{flip.created.isoformat()}#{channel_code}"


def callback_url(flip: Flip, channel_code: str) -> str:
    """Where the service reports on the flip's notification through this channel."""
    token = signing.sign({"c": flip.code, "k": notification_key(flip, channel_code)}, SALT, flip.created)
    return f"{settings.SITE_ROOT}/api/v3/notifications/{token}/status"


def record(token: str, form: dict[str, str], now: datetime) -> bool:
    """Note a reported failure on the notification and its channel; False when nothing was noted."""
    error, disable = failure(form)
    if not error:
        return False
    try:
        payload = signing.unsign(token, SALT, MAX_AGE, now)
        notification = Notification.get(payload["c"], payload["k"])
        channel = Channel.get(notification.channel)
    except (ValueError, KeyError, TypeError, Notification.DoesNotExist, Channel.DoesNotExist):
        return False
    notification.update(actions=[Notification.error.set(error)])
    channels.record_late_error(channel, error, disable)
    return True


def failure(form: dict[str, str]) -> tuple[str, bool]:
    """The error a report states ("" for a delivery that went fine), and whether to disable the channel."""
    error, disable = form.get("error", "")[:ERROR_MAX], form.get("mark_disabled", "") not in ("", "0", "false")
    for field, failed in TWILIO_FAILED.items():
        if form.get(field) in failed:
            error = f"Delivery failed (status={form[field]})."
    return error, disable and bool(error)
