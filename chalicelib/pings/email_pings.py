"""Email pings: mail to <check uuid>@PING_EMAIL_DOMAIN (or <ping key>+<slug>@...) records a ping.

`receive` is the one entry for inbound mail, from the local SMTP listener (local/smtpd.py)
and from SES (ses.py); it records through pings.record like an HTTP ping, with scheme
"email". Replies are SMTP replies, one per recipient; bad mail is answered, never raised.
"""
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib import settings
from chalicelib.pings import effects, intake, mime
from chalicelib.store.models import Check

log = logging.getLogger(__name__)

# Recipients of one message that are looked at; further ones are refused (SMTP) or dropped (SES).
MAX_RECIPIENTS = 10
UUID_MAILBOX = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SLUG_MAILBOX = re.compile(r"^([a-z0-9_-]{22})\+([a-z0-9_-]+)$")

OK = "250 OK"
RATE_LIMITED = "250 OK (rate limited)"
WRONG_DOMAIN = "550 5.1.1 Recipient rejected"
INVALID_MAILBOX = "550 5.1.1 Invalid mailbox"
NO_SUCH_CHECK = "550 5.1.1 No such check"
AMBIGUOUS_SLUG = "550 5.1.1 Ambiguous slug"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
TOO_BIG = "552 5.3.4 Message too big"
MALFORMED = "554 5.6.0 Malformed message"


@dataclass
class InboundMail:
    raw: bytes  # the whole RFC 822 message as received
    mail_from: str  # the envelope sender ("" for a bounce)
    recipients: list[str]  # the envelope recipients
    remote_addr: str | None  # the IP address of the client that delivered it


@dataclass
class Outcome:
    recipient: str
    reply: str  # an SMTP reply; "250 ..." when the mail was accepted for this recipient
    check: str | None = None  # the check's code, when a ping was recorded
    kind: str | None = None  # the kind recorded


def address(check: Check, ping_key: str | None = None) -> str | None:
    """The address that pings the check (the slug form when given the project's ping key); None when off."""
    if not settings.PING_EMAIL_DOMAIN:
        return None
    if ping_key and check.slug:
        return f"{ping_key}+{check.slug}@{settings.PING_EMAIL_DOMAIN}"
    return f"{check.code}@{settings.PING_EMAIL_DOMAIN}"


def parse_recipient(recipient: str) -> intake.Target | str:
    """The check an address names, or the SMTP reply refusing it."""
    mailbox, at, domain = recipient.strip().strip("<>").lower().rpartition("@")
    if not at or not settings.PING_EMAIL_DOMAIN or domain != settings.PING_EMAIL_DOMAIN:
        return WRONG_DOMAIN
    if UUID_MAILBOX.match(mailbox):
        return intake.Target(code=mailbox)
    slug_form = SLUG_MAILBOX.match(mailbox)
    if slug_form:
        return intake.Target(ping_key=slug_form.group(1), slug=slug_form.group(2))
    return INVALID_MAILBOX


def lookup(recipient: str) -> Check | str:
    """The check an address pings, or the SMTP reply refusing it."""
    target = parse_recipient(recipient)
    if isinstance(target, str):
        return target
    found = intake.find(target)
    if len(found) > 1:
        return AMBIGUOUS_SLUG
    return found[0] if found else NO_SUCH_CHECK


def receive(mail: InboundMail, now: datetime) -> list[Outcome]:
    """Record one ping per distinct check among the recipients; an Outcome for each recipient."""
    recipients = list(dict.fromkeys(r.strip().lower() for r in mail.recipients))
    if len(mail.raw) > settings.PING_EMAIL_MAX_BYTES:
        return [Outcome(r, TOO_BIG) for r in recipients]
    message = mime.parse(mail.raw)
    if message is None:
        return [Outcome(r, MALFORMED) for r in recipients]

    outcomes, seen = [], set()
    for i, recipient in enumerate(recipients):
        found = lookup(recipient) if i < MAX_RECIPIENTS else TOO_MANY_RECIPIENTS
        if isinstance(found, str):
            outcomes.append(Outcome(recipient, found))
        elif found.code in seen:  # the uuid and slug address of one check: one ping
            outcomes.append(Outcome(recipient, OK, found.code))
        else:
            seen.add(found.code)
            outcomes.append(_record(found, recipient, message, mail, now))
    for outcome in outcomes:
        log.info("Email ping to %r from %r: %s (%s)", outcome.recipient, mail.mail_from, outcome.reply, outcome.kind)
    return outcomes


def data_reply(outcomes: list[Outcome]) -> str:
    """The one reply to an SMTP DATA: OK when any recipient took the message, else the first refusal."""
    if any(o.reply.startswith("250") for o in outcomes):
        return OK
    return outcomes[0].reply if outcomes else "554 5.5.1 No valid recipients"


def kind(check: Check, message) -> str:
    """Success, unless the check filters mail by keywords (reference §4 of the UI notes)."""
    if not (check.filter_subject or check.filter_body):
        return "success"
    texts = []
    if check.filter_subject:
        texts.append(mime.subject(message))
    if check.filter_body:
        texts.append(mime.body_text(message))
    return intake.kind_by_keywords(check, "\n".join(texts))


def _record(check: Check, recipient: str, message, mail: InboundMail, now: datetime) -> Outcome:
    request = intake.PingRequest(
        method="",
        scheme="email",
        remote_addr=mail.remote_addr,
        ua=f"Email from {mail.mail_from}",
        body=mail.raw,
    )
    try:
        recorded = intake.record(check, kind(check, message), request, now)
    except effects.RateLimited:
        return Outcome(recipient, RATE_LIMITED)
    except effects.CheckGone:
        return Outcome(recipient, NO_SUCH_CHECK)
    return Outcome(recipient, OK, check.code, recorded)
