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
            return TransportError("CAPTCHA proof required")
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
