"""Signed, timestamped tokens for links that carry data (e.g. a Telegram chat's invite link)."""
import base64
import hashlib
import hmac
import json
from datetime import datetime

from chalicelib import settings


def sign(payload: dict, salt: str, now: datetime) -> str:
    """A URL-safe token holding the payload and the time it was made."""
    body = _b64(json.dumps({"p": payload, "t": int(now.timestamp())}, separators=(",", ":")).encode())
    return f"{body}.{_mac(body, salt)}"


def unsign(token: str, salt: str, max_age: int, now: datetime) -> dict:
    """The payload of a token made with this salt at most max_age seconds ago; ValueError otherwise."""
    body, _, mac = str(token).rpartition(".")
    if not body or not hmac.compare_digest(mac.encode(), _mac(body, salt).encode()):
        raise ValueError("bad signature")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not 0 <= now.timestamp() - data["t"] <= max_age:
        raise ValueError("expired")
    return data["p"]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(body: str, salt: str) -> str:
    key = hashlib.sha256(f"{salt}:{settings.SECRET_KEY}".encode()).digest()
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
