"""Checks of what the kinds' add forms submit: URLs, required text, choices. ValueError names the field."""
import json
from urllib.parse import urlsplit

from chalicelib.store.models import Channel

URL_MAX = 1000


def text(value: dict, field: str, max_length: int = 200, required: bool = True) -> str:
    result = str(value.get(field) or "").strip()
    if required and not result:
        raise ValueError(f"{field}: this field is required")
    if len(result) > max_length:
        raise ValueError(f"{field}: at most {max_length} characters")
    return result


def url(value: dict, field: str = "url", max_length: int = URL_MAX) -> str:
    """An http(s) URL with a host."""
    result = text(value, field, max_length)
    parts = urlsplit(result)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field}: must be an http:// or https:// URL")
    return result


def choice(value: dict, field: str, choices: tuple, default=None):
    """One of `choices` (compared as text, returned as the choice itself)."""
    raw = value.get(field, default)
    for option in choices:
        if str(raw) == str(option):
            return option
    raise ValueError(f"{field}: must be one of {', '.join(map(str, choices))}")


def stored(channel: Channel) -> dict:
    """A channel's JSON value; {} when it is not a JSON object."""
    try:
        result = json.loads(channel.value)
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}
