"""Signal: a message sent by signal-cli, spoken to as JSON-RPC over its UNIX socket (or host:port)."""
import json
import logging
import socket
import time
import uuid

from chalicelib import settings
from chalicelib.integrations import chat, limits, markdown, recipient
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.store.models import Channel

log = logging.getLogger(__name__)

KIND = "signal"
LABEL = "Signal"
MAX_LENGTH = 2000  # longer texts signal-cli would send as an attachment
MAX_REPLY = 1024 * 1024
# A send refused until the operator solves a CAPTCHA for Signal's challenge token; the token
# rides in the channel's last error so that the dashboard can point a superuser at it.
CAPTCHA_REQUIRED = "CAPTCHA proof required"
CAPTCHA_PREFIX = "signalcaptcha://"  # what signalcaptchas.org's page hands over, before the token
CHALLENGE_MAX, CAPTCHA_MAX = 200, 10_000


def enabled() -> bool:
    return bool(settings.SIGNAL_CLI_SOCKET)


def validate(value: dict) -> str:
    """{"value": "+E164" or a Signal username ("name.42"), "up", "down"}."""
    return recipient.validate_phone(value, usernames=True)


def is_noop(channel: Channel, status: str) -> bool:
    return recipient.is_noop(channel, status)


def limit(channel: Channel, notice: Notice) -> limits.PerMinute:
    return limits.recipient_key("signal", recipient.target(channel)["value"])


def message(notice: Notice) -> tuple[str, list[str]]:
    """The plain text and its styles ("start:length:BOLD", in UTF-16 units as signal-cli counts)."""
    text = chat.message(notice, markdown.Plain, MAX_LENGTH)
    headline = text.split("\n", 1)[0]
    start = len(headline.split(" ", 1)[0].encode("utf-16-le")) // 2 + 1  # after the coloured circle
    return text, [f"{start}:{len(headline.encode('utf-16-le')) // 2 - start}:BOLD"]


def send(channel: Channel, notice: Notice) -> None:
    text, styles = message(notice)
    _send_text(recipient.target(channel)["value"], text, styles)


def send_test(to: str) -> None:
    """A message to a number or username before its integration is saved: does it reach them?"""
    text = f"Hello from {settings.SITE_NAME}! This is a test message: Signal alerts for your checks will come here."
    _send_text(to, text, [])


def captcha_challenge(channel: Channel) -> str | None:
    """The challenge token a Signal channel's last send was refused for, if it was for want of a CAPTCHA."""
    prefix = f"{CAPTCHA_REQUIRED} (challenge "
    error = channel.last_error or ""
    if channel.kind != KIND or not error.startswith(prefix) or not error.endswith(")"):
        return None
    return error[len(prefix):-1] or None


def submit_challenge(challenge: str, captcha: str) -> dict:
    """Hand signal-cli the solved CAPTCHA for a rate-limit challenge; its result. ValueError for
    bad input, TransportError when signal-cli refuses or cannot be reached."""
    challenge, captcha = challenge.strip(), captcha.strip().removeprefix(CAPTCHA_PREFIX)
    if not challenge or len(challenge) > CHALLENGE_MAX or any(c.isspace() for c in challenge):
        raise ValueError(f"challenge: the token from the failed send, one word of at most {CHALLENGE_MAX} characters")
    if not captcha or len(captcha) > CAPTCHA_MAX or any(c.isspace() for c in captcha):
        raise ValueError(f"captcha: the solved CAPTCHA, one word of at most {CAPTCHA_MAX} characters")
    request_id = str(uuid.uuid4())
    request = {
        "jsonrpc": "2.0",
        "method": "submitRateLimitChallenge",
        "params": {"challenge": challenge, "captcha": captcha},
        "id": request_id,
    }
    for reply in _exchange(json.dumps(request).encode() + b"\n"):
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            continue
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            raise TransportError(f"signal-cli refused the CAPTCHA: {error.get('message') or error.get('code')}")
        return reply.get("result") if isinstance(reply.get("result"), dict) else {}
    raise TransportError("signal-cli call failed (no reply)", transient=True)


def _send_text(to: str, text: str, styles: list[str]) -> None:
    request_id = str(uuid.uuid4())
    request = {
        "jsonrpc": "2.0",
        "method": "send",
        "params": {"recipient": [f"u:{to}" if "." in to else to], "message": text, "textStyle": styles},
        "id": request_id,
    }
    for reply in _exchange(json.dumps(request).encode() + b"\n"):
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            continue  # signal-cli also sends notifications about incoming messages
        if "error" not in reply:
            return
        raise _error(reply["error"], to)
    raise TransportError("signal-cli call failed (no reply)", transient=True)


def _error(error: dict, to: str) -> TransportError:
    results = ((error.get("data") or {}).get("response") or {}).get("results") or []
    for result in results:
        if result.get("type") == "UNREGISTERED_FAILURE":
            return TransportError("Recipient not found", disable=True)
        if result.get("type") == "RATE_LIMIT_FAILURE" and result.get("token"):
            # Only the operator can lift this, by solving a CAPTCHA for the token; log it for them.
            log.error("signal-cli needs a CAPTCHA proof for challenge token %s", result["token"])
            return TransportError(f"{CAPTCHA_REQUIRED} (challenge {result['token']})")
    log.error("signal-cli error sending to %s: %s", to, json.dumps(error))
    return TransportError(f"signal-cli call failed ({error.get('code')})")


def _exchange(request: bytes):
    """Send the request, then yield each newline-terminated JSON reply until signal-cli closes."""
    address = settings.SIGNAL_CLI_SOCKET
    host, _, port = address.rpartition(":")
    family, where = (socket.AF_INET, (host, int(port))) if port.isdigit() else (socket.AF_UNIX, address)
    deadline = time.monotonic() + settings.NOTIFY_TIMEOUT
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(settings.NOTIFY_TIMEOUT)
            sock.connect(where)
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            buffer = b""
            while len(buffer) < MAX_REPLY:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = sock.recv(65536)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in filter(None, (line.strip() for line in lines)):
                    yield _parse(line)
                if not chunk:
                    break
    except TimeoutError:
        raise TransportError("signal-cli call timed out", transient=True) from None
    except OSError as e:
        raise TransportError(f"signal-cli call failed ({e.strerror or e})", transient=True) from None


def _parse(line: bytes):
    try:
        return json.loads(line)
    except ValueError:
        raise TransportError("signal-cli call failed (unexpected response)") from None
