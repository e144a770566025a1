"""Channels whose value is one recipient and the directions it wants (SMS, WhatsApp, calls, Signal).

Stored as JSON {"value": "+15551234567", "up": bool, "down": bool}; a legacy bare value means both.
"""
import json
import re

from chalicelib.store.models import Channel

E164 = re.compile(r"^\+\d{5,15}$")
# Signal also reaches usernames: a nickname, a dot and at least two digits.
SIGNAL_USERNAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{2,31}\.\d{2,20}$")


def normalize(number: str) -> str:
    """The number without spaces, dashes and other decoration; ValueError unless it is +<5-15 digits>."""
    cleaned = re.sub(r"[\s\-().]", "", str(number or "")).encode("ascii", errors="ignore").decode()
    if not E164.match(cleaned):
        raise ValueError("value: enter a phone number in international format, e.g. +15551234567")
    return cleaned


def validate_phone(value: dict, up_default: bool = True, usernames: bool = False) -> str:
    """The stored JSON for a number (or, with usernames, a Signal username) and its up/down flags."""
    raw = str(value.get("value") or "").strip()
    number = raw if usernames and SIGNAL_USERNAME.match(raw) else normalize(raw)
    up, down = bool(value.get("up", up_default)), bool(value.get("down", True))
    if not up and not down:
        raise ValueError("up, down: select at least one")
    return json.dumps({"value": number, "up": up, "down": down})


def target(channel: Channel) -> dict:
    """{"value": recipient, "up": bool, "down": bool}."""
    try:
        stored = json.loads(channel.value)
    except ValueError:
        stored = None
    if not isinstance(stored, dict):
        return {"value": channel.value.strip(), "up": True, "down": True}
    return {"value": stored.get("value", ""), "up": bool(stored.get("up", True)), "down": bool(stored.get("down", True))}


def is_noop(channel: Channel, status: str) -> bool:
    return not target(channel)[status]
