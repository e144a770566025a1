"""How the dashboard words a check's events: ping kinds, sources, flips, notifications, times.

Everything returned is plain text; templates escape it."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.checks.events import Event
from chalicelib.integrations.text import origin
from chalicelib.store.models import Channel, Flip, Notification, Ping

KIND_LABELS = {"success": "OK", "fail": "Failure", "start": "Started", "log": "Log", "ign": "Ignored"}
STATUS_NAMES = {"up": "up", "down": "down", "new": "new", "paused": "paused", "grace": "late"}
BODY_PREVIEW = 150
UA_PREVIEW = 80
MAX_DURATION = timedelta(hours=72)  # longer start-to-finish pairs are not shown as durations


def kind_label(ping: Ping) -> str:
    """OK, Failure, Started, Log, Ignored, or "Status N" for a non-zero exit status."""
    if ping.exitstatus is not None and int(ping.exitstatus) > 0 and ping.kind == "fail":
        return f"Status {int(ping.exitstatus)}"
    return KIND_LABELS.get(ping.kind, ping.kind)


def qualifier(ping: Ping) -> str:
    """What the ping details title adds after "Ping #n"."""
    if ping.kind == "ign":
        return "(ignored)"
    if ping.exitstatus is not None:
        if ping.kind == "fail":
            return f"(failure, exit status {int(ping.exitstatus)})"
        return f"(exit status {int(ping.exitstatus)})"
    if ping.kind in ("fail", "start", "log"):
        return f"(received via the /{ping.kind} endpoint)"
    return ""


def duration(seconds) -> str:
    """A run's length as h:mm:ss (or m:ss), or "" when unknown or implausibly long."""
    if seconds is None or timedelta(seconds=float(seconds)) >= MAX_DURATION:
        return ""
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def short_rid(ping: Ping) -> str:
    return (ping.rid or "")[:5]


def body_preview(ping: Ping) -> str:
    """The first bytes of an inline body, as text; "" when the body is in S3 or absent."""
    if not ping.body:
        return ""
    return bytes(ping.body)[:BODY_PREVIEW].decode("utf-8", errors="replace")


def source(ping: Ping) -> str:
    """Where the ping came from: "HTTPS POST from 1.2.3.4 - <body> - <user agent>", or the mail sender."""
    if ping.scheme == "email":
        return ping.ua
    parts = [origin(ping)]
    preview = body_preview(ping)
    if preview:
        parts.append(preview)
    if ping.ua:
        parts.append(ping.ua[:UA_PREVIEW] + ("…" if len(ping.ua) > UA_PREVIEW else ""))
    return " - ".join(parts)


def flip_text(flip: Flip) -> str:
    old, new = (STATUS_NAMES.get(s, s) for s in (flip.old_status, flip.new_status))
    return f"Status: {old} ➔ {new}" + (f" ({flip.detail})" if flip.detail else "")


def notification_text(notification: Notification, channel: Channel | None) -> str:
    """"Sent a Webhook alert to ops", "Failed to send … : <error>", or "Sending …"."""
    target = _channel_words(channel)
    direction = "an up" if notification.check_status == "up" else "a down"
    if notification.error == "Sending":
        return f"Sending {direction} alert to {target}…"
    if notification.error:
        return f"Failed to send {direction} alert to {target}: {notification.error}"
    return f"Sent {direction} alert to {target}"


def _channel_words(channel: Channel | None) -> str:
    if channel is None:
        return "a removed integration"
    label = _kind_label(channel.kind)
    return f"{label} “{channel.name}”" if channel.name else label


def _kind_label(kind: str) -> str:
    from chalicelib.integrations import registry

    transport = registry.KINDS.get(kind)
    return getattr(transport, "LABEL", kind)


def event_text(event: Event) -> str:
    """One line for a flip or notification row (ping rows have several cells)."""
    if event.flip:
        return flip_text(event.flip)
    return notification_text(event.notification, event.channel)


def local_time(moment: datetime, tz: str) -> str:
    """"Jan 15, 12:00:05" in the zone (UTC if the zone is unknown)."""
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%b %d, %H:%M:%S")


def ping_body_text(body: bytes | None) -> tuple[str | None, bool]:
    """(text, is_binary): the body as text when it is UTF-8; binary bodies are not shown."""
    if body is None:
        return None, False
    try:
        return bytes(body).decode("utf-8"), False
    except UnicodeDecodeError:
        return None, True
