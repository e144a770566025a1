"""Outgoing email: one MIME message, sent through the backend settings.EMAIL_BACKEND names."""
import contextlib
import email.policy
import functools
import os
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from chalicelib import settings
from chalicelib.lib.errors import TransportError

# Header lines up to RFC 5322's 998 characters: a long URL header (List-Unsubscribe) must stay
# as written, not be folded into encoded words that mail clients do not read as a URL. 7bit
# keeps non-ASCII bodies quoted-printable or base64, as before.
POLICY = email.policy.default.clone(max_line_length=998, cte_type="7bit")

# What a message is, for the bounces that bring its headers back (alerts/bounces.py).
CHANNEL_HEADER = "X-Alert-Channel"
USER_HEADER = "X-Report-User"

# SES error codes that a later try may get past.
SES_TRANSIENT = {"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure", "RequestTimeout"}


def send(to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None) -> None:
    """Send one message to one address; TransportError when the backend refuses or fails."""
    message = build(to, subject, text, html, headers)
    backends = {"ses": _send_ses, "smtp": _send_smtp, "file": _send_file, "console": _send_console}
    backend = backends.get(settings.EMAIL_BACKEND)
    if backend is None:
        raise ValueError(f"Unknown EMAIL_BACKEND {settings.EMAIL_BACKEND!r}")
    backend(message)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """Mail clients show their own unsubscribe button and POST to the URL for it (RFC 8058)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_template(to: str, subject: str, name: str, headers: dict | None = None, **context) -> None:
    """Send templates/emails/<name>.txt, with <name>.html as its HTML part, rendered with context."""
    context = {"site_name": settings.SITE_NAME, "site_root": settings.SITE_ROOT, **context}
    text = template_environment(False).get_template(f"emails/{name}.txt").render(context)
    html = template_environment(True).get_template(f"emails/{name}.html").render(context)
    send(to, subject, text, html, headers)


@functools.cache
def template_environment(html: bool):
    """Jinja for email templates: HTML escaped, text kept as written."""
    import jinja2  # here: the ping path imports this module and must not load jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.TEMPLATES_DIR),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build(to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None) -> EmailMessage:
    """The message: plain text, or multipart/alternative with an HTML part."""
    message = EmailMessage(policy=POLICY)
    sender = settings.DEFAULT_FROM_EMAIL
    message["From"] = sender
    message["To"] = to
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    for name, value in (headers or {}).items():
        message[name] = _one_line(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _one_line(value: str) -> str:
    # A check name may hold line breaks; in a header they would start new headers.
    return " ".join(str(value).split())


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _send_ses(message: EmailMessage) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.store import aws

    try:
        # The configuration set publishes the message's bounces and complaints (chalicelib/alerts/bounces.py).
        extra = {"ConfigurationSetName": settings.SES_CONFIGURATION_SET} if settings.SES_CONFIGURATION_SET else {}
        aws.client("ses").send_raw_email(
            Source=message["From"], Destinations=[message["To"]], RawMessage={"Data": message.as_bytes()}, **extra
        )
    except ClientError as e:
        error = e.response.get("Error", {})
        transient = error.get("Code") in SES_TRANSIENT
        raise TransportError(f"SES: {error.get('Message') or error.get('Code')}", transient=transient) from e
    except BotoCoreError as e:
        raise TransportError(f"SES: {e}", transient=True) from e


@contextlib.contextmanager
def smtp_connection():
    """A logged-in connection to the EMAIL_HOST server (TLS or SSL as the settings say)."""
    connection_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
    with connection_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.NOTIFY_TIMEOUT) as smtp:
        if settings.EMAIL_USE_TLS and not settings.EMAIL_USE_SSL:
            smtp.starttls()
        if settings.EMAIL_HOST_USER:
            smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        yield smtp


def _send_smtp(message: EmailMessage) -> None:
    try:
        with smtp_connection() as smtp:
            smtp.send_message(message)
    # smtplib's errors are OSErrors too, so the specific ones come first.
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _ in e.recipients.values()]
        raise TransportError("SMTP: recipient refused", transient=all(400 <= c < 500 for c in codes)) from e
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as e:
        raise TransportError("SMTP: connection failed", transient=True) from e
    except smtplib.SMTPResponseException as e:
        text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        raise TransportError(f"SMTP: {e.smtp_code} {text}", transient=400 <= e.smtp_code < 500) from e
    except smtplib.SMTPException as e:
        raise TransportError(f"SMTP: {e}") from e
    except OSError as e:
        raise TransportError("SMTP: connection failed", transient=True) from e


def _send_file(message: EmailMessage) -> None:
    os.makedirs(settings.EMAIL_OUTBOX, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = os.path.join(settings.EMAIL_OUTBOX, f"{stamp}-{uuid.uuid4().hex}.eml")
    # Written aside and renamed into place, so a reader of the folder never sees half a message.
    partial = path + ".part"
    with open(partial, "xb") as f:  # "x": never overwrite another message
        f.write(message.as_bytes())
    os.replace(partial, path)


def _send_console(message: EmailMessage) -> None:
    print(message.as_string(), flush=True)
