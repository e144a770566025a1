"""The local SMTP listener for email pings (on AWS, SES receives them; see email_pings/ses.py).

aiosmtpd runs it on its own event loop thread; recording a ping talks to DynamoDB, so it
runs in a worker thread and never blocks the loop. Recipients are checked at RCPT, so a
sender learns at once that an address is wrong.
"""
import asyncio
import logging
from datetime import datetime, timezone
from typing import Callable

from aiosmtpd.controller import Controller

from chalicelib import settings
from chalicelib.pings import email_pings

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class PingMailHandler:
    """aiosmtpd handler: RCPT accepts addresses naming a check, DATA records the pings."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now):
        self.clock = clock

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(envelope.rcpt_tos) >= email_pings.MAX_RECIPIENTS:
            return email_pings.TOO_MANY_RECIPIENTS
        try:
            found = await asyncio.get_running_loop().run_in_executor(None, email_pings.lookup, address)
        except Exception:
            log.exception("Looking up the recipient %r failed", address)
            return TEMPORARY_FAILURE
        if isinstance(found, str):
            return found
        envelope.rcpt_tos.append(address)
        return email_pings.OK

    async def handle_DATA(self, server, session, envelope):
        mail = email_pings.InboundMail(
            raw=envelope.original_content or b"",
            mail_from=envelope.mail_from or "",
            recipients=list(envelope.rcpt_tos),
            remote_addr=session.peer[0] if isinstance(session.peer, tuple) else None,
        )
        try:
            outcomes = await asyncio.get_running_loop().run_in_executor(None, email_pings.receive, mail, self.clock())
        except Exception:  # DynamoDB or S3 unreachable: the sender keeps the mail and retries
            log.exception("Recording the email ping from %r failed", mail.mail_from)
            return TEMPORARY_FAILURE
        return email_pings.data_reply(outcomes)


class SmtpListener:
    """The listener on host:port in a background thread; start() returns once it accepts."""

    def __init__(self, host: str, port: int, clock: Callable[[], datetime] = _utc_now):
        self.host, self.port = host, port
        self._controller = Controller(
            PingMailHandler(clock),
            hostname=host,
            port=port,
            data_size_limit=settings.PING_EMAIL_MAX_BYTES,  # over it aiosmtpd answers 552
            enable_SMTPUTF8=False,
            ident="Mychecks email pings",
        )
        self._started = False

    def start(self) -> None:
        self._controller.start()
        self._started = True
        log.info("Email pings: SMTP on %s:%s for *@%s", self.host, self.port, settings.PING_EMAIL_DOMAIN)

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._controller.stop()
            log.info("SMTP listener stopped")
