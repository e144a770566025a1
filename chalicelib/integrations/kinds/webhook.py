"""Webhooks: a user-defined HTTP request per direction, with $PLACEHOLDERS filled in."""
import json
import re
from datetime import timezone
from urllib.parse import quote, urlsplit

from chalicelib import settings
from chalicelib.checks.check_json import isoformat, to_dict
from chalicelib.integrations import http, text
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "webhook"
LABEL = "Webhook"
METHODS = ("GET", "POST", "PUT")
MAX_LENGTH = 1000


def enabled() -> bool:
    return settings.WEBHOOKS_ENABLED


def validate(value: dict) -> str:
    """The stored JSON for the form's fields; ValueError naming the first bad field."""
    spec = {"name": str(value.get("name") or "")}
    for direction in ("down", "up"):
        spec[f"method_{direction}"] = _method(value, f"method_{direction}")
        spec[f"url_{direction}"] = _url(value, f"url_{direction}")
        spec[f"body_{direction}"] = _text(value, f"body_{direction}")
        spec[f"headers_{direction}"] = _headers(value, f"headers_{direction}")
    if not spec["url_down"] and not spec["url_up"]:
        raise ValueError("url_down or url_up: enter at least one URL")
    return json.dumps(spec)


def _method(value: dict, field: str) -> str:
    method = str(value.get(field) or "GET").upper()
    if method not in METHODS:
        raise ValueError(f"{field}: must be GET, POST or PUT")
    return method


def _text(value: dict, field: str) -> str:
    result = str(value.get(field) or "")
    if len(result) > MAX_LENGTH:
        raise ValueError(f"{field}: at most {MAX_LENGTH} characters")
    return result


def _url(value: dict, field: str) -> str:
    url = _text(value, field).strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{field}: must be an http:// or https:// URL")
    return url


def _headers(value: dict, field: str) -> dict[str, str]:
    headers = value.get(field) or {}
    if not isinstance(headers, dict):
        raise ValueError(f"{field}: must map header names to values")
    result = {}
    for name, header_value in headers.items():
        name, header_value = str(name).strip(), str(header_value).strip()
        # A header name is a single token; its bytes go on the wire as latin-1.
        if not name or not _is_latin1(name) or re.search(r"[\s:]", name):
            raise ValueError(f"{field}: invalid header name {name!r}")
        if len(header_value) > MAX_LENGTH or re.search(r"[\r\n]", header_value):
            raise ValueError(f"{field}: the value of {name} must be one line of at most {MAX_LENGTH} characters")
        result[name] = header_value
    return result


def _is_latin1(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def spec(channel: Channel, status: str) -> dict:
    """The method, url, body and headers stored for this direction."""
    stored = json.loads(channel.value)
    return {
        "method": stored.get(f"method_{status}") or "GET",
        "url": stored.get(f"url_{status}") or "",
        "body": stored.get(f"body_{status}") or "",
        "headers": stored.get(f"headers_{status}") or {},
    }


def is_noop(channel: Channel, status: str) -> bool:
    return not spec(channel, status)["url"]


def send(channel: Channel, notice: Notice) -> None:
    request = spec(channel, notice.status)
    values = placeholders(notice)
    url = expand(request["url"], values, encode=lambda v: quote(v, safe=""))
    headers = {name: _header_value(expand(v, values)) for name, v in request["headers"].items()}
    body = None
    if request["method"] in ("POST", "PUT"):
        body = expand(request["body"], values).encode()
    http.request(request["method"], url, data=body, headers=headers)


def placeholders(notice: Notice) -> dict[str, str]:
    """Each $NAME and its value for this notice."""
    check, ping = notice.check, notice.last_ping
    body = (notice.last_ping_body or b"").decode("utf-8", errors="replace")
    tags = text.tags(check)
    values = {
        "$CODE": check.code,
        "$STATUS": notice.status,
        "$NOW": isoformat(notice.now.astimezone(timezone.utc)),
        "$NAME": check.name,
        "$NAME_JSON": json.dumps(check.name),
        "$SLUG": check.slug,
        "$TAGS": " ".join(tags),
        "$JSON": json.dumps(to_dict(check, notice.now)),
        "$BODY": body,
        "$BODY_JSON": json.dumps(body),
        "$EXITSTATUS": str(int(ping.exitstatus)) if ping and ping.exitstatus is not None else "-1",
    }
    values.update({f"$TAG{i}": tag for i, tag in enumerate(tags, start=1)})
    return values


def expand(template: str, values: dict[str, str], encode=lambda value: value) -> str:
    """Fill placeholders in one pass: longer names win ($NAME_JSON over $NAME) and values are never re-scanned."""
    if not template:
        return template
    names = sorted(values, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))
    # $SLUG needs no encoding: slugs are made of URL-safe characters only.
    return pattern.sub(lambda m: values[m[0]] if m[0] == "$SLUG" else encode(values[m[0]]), template)


def _header_value(value: str) -> str:
    """What http.client can send: latin-1, other characters as &#NNNN;, on one line."""
    value = value.encode("latin-1", errors="xmlcharrefreplace").decode("latin-1")
    return " ".join(value.splitlines()).strip()
