"""Email alerts: a text and an HTML message rendered from templates/emails/alert.*."""
import functools
import json

from chalicelib import settings
from chalicelib.integrations import recipient, text
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.lib import emails, signing
from chalicelib.lib.addresses import EMAIL_ADDRESS
from chalicelib.store.models import Channel, Project

KIND = "email"
LABEL = "Email"
BODY_LIMIT = 10_000
TEMPLATES = settings.TEMPLATES_DIR


def enabled() -> bool:
    return True


def validate(value: dict) -> str:
    """The stored JSON for an address and its up/down flags; ValueError if unusable."""
    address = str(value.get("value") or "").strip()
    if len(address) > 254 or not EMAIL_ADDRESS.match(address):
        raise ValueError("value: enter a valid email address")
    up, down = bool(value.get("up", True)), bool(value.get("down", True))
    if not up and not down:
        raise ValueError("up, down: select at least one")
    return json.dumps({"value": address, "up": up, "down": down})


def target(channel: Channel) -> dict:
    """{"value": address, "up": bool, "down": bool}; a legacy bare address means both."""
    return recipient.target(channel)


def is_noop(channel: Channel, status: str) -> bool:
    return not target(channel).get(status, False)


def send(channel: Channel, notice: Notice) -> None:
    if not channel.email_verified:
        raise TransportError("Email not verified", disable=False)
    unsubscribe = unsubscribe_url(channel, notice.now)
    context = {**_context(notice, reader_zone(channel)), "unsubscribe_url": unsubscribe}
    subject = f"{notice.status.upper()} | {context['name']}"
    emails.send(
        target(channel)["value"],
        subject,
        _environment(False).get_template("emails/alert.txt").render(context),
        _environment(True).get_template("emails/alert.html").render(context),
        # A bounce or complaint names the channel by its header (chalicelib/alerts/bounces.py).
        headers={**emails.unsubscribe_headers(unsubscribe), emails.CHANNEL_HEADER: channel.code},
    )


UNSUBSCRIBE_SALT = "unsubscribe-alerts"
UNSUBSCRIBE_MAX_AGE = 365 * 86400  # a link in a year-old alert still works


def unsubscribe_url(channel: Channel, now) -> str:
    """The link in each alert that turns this email integration off, without logging in."""
    token = signing.sign({"c": channel.code}, UNSUBSCRIBE_SALT, now)
    return f"{settings.SITE_ROOT}/integrations/{channel.code}/unsub/{token}/"


def unsubscribing_channel(code: str, token: str, now) -> Channel:
    """The email integration an unsubscribe link was made for; ValueError for a forged, old or
    mismatched link, or one whose integration is gone."""
    try:
        if signing.unsign(token, UNSUBSCRIBE_SALT, UNSUBSCRIBE_MAX_AGE, now)["c"] != code:
            raise ValueError("another integration's link")
        return Channel.get(code)
    except (ValueError, KeyError, TypeError, Channel.DoesNotExist) as e:
        raise ValueError("This unsubscribe link is not valid.") from e


def reader_zone(channel: Channel) -> str:
    """The time zone the alert's times are in: the reader's own when the address is an account's,
    else the project owner's (as Healthchecks), else UTC."""
    from chalicelib.accounts import preferences, users

    reader = users.find_by_email(target(channel)["value"])
    if reader is None:
        try:
            owner = Project.get(channel.project).owner
        except Project.DoesNotExist:
            owner = None
        reader = users.get(owner) if owner else None
    return reader.tz if reader is not None and preferences.known_zone(reader.tz) else "UTC"


def _context(notice: Notice, zone: str) -> dict:
    body, clipped = text.body_tail(notice.last_ping_body, BODY_LIMIT)
    details = text.details(notice)
    if notice.last_ping is not None:
        details.append(("Last Ping Time", text.format_time(notice.last_ping.created, zone)))
        details.append(("Last Ping From", text.origin(notice.last_ping)))
    return {
        "site_name": settings.SITE_NAME,
        "status": notice.status,
        "name": text.name_then_code(notice.check),
        "sentence": text.status_sentence(notice),
        "downtime": text.downtime_sentence(notice),
        "check_url": notice.check_url,
        "desc": notice.check.desc,
        "project_name": notice.project_name,
        "details": details,
        "changed_at": text.format_time(notice.now, zone),
        "body": body,
        "body_clipped": clipped,
        "body_limit": f"{BODY_LIMIT:,}",
        "others_heading": text.others_heading(notice),
        "others": text.other_down_lines(notice),
        "others_more": text.others_not_listed(notice),
        "covered_heading": text.covered_heading(notice),
        "covered": text.covered_items(notice),
    }


@functools.cache
def _environment(html: bool):
    import jinja2  # here, not at the top: importing the registry stays light

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
