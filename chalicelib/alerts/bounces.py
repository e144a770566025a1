"""Bounces and complaints from SES event publishing: mail that keeps bouncing is turned off.

Outgoing mail names what it is in a header: alerts `X-Alert-Channel: <channel code>`, reports
and reminders `X-Report-User: <user id>`. SES's event (its `mail.headers`) brings the header
back, so no index is needed. As Healthchecks: a permanent bounce (5.x.x but 5.4.4) or a
complaint disables the email channel, a transient one only records the error; a permanent
bounce or a complaint of a report or reminder turns that user's reports and reminders off.
Bad or unknown events are logged and ignored, never raised: SNS would retry them forever.
"""
import logging
import uuid
from datetime import datetime

from chalicelib.accounts import preferences, users
from chalicelib.checks import channels
from chalicelib.lib.emails import CHANNEL_HEADER, USER_HEADER
from chalicelib.store.models import Channel

log = logging.getLogger(__name__)

DIAGNOSTIC_LIMIT = 200
# A DSN status that is 5.x.x yet worth trying again (Healthchecks': "network congestion").
TRANSIENT_STATUSES = {"5.4.4"}


def handle(event: dict, now: datetime) -> str:
    """Apply one SES Bounce or Complaint event; a word for the log (what was done, or "ignored")."""
    try:
        kind = event.get("eventType") or event.get("notificationType")
        mail = event["mail"]
        headers = {str(h["name"]).lower(): str(h["value"]).strip() for h in mail.get("headers") or []}
        if kind == "Bounce":
            error, permanent, addresses = _bounce(event["bounce"])
        elif kind == "Complaint":
            error, permanent, addresses = _complaint(event["complaint"])
        else:
            log.info("Ignoring an SES event of type %r", kind)
            return "ignored"
        addresses = addresses or {str(a).lower() for a in mail.get("destination") or []}
    except (TypeError, KeyError, AttributeError, ValueError):
        log.warning("Not an SES bounce or complaint event: %.300r", event)
        return "ignored"
    channel, user = _uuid(headers.get(CHANNEL_HEADER.lower())), _uuid(headers.get(USER_HEADER.lower()))
    if channel:
        return _channel_bounced(channel, error, permanent, addresses)
    if user:
        return _reports_bounced(user, error, permanent, addresses, now)
    log.info("Ignoring a %s of a message that is neither an alert nor a report", kind)
    return "ignored"


def _uuid(value: str | None) -> str | None:
    """The header's id (channel codes and user ids are UUIDs), None when it is missing or not one."""
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


def _bounce(bounce: dict) -> tuple[str, bool, set[str]]:
    """The error text, whether the bounce is permanent, and the bounced addresses."""
    recipients = bounce.get("bouncedRecipients") or []
    first = recipients[0] if recipients else {}
    status = str(first.get("status") or "").strip()
    diagnostic = " ".join(str(first.get("diagnosticCode") or "").split())[:DIAGNOSTIC_LIMIT]
    if status:
        permanent = status.startswith("5.") and status not in TRANSIENT_STATUSES
    else:  # no DSN: SES's own verdict
        permanent = bounce.get("bounceType") == "Permanent"
    error = " ".join(part for part in ("Bounced:", status or str(bounce.get("bounceType") or ""), diagnostic) if part)
    return error, permanent, {str(r["emailAddress"]).lower() for r in recipients if r.get("emailAddress")}


def _complaint(complaint: dict) -> tuple[str, bool, set[str]]:
    """A complaint (the recipient marked the message as spam) always turns the mail off."""
    recipients = complaint.get("complainedRecipients") or []
    feedback = str(complaint.get("complaintFeedbackType") or "").strip()
    error = "Complaint: the recipient reported the message" + (f" ({feedback[:50]})" if feedback else "")
    return error, True, {str(r["emailAddress"]).lower() for r in recipients if r.get("emailAddress")}


def _channel_bounced(code: str, error: str, permanent: bool, addresses: set[str]) -> str:
    from chalicelib.integrations import recipient  # here: the integrations package imports this module

    try:
        channel = Channel.get(code)
    except Channel.DoesNotExist:
        log.info("Ignoring a bounce of a removed integration %.100r", code)
        return "ignored"
    address = recipient.target(channel)["value"].lower()
    if channel.kind != "email" or address not in addresses:
        # The address was changed since (or it is not an email channel): the bounce is not its.
        log.info("Ignoring a bounce for integration %s: not its current address", code)
        return "ignored"
    channels.record_late_error(channel, error, permanent)
    log.info("Integration %s: %s%s", code, error, " (disabled)" if permanent else "")
    return "disabled" if permanent else "error recorded"


def _reports_bounced(user_id: str, error: str, permanent: bool, addresses: set[str], now: datetime) -> str:
    user = users.get(user_id)
    if user is None or user.email.lower() not in addresses:
        log.info("Ignoring a report bounce for user %.100r: gone, or its address changed", user_id)
        return "ignored"
    if not permanent:
        log.info("User %s: transient report bounce, %s", user_id, error)
        return "ignored"
    preferences.set_email_reports(user, "off", 0, now)
    log.info("User %s: reports and reminders off, %s", user_id, error)
    return "reports off"
